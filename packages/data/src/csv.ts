// CSV party tables (RFC 4180): comma separator, fields optionally quoted with '"', a doubled quote
// inside a quoted field, CRLF or LF line ends, first record is the header. A column is numeric when
// every non-missing cell parses as a number; empty, NA, NaN, null and None count as missing.
import { readFile, writeFile } from 'node:fs/promises';
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
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  // Skip a UTF-8 byte-order mark so the first header name is not polluted.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let line = 1;
  let atFieldStart = true;
  while (i < n) {
    const ch = text[i]!;
    if (atFieldStart && ch === '"') {
      // Quoted field: runs to the next lone quote; "" is a literal quote.
      i++;
      const startLine = line;
      for (;;) {
        if (i >= n) throw new DataError('CSV_PARSE', `unterminated quoted field starting on line ${startLine}`);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      atFieldStart = false;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new DataError('CSV_PARSE', `unexpected character after closing quote on line ${line}`);
      }
      continue;
    }
    if (ch === ',') {
      record.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (ch === '\r' || ch === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      atFieldStart = true;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += ch;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // A blank line (a record of one empty field) carries no row.
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
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

function typeColumn(raw: string[]): Column {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!.trim();
    if (MISSING.has(s)) {
      out[i] = NaN;
      continue;
    }
    const v = Number(s);
    // Number('') is 0 and Number('0x1f') is 31: accept only decimal/scientific literals.
    if (Number.isNaN(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?Infinity$/.test(s)) return raw;
    out[i] = v;
  }
  return out;
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

export async function writeCsv(path: string, table: Table): Promise<void> {
  await writeFile(path, formatCsv(table), 'utf8');
}
