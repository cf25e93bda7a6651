// Threat: an exemption that outlives its purpose (a contractor's week that never ends), one
// granted without a stated reason, or one that nobody can trace: every exemption needs a reason
// and an expiry, stops applying by itself, and is audited.
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, enrollTotp, setup, unwrap } from './helpers';

const WEEK_MS = 7 * 86_400_000;

test('an exempt user passes without a factor until the expiry, then must enroll, with no one acting', async () => {
  const h = setup();
  const expiresAt = h.clock.now() + WEEK_MS;
  const exemption = unwrap(await h.mfa.admin.grantExemption('contractor', { reason: 'Vendor laptop, no phone', expiresAt: new Date(expiresAt).toISOString() }, { by: 'admin' }));
  expect(exemption).toEqual({ reason: 'Vendor laptop, no phone', expiresAt, grantedBy: 'admin', grantedAt: h.clock.now() });

  const user = { id: 'contractor' };
  const during = await decide(h.mfa, { user });
  expect(during.allow && during.state.exempt).toBe(true);
  expect(await h.mfa.status({ user })).toMatchObject({ exempt: true, exemption: { reason: 'Vendor laptop, no phone', expiresAt } });

  h.clock.set(expiresAt);
  const after = await decide(h.mfa, { user });
  expect(!after.allow && after.response.status).toBe(403);
  expect(await h.mfa.status({ user })).toMatchObject({ exempt: false, exemption: null });
  expect((await h.mfa.admin.report([user])).users[0]).toMatchObject({ userId: 'contractor', exempt: false, exemption: null });
});

test.each([
  ['no reason', { expiresAt: Date.now() + WEEK_MS }],
  ['a blank reason', { reason: '   ', expiresAt: Date.now() + WEEK_MS }],
  ['no expiry', { reason: 'travel' }],
  ['an unreadable expiry', { reason: 'travel', expiresAt: 'next week' }],
  ['an expiry in the past', { reason: 'travel', expiresAt: 0 }],
  ['an expiry more than a year away', { reason: 'travel', expiresAt: Date.now() + 400 * 86_400_000 }],
  ['a reason of 501 characters', { reason: 'x'.repeat(501), expiresAt: Date.now() + WEEK_MS }],
  ['an unreadable duration', { reason: 'travel', expiresIn: 'a week' }],
  ['a duration of nothing', { reason: 'travel', expiresIn: '0d' }],
  ['a duration over a year', { reason: 'travel', expiresIn: '400d' }],
])('an exemption with %s is refused and nothing is stored', async (_case, input) => {
  const h = setup();
  h.clock.set(Date.now());
  expect(codeOf(await h.mfa.admin.grantExemption('bob', input, { by: 'admin' }))).toBe('invalid_request');
  expect(await h.store.getUser('bob')).toBeNull();
  expect(h.events.filter((e) => e.type === 'exemption.granted')).toEqual([]);
});

test('granting and lifting are audited with who did it; lifting twice finds nothing the second time', async () => {
  const h = setup();
  unwrap(await h.mfa.admin.grantExemption('bob', { reason: 'travel', expiresAt: h.clock.now() + WEEK_MS }, { by: 'admin', ip: '10.0.0.9' }));
  expect(await h.mfa.admin.liftExemption('bob', { by: 'admin2' })).toBe(true);
  expect(await h.mfa.admin.liftExemption('bob', { by: 'admin2' })).toBe(false);
  expect(h.events.map((e) => [e.type, 'by' in e ? e.by : null])).toEqual([
    ['exemption.granted', 'admin'],
    ['exemption.lifted', 'admin2'],
  ]);
  expect((await decide(h.mfa, { user: { id: 'bob' } })).allow).toBe(false);
});

test('an exemption does not stand in for the fresh proof that account changes need', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  unwrap(await h.mfa.admin.grantExemption('alice', { reason: 'lost phone', expiresAt: h.clock.now() + WEEK_MS }, { by: 'admin' }));
  expect((await decide(h.mfa, { user: alice.user })).allow).toBe(true);
  expect(codeOf(await h.mfa.regenerateRecoveryCodes({ user: alice.user }))).toBe('mfa_required');
  h.clock.advanceSeconds(30);
  expect(codeOf(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }))).toBe('ok');
});

test("expiresIn is a duration from the core's clock; expiresAt, when given too, wins", async () => {
  const h = setup();
  const granted = unwrap(await h.mfa.admin.grantExemption('bob', { reason: 'travel', expiresIn: '12h' }, { by: 'admin' }));
  expect(granted.expiresAt).toBe(h.clock.now() + 12 * 3_600_000);
  const both = unwrap(await h.mfa.admin.grantExemption('bob', { reason: 'travel', expiresAt: h.clock.now() + WEEK_MS, expiresIn: '1h' }, { by: 'admin' }));
  expect(both.expiresAt).toBe(h.clock.now() + WEEK_MS);
});
