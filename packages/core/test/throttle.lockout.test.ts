// Threat: an attacker with the primary credential brute-forces the second factor by guessing codes, sequentially or in parallel.
import { present } from '@mfakit/core/http';
import { handleRoute } from '@mfakit/core/http';
import { totpCode, wrongCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, type Enrolled, type Harness, setup, unwrap, wrongCodes } from './helpers';
import { contextOf } from '../src/createMfa';

async function fail(h: Harness, alice: Enrolled, times: number) {
  const outcomes = [];
  for (let i = 0; i < times; i += 1) outcomes.push(codeOf(await h.mfa.verify({ user: alice.user }, { code: wrongCode(alice.secret, h.clock) })));
  return outcomes;
}

test('3 wrong codes lock: 429 mfa_locked with Retry-After and no-store', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect(await fail(h, alice, 3)).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'account.locked', userId: 'alice', level: 1, until: h.clock.now() + 30_000 }));
  const answer = await handleRoute(h.mfa, 'verify', { user: alice.user, params: {}, body: { code: wrongCode(alice.secret, h.clock) } });
  expect(answer.status).toBe(429);
  expect(answer.headers).toMatchObject({ 'Retry-After': '30', 'Cache-Control': 'no-store', 'Content-Type': 'application/problem+json; charset=utf-8' });
  expect(answer.body).toMatchObject({ code: 'mfa_locked', status: 429 });
  const reasons = h.events.flatMap((e) => (e.type === 'verification.failed' ? [e.reason] : []));
  expect(reasons).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked', 'mfa_locked']);
});

test('while locked even a correct code is refused, and not spent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  await fail(h, alice, 3);
  const code = totpCode(alice.secret, h.clock);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code }))).toBe('mfa_locked');
  expect((await decide(h.mfa, { user: alice.user, inlineCode: code })).allow).toBe(false);
  h.clock.advanceSeconds(29);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code }))).toBe('mfa_locked');
  h.clock.advanceSeconds(1);
  unwrap(await h.mfa.verify({ user: alice.user }, { code })); // step T-1, in the window, never checked
});

test('backoff grows 30 s, 1 m, 2 m, 5 m and stays at 5 m', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  for (const seconds of [30, 60, 120, 300, 300]) {
    expect(await fail(h, alice, 3)).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_locked']);
    const locked = await h.mfa.verify({ user: alice.user }, { code: wrongCode(alice.secret, h.clock) });
    expect(!locked.ok && locked.problem.retryAfter).toBe(seconds);
    expect(present(locked, 200).headers['Retry-After']).toBe(String(seconds));
    h.clock.advanceSeconds(seconds - 1);
    expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_locked');
    h.clock.advanceSeconds(1);
  }
});

test('a success clears the failure count and the backoff', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  await fail(h, alice, 2);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  expect(await fail(h, alice, 2)).toEqual(['mfa_invalid_code', 'mfa_invalid_code']);
  expect(await fail(h, alice, 1)).toEqual(['mfa_locked']); // 3 since the success
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  await fail(h, alice, 3);
  expect(h.events.filter((e) => e.type === 'account.locked').map((e) => 'level' in e && e.level)).toEqual([1, 1]);
});

test('failures count across all factors: wrong TOTP codes also lock recovery codes', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  await fail(h, alice, 3);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! }))).toBe('mfa_locked');
  h.clock.advanceSeconds(30);
  expect(unwrap(await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! })).recoveryCodesRemaining).toBe(9);
});

test('wrong recovery codes and wrong TOTP codes add up', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { recoveryCode: 'AAAA-BBBB-CCCC-DDDD' }))).toBe('mfa_invalid_code');
  expect(await fail(h, alice, 2)).toEqual(['mfa_invalid_code', 'mfa_locked']);
});

test('failures across sessions and IPs count together; the window forgets old ones', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const guess = (ip: string) => h.mfa.verify({ user: alice.user, ip, sessionToken: alice.sessionToken }, { code: wrongCode(alice.secret, h.clock) });
  expect(codeOf(await guess('198.51.100.1'))).toBe('mfa_invalid_code');
  expect(codeOf(await guess('198.51.100.2'))).toBe('mfa_invalid_code');
  h.clock.advanceSeconds(300); // the 5-minute window lapses
  expect(codeOf(await guess('198.51.100.3'))).toBe('mfa_invalid_code');
  expect(codeOf(await guess('198.51.100.4'))).toBe('mfa_invalid_code');
  expect(codeOf(await guess('198.51.100.5'))).toBe('mfa_locked');
});

test("one user's lockout does not lock another", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  await fail(h, alice, 3);
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.verify({ user: bob.user }, { code: totpCode(bob.secret, h.clock) }));
});

test('50 concurrent wrong guesses: at most 3 codes are checked, all 50 refused', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decrypt = jest.spyOn(contextOf(h.mfa).keyRing, 'decrypt'); // once per code checked
  const guesses = wrongCodes(alice.secret, h.clock, 50);
  const results = await Promise.all(guesses.map((code) => h.mfa.verify({ user: alice.user }, { code })));
  expect(decrypt).toHaveBeenCalledTimes(3);
  expect(results.filter((r) => r.ok)).toHaveLength(0);
  expect(results.filter((r) => codeOf(r) === 'mfa_locked').length).toBeGreaterThanOrEqual(47);
  expect(h.events.filter((e) => e.type === 'account.locked')).toHaveLength(1);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock, { offsetSteps: 1 }) }))).toBe('mfa_locked');
});

test('50 concurrent guesses that include the right code cannot get it checked beyond the limit', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const decrypt = jest.spyOn(contextOf(h.mfa).keyRing, 'decrypt');
  const guesses = [...wrongCodes(alice.secret, h.clock, 49), totpCode(alice.secret, h.clock)]; // right one last
  const results = await Promise.all(guesses.map((code) => h.mfa.verify({ user: alice.user }, { code })));
  expect(decrypt).toHaveBeenCalledTimes(3);
  expect(results.filter((r) => r.ok)).toHaveLength(0);
});
