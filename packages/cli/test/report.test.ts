// Purpose: `mfakit report` tells an administrator, in each format, who is required, enrolled and exempt.
import { enrollTotp, setup, USERS } from './helpers';

const DAY_MS = 86_400_000;

async function scenario() {
  const h = setup();
  await enrollTotp(h, 'alice');
  h.clock.advance(60_000);
  await enrollTotp(h, 'dave'); // known only to the store, not to listUsers
  const granted = await h.mfa.admin.grantExemption('bob', { reason: 'lost phone', expiresAt: h.clock.now() + 7 * DAY_MS }, { by: 'cli:test-admin' });
  expect(granted.ok).toBe(true);
  return h;
}

test('the table, by default, has aligned columns for every user and then the totals', async () => {
  const h = await scenario();
  const { code, out, err } = await h.run(['report']);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^userId\s+required\s+enrolled\s+exempt\s+factors\s+last verified$/);
  const start = (column: string) => lines[0]!.indexOf(column);
  const rows: Record<string, string> = Object.fromEntries(lines.slice(1, -1).map((line) => [line.split(/\s+/)[0]!, line]));
  expect(Object.keys(rows)).toEqual(['alice', 'bob', 'carol', 'dave', 'svc-reports']);
  for (const line of Object.values(rows)) {
    for (const column of ['required', 'enrolled', 'exempt', 'factors', 'last verified']) expect(line[start(column) - 1]).toBe(' ');
    expect(line.slice(start('required'), start('required') + 3)).toMatch(/^(yes|no )$/);
  }
  expect(rows.alice!.slice(start('enrolled'))).toMatch(/^yes\s+no\s+totp\s+2026-01-01T00:00:00\.000Z$/);
  expect(rows.bob!.slice(start('exempt'))).toMatch(/^until 2026-01-08T00:01:00\.000Z\s+-\s+-$/);
  expect(rows.carol!.slice(start('enrolled'))).toMatch(/^no\s+no\s+-\s+-$/);
  expect(rows['svc-reports']!.slice(start('exempt'))).toMatch(/^yes\s+-\s+-$/);
  expect(lines.at(-1)).toBe('5 users: 4 required, 2 enrolled, 2 exempt, 1 missing (required, not exempt, no factor)');
});

test('json is the Report as the core returns it', async () => {
  const h = await scenario();
  const { code, out } = await h.run(['report', '--format', 'json']);
  expect(code).toBe(0);
  expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(await h.mfa.admin.report(USERS))));
});

test('csv has a header row and one CRLF-terminated record per user', async () => {
  const h = await scenario();
  const { code, out } = await h.run(['report', '--format=csv']);
  expect(code).toBe(0);
  expect(out.endsWith('\r\n')).toBe(true);
  const records = out.slice(0, -2).split('\r\n');
  expect(records[0]).toBe('userId,required,enrolled,exempt,exemptUntil,exemptReason,exemptGrantedBy,factors,lastVerifiedAt');
  expect(records.slice(1)).toEqual([
    'alice,true,true,false,,,,totp,2026-01-01T00:00:00.000Z',
    'bob,true,false,true,2026-01-08T00:01:00.000Z,lost phone,cli:test-admin,,',
    'carol,true,false,false,,,,,',
    'dave,true,true,false,,,,totp,2026-01-01T00:01:00.000Z',
    'svc-reports,false,false,true,,,,,',
  ]);
});

test('-f is short for --format, and without listUsers the report holds the users the stores know', async () => {
  const h = await scenario();
  const { code, out } = await h.run(['report', '-f', 'json'], { listUsers: undefined });
  expect(code).toBe(0);
  expect((JSON.parse(out) as { users: { userId: string }[] }).users.map((u) => u.userId)).toEqual(['alice', 'bob', 'dave']);
});

test('an empty report says so and still prints the totals', async () => {
  const h = setup();
  const { code, out } = await h.run(['report'], { listUsers: () => [] });
  expect(code).toBe(0);
  expect(out).toBe('No users.\n0 users: 0 required, 0 enrolled, 0 exempt, 0 missing (required, not exempt, no factor)\n');
});

test('an unknown format or an argument is a usage error (exit 2) with nothing on stdout', async () => {
  const h = setup();
  for (const argv of [
    ['report', '--format', 'xml'],
    ['report', '--format'],
    ['report', 'alice'],
  ]) {
    const { code, out, err } = await h.run(argv);
    expect({ argv, code, out }).toEqual({ argv, code: 2, out: '' });
    expect(err).toMatch(/^mfakit report: /);
  }
  expect((await h.run(['report', '--format', 'xml'])).err).toContain('--format must be one of table, json, csv; got "xml"');
});
