// Threat: a user presents another user's MFA session token (stolen or shared) to pass MFA as themselves, or to end it.
import { handleRoute } from '@mfakit/core/http';
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, setup } from './helpers';

test("alice's session token is refused for bob: mfa_required", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  await enrollTotp(h, 'bob');
  const decision = await decide(h.mfa, { user: { id: 'bob' }, sessionToken: alice.sessionToken });
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_required' } } });
  expect((await h.mfa.status({ user: { id: 'bob' }, sessionToken: alice.sessionToken })).session).toBeNull();
  expect(codeOf(await h.mfa.regenerateRecoveryCodes({ user: { id: 'bob' }, sessionToken: alice.sessionToken }))).toBe('mfa_required');
  expect(codeOf(await h.mfa.startEnrollment({ user: { id: 'bob' }, sessionToken: alice.sessionToken }, 'totp'))).toBe('mfa_required');
});

test("bob cannot end alice's session", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  await enrollTotp(h, 'bob');
  await h.mfa.endSession({ user: { id: 'bob' }, sessionToken: alice.sessionToken });
  const answer = await handleRoute(h.mfa, 'endSession', { user: { id: 'bob' }, sessionToken: alice.sessionToken, params: {}, body: undefined });
  expect(answer.status).toBe(204); // idempotent, tells bob nothing
  expect((await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).allow).toBe(true);
});

test("bob's proof with alice's token neither ends nor inherits alice's session", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  h.clock.advanceSeconds(30);
  const decision = await decide(h.mfa, { user: bob.user, sessionToken: alice.sessionToken, inlineCode: totpCode(bob.secret, h.clock) });
  expect(decision).toMatchObject({ allow: true, state: { userId: 'bob' } });
  expect((await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).allow).toBe(true);
});
