// Threat: one client address guesses codes across many accounts, and inline codes (X-MFA-Token on
// a protected, management or admin route) slip past the per-address limit that only the
// verification routes had.
import { type Decision, handleRoute } from '@mfakit/core/http';
import { totpCode, wrongCode, decide } from '@mfakit/testing';
import { enrollTotp, type Enrolled, setup } from './helpers';
import { contextOf } from '../src/createMfa';

const ATTACKER = '203.0.113.9';
const codeOfDecision = (d: Decision) => (d.allow ? 'allow' : (d.response.body as { code: string }).code);

async function users(count: number) {
  const h = setup({ throttle: { perAddress: { maxFailures: 5, window: '15m' } } });
  const enrolled: Enrolled[] = [];
  for (let i = 0; i < count; i += 1) enrolled.push(await enrollTotp(h, `user-${i}`));
  return { h, enrolled };
}

test('inline codes on protected routes count per address, across accounts', async () => {
  const { h, enrolled } = await users(7);
  const outcomes = [];
  for (const victim of enrolled.slice(0, 6)) {
    outcomes.push(codeOfDecision(await decide(h.mfa, { user: victim.user, inlineCode: wrongCode(victim.secret, h.clock), ip: ATTACKER })));
  }
  // One guess per account: no account is locked, but the address is out after five.
  expect(outcomes).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'rate_limited']);
  const last = enrolled[6]!;
  h.clock.advanceSeconds(30);
  const refused = await decide(h.mfa, { user: last.user, inlineCode: totpCode(last.secret, h.clock), ip: ATTACKER });
  expect(!refused.allow && refused.response).toMatchObject({ status: 429, headers: { 'Retry-After': '900' } });
  // Another address is not affected; the attacker's window ends by itself.
  expect((await decide(h.mfa, { user: last.user, inlineCode: totpCode(last.secret, h.clock), ip: '198.51.100.4' })).allow).toBe(true);
  h.clock.advanceSeconds(15 * 60);
  h.clock.advanceSeconds(30);
  expect((await decide(h.mfa, { user: last.user, inlineCode: totpCode(last.secret, h.clock), ip: ATTACKER })).allow).toBe(true);
});

test('inline codes on the management routes and the verify route share the same count', async () => {
  const { h, enrolled } = await users(6);
  const [a, b, c] = enrolled as [Enrolled, Enrolled, Enrolled];
  const guess = (who: Enrolled) => wrongCode(who.secret, h.clock);
  const answers = [
    await handleRoute(h.mfa, 'regenerateRecoveryCodes', { user: a.user, inlineCode: guess(a), ip: ATTACKER, params: {}, body: undefined }),
    await handleRoute(h.mfa, 'removeFactor', { user: b.user, inlineCode: guess(b), ip: ATTACKER, params: { factorId: b.factorId }, body: undefined }),
    await handleRoute(h.mfa, 'enrollTotp', { user: c.user, inlineCode: guess(c), ip: ATTACKER, params: {}, body: undefined }),
    await handleRoute(h.mfa, 'verify', { user: a.user, ip: ATTACKER, params: {}, body: { code: guess(a) } }),
    await handleRoute(h.mfa, 'verify', { user: b.user, ip: ATTACKER, params: {}, body: { recoveryCode: 'AAAA-AAAA-AAAA-AAAA' } }),
    await handleRoute(h.mfa, 'verify', { user: c.user, ip: ATTACKER, params: {}, body: { code: guess(c) } }),
  ];
  expect(answers.map((answer) => (answer.body as { code: string }).code)).toEqual(['mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'mfa_invalid_code', 'rate_limited']);
});

test('an IPv6 client counts by its /56: rotating addresses within it does not help', async () => {
  const { h, enrolled } = await users(6);
  const outcomes = [];
  for (const [i, victim] of enrolled.entries()) {
    outcomes.push(codeOfDecision(await decide(h.mfa, { user: victim.user, inlineCode: wrongCode(victim.secret, h.clock), ip: `2001:db8:1234:56${i}0::${i + 1}` })));
  }
  expect(outcomes.at(-1)).toBe('rate_limited');
});

test('successes do not count: many users behind one address sign in freely', async () => {
  const { h, enrolled } = await users(7);
  h.clock.advanceSeconds(30);
  for (const user of enrolled) expect((await decide(h.mfa, { user: user.user, inlineCode: totpCode(user.secret, h.clock), ip: ATTACKER })).allow).toBe(true);
});

test('perAddress: false counts nothing; malformed settings are refused at construction', async () => {
  const h = setup({ throttle: { perAddress: false } });
  expect(contextOf(h.mfa).throttle.perAddress).toBeNull();
  expect(() => setup({ throttle: { perAddress: { maxFailures: 0 } } })).toThrow(/perAddress.maxFailures/);
  expect(() => setup({ throttle: { perAddress: 'on' as never } })).toThrow(/perAddress/);
});
