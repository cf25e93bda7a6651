import { printable } from './text';

const GAP = '  ';

/**
 * Columns aligned to their widest cell, separated by two spaces, without trailing blanks. Cells
 * pass through `printable`, so a stored value cannot drive the terminal.
 */
export function toTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  const aligned = (line: readonly string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join(GAP)
      .trimEnd();
  return lines.map((line) => `${aligned(line)}\n`).join('');
}
