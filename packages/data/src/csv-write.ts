// Writing CSV party tables, the one writer of the project (docs/data.md, "Writing"): header names
// and text cells are always quoted (RFC 4180, '"' doubled inside), numbers are written unquoted as
// the shortest decimal that reads back to the same double (-0 as "-0", +-Infinity as words), a
// missing number (NaN) as an empty field; LF line ends, UTF-8, no byte-order mark.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNumericColumn } from './table.ts';
import type { Table } from './table.ts';
import { openPinned } from './pinned.ts';

/** A text field, always quoted. */
function quoteField(s: string): string {
  return s.indexOf('"') === -1 ? `"${s}"` : `"${s.replaceAll('"', '""')}"`;
}

/** A number field: the shortest round-trip decimal, empty for NaN. */
function numberField(v: number): string {
  if (v !== v) return '';
  return v === 0 && 1 / v < 0 ? '-0' : String(v);
}

/** Rows [from, to) of `table` as CSV lines, each ending in LF. */
function formatRows(table: Table, from: number, to: number): string {
  const cols = table.columns.map((c) => table.data[c]!);
  const lines = new Array<string>(to - from);
  for (let i = from; i < to; i++) {
    let line = '';
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      const cell = isNumericColumn(col) ? numberField(col[i]!) : quoteField(col[i]!);
      line = j === 0 ? cell : `${line},${cell}`;
    }
    lines[i - from] = line;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** A header line: every name quoted. */
export function formatCsvHeader(columns: readonly string[]): string {
  return `${columns.map(quoteField).join(',')}\n`;
}

/** Formats a table as CSV text (header line, then one line per row). */
export function formatCsv(table: Table): string {
  return formatCsvHeader(table.columns) + formatRows(table, 0, table.numRows);
}

/** Rows formatted and written per block, so a large table never becomes one string. */
const WRITE_ROWS = 1 << 14;

/** Writes the table as CSV, creating the parent directory if needed. */
export async function writeCsv(path: string, table: Table): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await openPinned(path, 'w');
  try {
    await fh.write(formatCsvHeader(table.columns));
    for (let i = 0; i < table.numRows; i += WRITE_ROWS) await fh.write(formatRows(table, i, Math.min(i + WRITE_ROWS, table.numRows)));
  } finally {
    await fh.close();
  }
}

/** Appends rows of a table (no header) to CSV text: for writers that stream batch by batch. */
export function formatCsvRows(table: Table): string {
  return formatRows(table, 0, table.numRows);
}
