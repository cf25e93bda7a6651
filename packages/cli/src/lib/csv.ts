// A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets: a user id
// or a reason such as `=HYPERLINK(...)` would run when an administrator opens the export. OWASP
// "CSV Injection" prefixes such cells with a single quote (tab and carriage return included).
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 4180 section 2.6: a field with a comma, a double quote or a line break is enclosed in quotes.
const NEEDS_QUOTES = /[",\r\n]/;
// RFC 4180 section 2.1: records end with CRLF.
const RECORD_END = '\r\n';

/** One cell: neutralised if it would start a formula, then quoted as RFC 4180 requires. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A CSV document (RFC 4180): a header record, then one record per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',') + RECORD_END).join('');
}
