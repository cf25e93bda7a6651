// Purpose: `mfakit exempt` grants an exemption only with a reason and an end, shows it in the report, and lifts it.
import { setup } from './helpers';

const START = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

test('exempt with a duration grants until now plus the duration, audited with the actor', async () => {
  const h = setup();
  const { code, out, err } = await h.run(['exempt', 'bob', '--reason', 'lost phone, new one Monday', '--until', '7d']);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toBe('bob is exempt from MFA until 2026-01-08T00:00:00.000Z (reason: lost phone, new one Monday; granted by cli:test-admin).\n');
  const report = await h.mfa.admin.report([{ id: 'bob' }]);
  expect(report.users[0]).toMatchObject({ userId: 'bob', exempt: true, exemption: { reason: 'lost phone, new one Monday', expiresAt: START + 7 * DAY_MS, grantedBy: 'cli:test-admin' } });
  expect(h.events).toEqual([expect.objectContaining({ type: 'exemption.granted', userId: 'bob', by: 'cli:test-admin', expiresAt: START + 7 * DAY_MS })]);
  expect((await h.run(['report'])).out).toMatch(/\nbob\s+yes\s+no\s+until 2026-01-08T00:00:00\.000Z\s+-\s+-\n/);
});

test.each([
  ['30m', START + 30 * 60_000],
  ['12h', START + 12 * 3_600_000],
  ['2026-03-01', Date.UTC(2026, 2, 1)],
  ['2026-03-01T09:30:00Z', Date.UTC(2026, 2, 1, 9, 30)],
  ['2026-03-01T09:30:00.5+01:00', Date.UTC(2026, 2, 1, 8, 30, 0, 500)],
])('--until %s', async (until, expiresAt) => {
  const h = setup();
  const { code } = await h.run(['exempt', 'bob', '--reason', 'travel', `--until=${until}`]);
  expect(code).toBe(0);
  expect((await h.mfa.admin.report([])).users[0]?.exemption?.expiresAt).toBe(expiresAt);
});

test('the default actor is cli:<operating system user>', async () => {
  const h = setup();
  const os = await import('node:os');
  expect((await h.run(['exempt', 'bob', '--reason', 'x', '--until', '1d'], { actor: undefined })).code).toBe(0);
  expect(h.events[0]).toMatchObject({ by: `cli:${os.userInfo().username}` });
});

test.each([
  [['exempt', 'bob'], 'exempt needs --reason <text> and --until <time>'],
  [['exempt', 'bob', '--until', '7d'], 'exempt needs --reason <text>'],
  [['exempt', 'bob', '--reason', '   ', '--until', '7d'], 'exempt needs --reason <text>'],
  [['exempt', 'bob', '--reason', 'travel'], 'exempt needs --until <time>'],
  [['exempt', '--reason', 'travel', '--until', '7d'], 'exempt needs a user id'],
  [['exempt', 'bob', '--reason', 'travel', '--until', 'next week'], '--until must be an ISO 8601 date or time'],
  [['exempt', 'bob', '--reason', 'travel', '--until', '7'], '--until must be an ISO 8601 date or time'],
  [['exempt', 'bob', '--reason', 'travel', '--until', '0d'], 'give a duration of at least 1d'],
  [['exempt', 'bob', '--reason', 'travel', '--until', '2025-12-31'], 'expiresAt must lie in the future, at most a year away'],
  [['exempt', 'bob', '--reason', 'travel', '--until', '400d'], 'expiresAt must lie in the future, at most a year away'],
  [['exempt', 'bob', '--reason', 'x'.repeat(501), '--until', '7d'], 'An exemption needs a reason of 1 to 500 characters'],
  [['exempt', 'bob', '--lift', '--reason', 'travel'], 'exempt --lift takes neither --reason nor --until'],
  [['exempt', 'bob', '--lift=yes'], "Option '--lift' does not take an argument"],
  [['exempt', 'bob', '--until'], "Option '--until <value>' argument missing"],
])('%j is refused with exit code 2: %s', async (argv, message) => {
  const h = setup();
  const { code, out, err } = await h.run(argv);
  expect({ code, out }).toEqual({ code: 2, out: '' });
  expect(err).toContain(message);
  expect(h.events).toEqual([]);
  expect((await h.mfa.admin.report([])).users).toEqual([]);
});

test('--lift ends the exemption (audited); lifting none is exit code 1', async () => {
  const h = setup();
  await h.run(['exempt', 'bob', '--reason', 'travel', '--until', '7d']);
  const lifted = await h.run(['exempt', 'bob', '--lift']);
  expect(lifted).toEqual({ code: 0, out: 'Lifted the exemption of bob: MFA applies to them again.\n', err: '' });
  expect((await h.mfa.admin.report([{ id: 'bob' }])).users[0]).toMatchObject({ exempt: false, exemption: null });
  expect(h.events.at(-1)).toMatchObject({ type: 'exemption.lifted', userId: 'bob', by: 'cli:test-admin' });
  expect(await h.run(['exempt', 'bob', '--lift'])).toEqual({ code: 1, out: '', err: 'bob has no exemption to lift.\n' });
});

test('an exemption stops showing once it has expired', async () => {
  const h = setup();
  await h.run(['exempt', 'bob', '--reason', 'travel', '--until', '1h']);
  h.clock.advance(3_600_000);
  expect((await h.run(['report'])).out).toMatch(/\nbob\s+yes\s+no\s+no\s+-\s+-\n/);
});
