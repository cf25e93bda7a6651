// Threat: an attacker who sees a TOTP code (shoulder-surfing, phishing proxy, logs) replays it while it is still valid.
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

test('a used code is refused, and the refusal is a replay.rejected event', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const code = totpCode(alice.secret, h.clock);
  unwrap(await h.mfa.verify({ user: alice.user }, { code }));
  h.events.length = 0;
  expect(codeOf(await h.mfa.verify({ user: alice.user, ip: '203.0.113.9' }, { code }))).toBe('mfa_invalid_code');
  expect(h.events).toContainEqual({ type: 'replay.rejected', userId: 'alice', factorId: alice.factorId, kind: 'totp', at: h.clock.now(), ip: '203.0.113.9' });
});

test('the code used to confirm enrollment cannot be replayed to verify', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('mfa_invalid_code');
});

test('a used code stays refused while it is inside the drift window (next step)', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const code = totpCode(alice.secret, h.clock);
  unwrap(await h.mfa.verify({ user: alice.user }, { code }));
  h.clock.advanceSeconds(30); // the code is now step T-1: still inside window 1
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code }))).toBe('mfa_invalid_code');
});

test('after a later step was accepted, codes of earlier steps are refused', async () => {
  const h = setup({ throttle: { maxFailures: 10 } });
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(60);
  const earlier = totpCode(alice.secret, h.clock, { offsetSteps: -1 }); // never used, in the window
  const now = totpCode(alice.secret, h.clock);
  const later = totpCode(alice.secret, h.clock, { offsetSteps: 1 }); // clock drift ahead
  unwrap(await h.mfa.verify({ user: alice.user }, { code: later }));
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: now }))).toBe('mfa_invalid_code');
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: earlier }))).toBe('mfa_invalid_code');
});

test('an earlier step accepted first does not block the current one', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(60);
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock, { offsetSteps: -1 }) }));
  unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
});

test.each([
  ['the default throttle', {}],
  ['a throttle that lets all 20 reach the replay guard', { throttle: { maxFailures: 100 } }],
])('20 concurrent verifications of one code: exactly one succeeds (%s)', async (_name, options) => {
  const h = setup(options);
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const code = totpCode(alice.secret, h.clock);
  h.events.length = 0;
  const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.verify({ user: alice.user }, { code })));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect(h.events.filter((e) => e.type === 'verification.succeeded')).toHaveLength(1);
  if ('throttle' in options) expect(h.events.filter((e) => e.type === 'replay.rejected')).toHaveLength(19);
});

test('concurrent inline codes on a protected route: exactly one request passes', async () => {
  const h = setup({ throttle: { maxFailures: 100 } });
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const inlineCode = totpCode(alice.secret, h.clock);
  const decisions = await Promise.all(Array.from({ length: 20 }, () => decide(h.mfa, { user: alice.user, inlineCode })));
  expect(decisions.filter((d) => d.allow)).toHaveLength(1);
});
