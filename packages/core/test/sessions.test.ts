// MFA sessions: lifetime and idle timeout (defaults and configured), rotation on a new proof,
// and ending a session.
import { handleRoute } from '@mfakit/core/http';
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

const HOUR = 3600;

test('a session is refused after its 12 h lifetime even when kept busy', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  for (let elapsed = 0; elapsed < 12 * HOUR - 20 * 60; elapsed += 20 * 60) {
    h.clock.advanceSeconds(20 * 60);
    expect((await decide(h.mfa, req)).allow).toBe(true);
  }
  h.clock.advanceSeconds(20 * 60); // exactly 12 h since the proof
  expect(await decide(h.mfa, req)).toMatchObject({ allow: false, response: { body: { code: 'mfa_required' } } });
});

test('a session unused for 30 min ends; use within that keeps it alive', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  h.clock.advanceSeconds(29 * 60 + 59);
  expect((await decide(h.mfa, req)).allow).toBe(true);
  h.clock.advanceSeconds(29 * 60 + 59);
  expect((await decide(h.mfa, req)).allow).toBe(true);
  h.clock.advanceSeconds(30 * 60);
  expect((await decide(h.mfa, req)).allow).toBe(false);
});

test('lifetime and idle timeout are configurable', async () => {
  const h = setup({ session: { lifetime: '1h', idleTimeout: '5m' } });
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  const issued = await h.mfa.status(req);
  expect(issued.session!.expiresAt - issued.session!.authTime).toBe(HOUR * 1000);
  h.clock.advanceSeconds(5 * 60);
  expect((await decide(h.mfa, req)).allow).toBe(false);

  h.clock.advanceSeconds(30);
  const fresh = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  const next = { user: alice.user, sessionToken: fresh.sessionToken };
  for (let i = 0; i < 14; i += 1) {
    h.clock.advanceSeconds(4 * 60);
    expect((await decide(h.mfa, next)).allow).toBe(true);
  }
  h.clock.advanceSeconds(4 * 60); // 60 min in
  expect((await decide(h.mfa, next)).allow).toBe(false);
});

test('verify with an old session token rotates it: a new token works, the old one stops', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const rotated = unwrap(await h.mfa.verify({ user: alice.user, sessionToken: alice.sessionToken }, { code: totpCode(alice.secret, h.clock) }));
  expect(rotated.sessionToken).not.toBe(alice.sessionToken);
  expect(rotated.sessionToken).toMatch(/^mfa_[A-Za-z0-9_-]{43}$/);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).allow).toBe(false);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: rotated.sessionToken })).allow).toBe(true);
});

test('an inline code rotates the session and returns the new token in X-Session-Token', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken, inlineCode: totpCode(alice.secret, h.clock) });
  if (!decision.allow) throw new Error('denied');
  const token = decision.headers['X-Session-Token']!;
  expect(token).toMatch(/^mfa_/);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).allow).toBe(false);
  expect((await decide(h.mfa, { user: alice.user, sessionToken: token })).allow).toBe(true);
});

test('endSession (DELETE /mfa/session) ends the session and is idempotent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  const answer = await handleRoute(h.mfa, 'endSession', { ...req, params: {}, body: undefined });
  expect(answer.status).toBe(204);
  expect(h.events.map((e) => e.type)).toContain('session.ended');
  expect(await decide(h.mfa, req)).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_required' } } });
  await expect(h.mfa.endSession(req)).resolves.toBeUndefined();
});

test('a garbage or missing token is simply no session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  for (const sessionToken of [undefined, '', 'mfa_nope', 'x'.repeat(10_000), `${alice.sessionToken}x`]) {
    expect(codeOf(await h.mfa.startEnrollment({ user: alice.user, ...(sessionToken === undefined ? {} : { sessionToken }) }, 'totp'))).toBe('mfa_required');
  }
});
