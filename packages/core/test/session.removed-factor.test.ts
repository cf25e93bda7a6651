// Threat: a session opened with a factor outlives the factor's removal: an attacker's planted (or a
// lost) authenticator is removed, yet the session it opened stays valid for hours and, within its
// fresh window, can regenerate recovery codes and remove the remaining factors.
import { handleRoute, SESSION_TOKEN_HEADER } from '@mfakit/core/http';
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, type Harness, setup, unwrap } from './helpers';

/** Alice with two authenticator apps: her own (the first) and another, each with a session it opened. */
async function twoFactors(h: Harness) {
  const alice = await enrollTotp(h);
  const second = unwrap(await h.mfa.startEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp'));
  h.clock.advanceSeconds(30);
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user: alice.user, sessionToken: alice.sessionToken }, 'totp', second.factorId, totpCode(second.secret, h.clock)));
  h.clock.advanceSeconds(30);
  const own = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  return { alice, own: own.sessionToken, other: { factorId: second.factorId, secret: second.secret, sessionToken: confirmed.session.sessionToken } };
}

const passes = async (h: Harness, sessionToken: string) => (await decide(h.mfa, { user: { id: 'alice' }, sessionToken })).allow;

test("removing a factor ends the sessions it opened; the remover's own session goes on", async () => {
  const h = setup();
  const { alice, own, other } = await twoFactors(h);
  expect([await passes(h, own), await passes(h, other.sessionToken)]).toEqual([true, true]);
  h.clock.advance(1);
  unwrap(await h.mfa.removeFactor({ user: alice.user, sessionToken: own }, other.factorId));
  expect(await passes(h, other.sessionToken)).toBe(false);
  expect(await passes(h, own)).toBe(true);
  // The ended session can no longer make account changes either.
  expect(codeOf(await h.mfa.regenerateRecoveryCodes({ user: alice.user, sessionToken: other.sessionToken }))).toBe('mfa_required');
  expect(codeOf(await h.mfa.removeFactor({ user: alice.user, sessionToken: other.sessionToken }, alice.factorId))).toBe('mfa_required');
});

test("removing the factor that opened the caller's own session keeps the caller signed in", async () => {
  const h = setup();
  const { alice, own, other } = await twoFactors(h);
  h.clock.advance(1);
  unwrap(await h.mfa.removeFactor({ user: alice.user, sessionToken: other.sessionToken }, other.factorId));
  expect(await passes(h, other.sessionToken)).toBe(true);
  expect(await passes(h, own)).toBe(false);
  expect((await h.store.listFactors('alice')).map((f) => f.id)).toEqual([alice.factorId]);
});

test('a session opened by an inline code on the removal itself is the one kept', async () => {
  const h = setup();
  const { alice, own, other } = await twoFactors(h);
  h.clock.advanceSeconds(30);
  const answer = await handleRoute(h.mfa, 'removeFactor', { user: alice.user, inlineCode: totpCode(alice.secret, h.clock), params: { factorId: other.factorId }, body: undefined });
  expect(answer.status).toBe(204);
  const issued = answer.headers[SESSION_TOKEN_HEADER]!;
  expect(issued).toMatch(/^mfa_/);
  expect(await passes(h, issued)).toBe(true);
  expect([await passes(h, own), await passes(h, other.sessionToken)]).toEqual([false, false]);
});

test('the last factor of a user who must use MFA cannot be removed: enroll another first', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const refused = await handleRoute(h.mfa, 'removeFactor', { user: alice.user, sessionToken: alice.sessionToken, params: { factorId: alice.factorId }, body: undefined });
  expect(refused).toMatchObject({ status: 409, body: { code: 'last_factor' } });
  expect(await h.store.listFactors('alice')).toHaveLength(1);
  expect(await passes(h, alice.sessionToken)).toBe(true);
});

test('the last factor of a user who opted in may go, and with it every session', async () => {
  const h = setup({ policy: { required: () => false } });
  const alice = await enrollTotp(h);
  h.clock.advance(1);
  const removed = await h.mfa.removeFactor({ user: alice.user, sessionToken: alice.sessionToken }, alice.factorId);
  expect(removed).toEqual({ ok: true, value: null });
  expect(await h.store.listFactors('alice')).toEqual([]);
  const status = await h.mfa.status({ user: alice.user, sessionToken: alice.sessionToken });
  expect(status).toMatchObject({ enrolled: false, session: null, recoveryCodesRemaining: 0 });
  // No recovery code of the old set opens anything: there is no factor to recover.
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_enrollment_required');
});
