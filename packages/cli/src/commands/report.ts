import type { Report, ReportUser } from '@mfakit/core';
import { noArguments, stringFlag } from '../lib/args';
import type { Command } from '../lib/command';
import { toCsv } from '../lib/csv';
import { EXIT_OK } from '../lib/exitCodes';
import { toTable } from '../lib/table';
import { isoOf } from '../lib/text';
import { UsageError } from '../lib/usageError';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

const TABLE_HEADER = ['userId', 'required', 'enrolled', 'exempt', 'factors', 'last verified'];
const CSV_HEADER = ['userId', 'required', 'enrolled', 'exempt', 'exemptUntil', 'exemptReason', 'exemptGrantedBy', 'factors', 'lastVerifiedAt'];

/** `report [--format table|json|csv]`: where every user stands, then the totals. */
export const reportCommand: Command = {
  options: { format: { type: 'string', short: 'f' } },
  async run({ values, positionals }, { mfa, listUsers, stdout }) {
    noArguments('report', positionals);
    const format = formatOf(stringFlag(values, 'format'));
    const report = await mfa.admin.report(listUsers ? await listUsers() : []);
    stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'csv' ? csvOf(report) : tableOf(report));
    return EXIT_OK;
  },
};

function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'table';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got ${JSON.stringify(value)}`);
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** The kinds of the user's factors, each once, with a count when there are several: 'totp, webauthn x2'. */
function kindsOf(user: ReportUser): string {
  const counts = new Map<string, number>();
  for (const factor of user.factors) counts.set(factor.kind, (counts.get(factor.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => (count > 1 ? `${kind} x${count}` : kind)).join(', ');
}

/** 'until <ISO>' for a granted exemption, 'yes' for one by the `exempt` option, else 'no'. */
function exemptCell(user: ReportUser): string {
  if (user.exemption) return `until ${isoOf(user.exemption.expiresAt)}`;
  return yesNo(user.exempt);
}

function tableOf(report: Report): string {
  const rows = report.users.map((user) => [
    user.userId,
    yesNo(user.required),
    yesNo(user.enrolled),
    exemptCell(user),
    kindsOf(user) || '-',
    user.lastVerifiedAt === null ? '-' : isoOf(user.lastVerifiedAt),
  ]);
  const { users, required, enrolled, exempt, missing } = report.totals;
  const totals = `${users} users: ${required} required, ${enrolled} enrolled, ${exempt} exempt, ${missing} missing (required, not exempt, no factor)\n`;
  return (rows.length > 0 ? toTable(TABLE_HEADER, rows) : 'No users.\n') + totals;
}

function csvOf(report: Report): string {
  const rows = report.users.map((user) => [
    user.userId,
    String(user.required),
    String(user.enrolled),
    String(user.exempt),
    user.exemption ? isoOf(user.exemption.expiresAt) : '',
    user.exemption?.reason ?? '',
    user.exemption?.grantedBy ?? '',
    kindsOf(user),
    user.lastVerifiedAt === null ? '' : isoOf(user.lastVerifiedAt),
  ]);
  return toCsv(CSV_HEADER, rows);
}
