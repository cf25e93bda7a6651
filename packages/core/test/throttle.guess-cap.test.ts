// Threat: an attacker with the password guesses codes forever at the pace the lock allows (about
// 870 guesses a day: a few percent a month of hitting a TOTP code), or slowly enough (two guesses
// every five minutes) that the lock never trips and nobody is told.
import type { UserNotice } from '@mfakit/core';
import { handleRoute } from '@mfakit/core/http';
import { totpCode, wrongCode, decide } from '@mfakit/testing';
import { codeOf, enrollPasskey, assertion, enrollTotp, type Harness, setup, unwrap, WEBAUTHN } from './helpers';

/** Two wrong codes every five minutes: never three within the lock's window. */
async function guessSlowly(h: Harness, user: { id: string }, secret: string, guesses: number) {
  const outcomes: string[] = [];
  for (let i = 0; i < guesses; i += 1) {
    if (i % 2 === 0) h.clock.advanceSeconds(301);
    outcomes.push(codeOf(await h.mfa.verify({ user }, { code: wrongCode(secret, h.clock) })));
  }
  return outcomes;
}

test('slow guessing never trips the lock, but after maxConsecutiveFailures codes are refused, the right one included', async () => {
  const notices: UserNotice[] = [];
  const h = setup({ notify: { user: (n) => void notices.push(n) } });
  const alice = await enrollTotp(h);
  const outcomes = await guessSlowly(h, alice.user, alice.secret, 50);
  expect(outcomes.every((o) => o === 'mfa_invalid_code')).toBe(true);
  expect(h.events.filter((e) => e.type === 'account.locked')).toEqual([]);

  h.clock.advanceSeconds(301);
  const answer = await handleRoute(h.mfa, 'verify', { user: alice.user, params: {}, body: { code: totpCode(alice.secret, h.clock) } });
  expect(answer).toMatchObject({ status: 403, body: { code: 'mfa_codes_disabled' } });
  expect((await decide(h.mfa, { user: alice.user, inlineCode: totpCode(alice.secret, h.clock) })).allow).toBe(false);
  // A day later (the lock's own counters long gone) codes are still refused.
  h.clock.advanceSeconds(86_400);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_codes_disabled');

  await Promise.resolve(); // notices are delivered after the change they report
  expect(notices.map((n) => n.type).filter((t) => t !== 'factor.added' && t !== 'recovery.regenerated')).toEqual(['failures.mounting', 'codes.disabled']);
  expect(notices.find((n) => n.type === 'failures.mounting')).toMatchObject({ count: 10, limit: 50 });
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'codes.disabled', userId: 'alice', count: 50 }));
});

test('the administrators are told well before codes stop, and when they stop', async () => {
  const admins: string[] = [];
  const h = setup({ notify: { admins: (n) => void admins.push(`${n.type}:${n.userId}`) }, throttle: { maxConsecutiveFailures: 20 } });
  const alice = await enrollTotp(h);
  await guessSlowly(h, alice.user, alice.secret, 20);
  await Promise.resolve();
  expect(admins).toEqual(['failures.mounting:alice', 'codes.disabled:alice']);
});

test('a recovery code still opens a session past the limit, and ends the streak', async () => {
  const h = setup({ throttle: { maxConsecutiveFailures: 10 } });
  const alice = await enrollTotp(h);
  await guessSlowly(h, alice.user, alice.secret, 10);
  h.clock.advanceSeconds(301);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_codes_disabled');
  unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }));
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
});

test('a passkey still opens a session past the limit, and ends the streak', async () => {
  const h = setup({ webauthn: WEBAUTHN, throttle: { maxConsecutiveFailures: 10 } });
  const alice = await enrollTotp(h);
  const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
  await guessSlowly(h, alice.user, alice.secret, 10);
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, await assertion(h, passkey)));
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
});

test('an administrator unlocks the account: codes work again, and the action is audited', async () => {
  const h = setup({ throttle: { maxConsecutiveFailures: 10 } });
  const alice = await enrollTotp(h);
  await guessSlowly(h, alice.user, alice.secret, 10);
  h.clock.advanceSeconds(301);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_codes_disabled');
  await h.mfa.admin.unlockUser('alice', { by: 'admin-7', ip: '192.0.2.1' });
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'account.unlocked', userId: 'alice', by: 'admin-7', ip: '192.0.2.1' }));
});

test('a success ends the streak: failures between two sign-ins never add up to the limit', async () => {
  const h = setup({ throttle: { maxConsecutiveFailures: 10 } });
  const alice = await enrollTotp(h);
  for (let day = 0; day < 5; day += 1) {
    await guessSlowly(h, alice.user, alice.secret, 9);
    h.clock.advanceSeconds(301);
    unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  }
  expect(h.events.filter((e) => e.type === 'codes.disabled')).toEqual([]);
});

test('the limit is checked at construction: 5 to 100, NIST SP 800-63B 5.2.2', () => {
  for (const bad of [0, 4, 101, 1.5, '50']) expect(() => setup({ throttle: { maxConsecutiveFailures: bad as number } })).toThrow(/maxConsecutiveFailures/);
});
