// Threat: a user id or exemption reason such as `=HYPERLINK(...)` runs as a formula when an administrator opens the CSV export, or escape sequences rewrite their terminal.
import { csvCell, toCsv } from '../src/lib/csv';
import { setup } from './helpers';

test.each([
  ['=1+1', "'=1+1"],
  ['+SUM(A1)', "'+SUM(A1)"],
  ['-2+3', "'-2+3"],
  ['@cmd', "'@cmd"],
  ['\tx', "'\tx"],
  ['\r=x', `"'\r=x"`],
  ['plain', 'plain'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['two\nlines', '"two\nlines"'],
  ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
  ['', ''],
])('csvCell(%j) is %j', (value, expected) => {
  expect(csvCell(value)).toBe(expected);
});

test('toCsv ends every record, the last included, with CRLF (RFC 4180 section 2.1)', () => {
  expect(toCsv(['a', 'b'], [['1', '2']])).toBe('a,b\r\n1,2\r\n');
});

test('the report export neutralises formulas in user ids and reasons and quotes what needs it', async () => {
  const h = setup();
  const evil = "=cmd|' /C calc'!A0";
  const granted = await h.mfa.admin.grantExemption('@evil', { reason: '+IMPORTXML("http://x", "//a"), then\nmore', expiresAt: h.clock.now() + 60_000 }, { by: 'cli:test-admin' });
  expect(granted.ok).toBe(true);
  const { code, out } = await h.run(['report', '--format', 'csv'], { listUsers: () => [{ id: evil }, { id: '-1' }] });
  expect(code).toBe(0);
  expect(out).toContain(`\r\n'@evil,true,false,true,2026-01-01T00:01:00.000Z,"'+IMPORTXML(""http://x"", ""//a""), then\nmore",cli:test-admin,,\r\n`);
  expect(out).toContain(`\r\n'-1,true,`);
  expect(out).toContain(`\r\n'${evil},true,`);
  // No record (after a record end) begins a formula.
  expect(out.split('\r\n').filter((record) => /^[=+\-@]/.test(record))).toEqual([]);
});

test('the table shows control characters as escapes, so a stored id cannot drive the terminal', async () => {
  const h = setup();
  const { code, out } = await h.run(['report'], { listUsers: () => [{ id: 'mallory\u001b[2J\u001b[1;1Hroot' }] });
  expect(code).toBe(0);
  expect(out).not.toContain('\u001b');
  expect(out).toContain('mallory\\u001b[2J\\u001b[1;1Hroot');
});
