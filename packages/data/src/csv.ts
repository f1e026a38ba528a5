// CSV party tables (RFC 4180): comma separator, fields optionally quoted with '"', a doubled quote
// inside a quoted field, CRLF or LF line ends, first record is the header. A column is numeric when
// every non-missing cell parses as a number; empty, NA, NaN, null and None count as missing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataError, isNumericColumn, makeTable } from './table.ts';
import type { Column, Table } from './table.ts';

export interface CsvReadOptions {
  /** Columns kept as strings even if they look numeric (ids such as "00123"). */
  stringColumns?: readonly string[];
  /** Read only these columns (others are parsed but dropped). */
  columns?: readonly string[];
}

const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);

/** Splits CSV text into records of raw field strings (RFC 4180 section 2). */
export function parseCsvRecords(text: string): string[][] {
  // Skip a UTF-8 byte-order mark so the first header name is not polluted.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const records = text.indexOf('"', start) === -1 ? splitUnquoted(text, start) : splitQuoted(text, start);
  // A blank line (a record of one empty field) carries no row.
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Fast path for the common case of a file without any quote: plain splitting on line ends and commas. */
function splitUnquoted(text: string, start: number): string[][] {
  const body = start === 0 ? text : text.slice(start);
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: string[][] = new Array<string[]>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.includes('\r')) return splitQuoted(body, 0); // bare CR line ends: take the general path
    out[i] = line.split(',');
  }
  return out;
}

/** General path: a small state machine over slices (quoted fields, doubled quotes, CR/LF/CRLF). */
function splitQuoted(text: string, start: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  const n = text.length;
  let i = start;
  let line = 1;
  for (;;) {
    // At the start of a field.
    let field: string;
    if (text.charCodeAt(i) === 34 /* " */) {
      const startLine = line;
      let acc = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) throw new DataError('CSV_PARSE', `unterminated quoted field starting on line ${startLine}`);
        const chunk = text.slice(j, q);
        for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line++;
        acc += chunk;
        if (text.charCodeAt(q + 1) === 34) {
          acc += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      const c = text.charCodeAt(i);
      if (i < n && c !== 44 && c !== 10 && c !== 13) {
        throw new DataError('CSV_PARSE', `unexpected character after closing quote on line ${line}`);
      }
      field = acc;
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      break;
    }
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    // Line end: CRLF, LF or CR.
    records.push(record);
    record = [];
    i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    line++;
    if (i >= n) break;
  }
  return records;
}

/** Parses CSV text into a typed table. */
export function parseCsv(text: string, opts: CsvReadOptions = {}): Table {
  const records = parseCsvRecords(text);
  const header = records[0];
  if (header === undefined) throw new DataError('CSV_PARSE', 'empty CSV: no header');
  const rows = records.slice(1);
  const width = header.length;
  rows.forEach((r, k) => {
    if (r.length !== width) {
      throw new DataError('CSV_PARSE', `record ${k + 2} has ${r.length} fields, header has ${width}`);
    }
  });
  const keep = opts.columns ?? header;
  const forcedString = new Set(opts.stringColumns ?? []);
  const data: Record<string, Column> = {};
  const index = new Map(header.map((h, j) => [h, j]));
  const absent = keep.filter((c) => !index.has(c));
  if (absent.length > 0) {
    throw new DataError('COLUMN_MISSING', `columns not found: ${absent.map((c) => `'${c}'`).join(', ')}`);
  }
  for (const name of keep) {
    const j = index.get(name)!;
    const raw = rows.map((r) => r[j]!);
    data[name] = forcedString.has(name) ? raw : typeColumn(raw);
  }
  return makeTable([...keep], data);
}

/** A column of raw cells typed by the one cell rule (`cellNumber`): numbers when every cell is one. */
export function typeColumn(raw: string[]): Column {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = cellNumber(raw[i]!);
    if (v === undefined) return raw;
    out[i] = v;
  }
  return out;
}

/**
 * The one rule for a cell's value in a numeric column: a decimal literal (surrounding spaces
 * allowed) gives its number, a missing marker (empty, NA, NaN, null, None, ...) gives NaN, anything
 * else gives undefined (the column is not numeric). Streaming readers use it cell by cell.
 */
export function cellNumber(cell: string): number | undefined {
  const v = Number(cell);
  // Number() accepts '', whitespace, hex/octal/binary literals: accept only decimal literals.
  if (!Number.isNaN(v) && cell !== '' && isDecimalLiteral(cell)) return v;
  const s = cell.trim();
  if (MISSING.has(s)) return NaN;
  if (s !== cell && s !== '' && isDecimalLiteral(s) && !Number.isNaN(Number(s))) return Number(s);
  return undefined;
}

/** Whether a cell is one of the missing-value markers (after trimming spaces). */
export function isMissingCell(cell: string): boolean {
  return MISSING.has(cell.trim());
}

/** [+-] digits [. digits] [e [+-] digits], or [+-]Infinity; checked by char codes (hot loop). */
function isDecimalLiteral(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    // digits, '.', '+', '-', 'e', 'E'
    if ((c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69) continue;
    return s === 'Infinity' || s === '+Infinity' || s === '-Infinity';
  }
  return true;
}

/** Quotes a field when RFC 4180 requires it (separator, quote, line break) or spaces would be lost. */
function quoteField(s: string): string {
  if (/[",\r\n]/.test(s) || s !== s.trim()) return `"${s.replaceAll('"', '""')}"`;
  return s;
}

/** Formats a table as CSV (LF line ends, NaN written as an empty field, numbers round-trip exactly). */
export function formatCsv(table: Table): string {
  const cols = table.columns.map((c) => table.data[c]!);
  const lines: string[] = [table.columns.map(quoteField).join(',')];
  for (let i = 0; i < table.numRows; i++) {
    const cells = cols.map((col) => {
      if (isNumericColumn(col)) {
        const v = col[i]!;
        return Number.isNaN(v) ? '' : String(v);
      }
      return quoteField(col[i]!);
    });
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<Table> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DataError('CSV_PARSE', `cannot read table file`, { cause: e });
  }
  return parseCsv(text, opts);
}

/**
 * Header and row count without typing the cells (a cheap schema probe). Falls back to a full record
 * split when the file has quotes, since a quoted field may span lines.
 */
export async function readCsvHeader(path: string): Promise<{ columns: string[]; numRows: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DataError('CSV_PARSE', `cannot read table file`, { cause: e });
  }
  if (text.indexOf('"') !== -1 || (text.indexOf('\r') !== -1 && text.indexOf('\n') === -1)) {
    const records = parseCsvRecords(text);
    const header = records[0];
    if (header === undefined) throw new DataError('CSV_PARSE', 'empty CSV: no header');
    return { columns: header, numRows: records.length - 1 };
  }
  // No quotes: count non-blank lines without splitting any cell (the header is the first of them).
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let header: string[] | undefined;
  let rows = 0;
  for (let i = start; i < text.length; ) {
    let j = text.indexOf('\n', i);
    if (j === -1) j = text.length;
    const end = j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
    if (end > i) {
      if (header === undefined) header = text.slice(i, end).split(',');
      else rows++;
    }
    i = j + 1;
  }
  if (header === undefined) throw new DataError('CSV_PARSE', 'empty CSV: no header');
  return { columns: header, numRows: rows };
}

/** Writes the table as CSV, creating the parent directory if needed. */
export async function writeCsv(path: string, table: Table): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, formatCsv(table), 'utf8');
}
