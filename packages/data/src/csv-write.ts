// Writing CSV party tables, the one writer of the project (docs/data.md, "Writing"): header names
// and text cells are always quoted (RFC 4180, '"' doubled inside), numbers are written unquoted as
// the shortest decimal that reads back to the same double (-0 as "-0", +-Infinity as words), a
// missing number (NaN) as an empty field; LF line ends, UTF-8, no byte-order mark.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNumericColumn } from './table.ts';
import type { Column, Table } from './table.ts';
import type { CsvBatch } from './csv-read.ts';
import { openPinned } from './pinned.ts';
import { MAX_NUMBER_BYTES, writeNumber } from './number-text.ts';

/** A text field, always quoted. */
function quoteField(s: string): string {
  return s.indexOf('"') === -1 ? `"${s}"` : `"${s.replaceAll('"', '""')}"`;
}

/**
 * Output memory kept between calls by a writer that formats block after block (`formatCsvRowBytes`):
 * the block's bytes are formatted into it (grown when too small) instead of a new buffer per block,
 * so a streamed write allocates no new external memory per batch (which also spares the collector
 * the full collections that external memory growth triggers).
 */
export interface CsvByteScratch {
  buf?: Buffer;
}

/** A growable output buffer: rows are formatted straight into bytes, no string per cell. */
class Bytes {
  buf: Buffer;
  pos = 0;
  constructor(size: number, scratch?: CsvByteScratch) {
    const kept = scratch?.buf;
    this.buf = kept !== undefined && kept.length >= size ? kept : Buffer.allocUnsafe(Math.max(size, 1024));
  }
  /** Room for n more bytes. */
  room(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    return this.buf;
  }
}

/** Appends a quoted text field (RFC 4180: '"' doubled), as UTF-8. */
function putText(out: Bytes, s: string): void {
  const n = s.length;
  // Worst case: every UTF-16 unit is 3 bytes of UTF-8, or a doubled quote.
  let b = out.room(3 * n + 2);
  let p = out.pos;
  b[p++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      // Not ASCII: the rest through the encoder (quotes doubled first).
      const rest = s.slice(i);
      const esc = rest.indexOf('"') === -1 ? rest : rest.replaceAll('"', '""');
      b = out.room(p - out.pos + 3 * esc.length + 2);
      p += b.write(esc, p, 'utf8');
      b[p++] = 0x22;
      out.pos = p;
      return;
    }
    if (c === 0x22) b[p++] = 0x22;
    b[p++] = c;
  }
  b[p++] = 0x22;
  out.pos = p;
}

/**
 * Text columns of a table that stand for a column of the batch they were read from: the writer
 * copies their cells from the batch's bytes (`CsvBatch.writeQuoted`), with the same output as
 * writing the batch's strings. Keyed by the column array the table holds for them (its cells are
 * never read), so a column a transform replaced is written from its new values.
 */
export type CsvPassThrough = ReadonlyMap<Column, { batch: CsvBatch; column: number }>;

/** Rows [from, to) of `table` as CSV lines, each ending in LF, as UTF-8 bytes. */
function formatRowBytes(table: Table, from: number, to: number, passThrough?: CsvPassThrough, scratch?: CsvByteScratch): Buffer {
  const cols = table.columns.map((c) => table.data[c]!);
  const numeric = cols.map((c) => isNumericColumn(c));
  const raw = cols.map((c) => passThrough?.get(c));
  const out = new Bytes((to - from) * cols.length * 12, scratch);
  for (let i = from; i < to; i++) {
    for (let j = 0; j < cols.length; j++) {
      if (j > 0) out.room(1)[out.pos++] = 0x2c;
      const col = cols[j]!;
      const src = raw[j];
      if (numeric[j]) out.pos = writeNumber(out.room(MAX_NUMBER_BYTES), out.pos, (col as Float64Array)[i]!);
      else if (src !== undefined) out.pos = src.batch.writeQuoted(src.column, i, out.room(3 * src.batch.rowLength(i) + 2), out.pos);
      else putText(out, (col as string[])[i]!);
    }
    out.room(1)[out.pos++] = 0x0a;
  }
  if (scratch !== undefined) scratch.buf = out.buf;
  return out.buf.subarray(0, out.pos);
}

/** A header line: every name quoted. */
export function formatCsvHeader(columns: readonly string[]): string {
  return `${columns.map(quoteField).join(',')}\n`;
}

/** Formats a table as CSV text (header line, then one line per row). */
export function formatCsv(table: Table): string {
  return formatCsvHeader(table.columns) + formatRowBytes(table, 0, table.numRows).toString('utf8');
}

/** Rows formatted and written per block, so a large table never becomes one string. */
const WRITE_ROWS = 1 << 14;

/** Writes the table as CSV, creating the parent directory if needed. */
export async function writeCsv(path: string, table: Table): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await openPinned(path, 'w');
  try {
    await fh.write(formatCsvHeader(table.columns));
    const scratch: CsvByteScratch = {};
    for (let i = 0; i < table.numRows; i += WRITE_ROWS) await fh.write(formatRowBytes(table, i, Math.min(i + WRITE_ROWS, table.numRows), undefined, scratch));
  } finally {
    await fh.close();
  }
}

/** Appends rows of a table (no header) to CSV text: for writers that stream batch by batch. */
export function formatCsvRows(table: Table): string {
  return formatRowBytes(table, 0, table.numRows).toString('utf8');
}

/**
 * Rows of a table (no header) as the UTF-8 bytes of the CSV text `formatCsvRows` gives: for writers
 * that stream batch by batch (no intermediate string). `passThrough`: columns copied from the
 * bytes of the batch the rows were read from. `scratch`: memory reused from the previous call (the
 * bytes returned then are overwritten: write them out before the next call).
 */
export function formatCsvRowBytes(table: Table, passThrough?: CsvPassThrough, scratch?: CsvByteScratch): Buffer {
  return formatRowBytes(table, 0, table.numRows, passThrough, scratch);
}
