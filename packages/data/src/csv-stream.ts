// Streaming CSV reading for tables larger than memory: the file is read in chunks, each chunk is cut
// at the last line end that lies outside a quoted field, and the complete records before it go
// through the same RFC 4180 splitter as `readCsv` (parseCsvRecords). The cut is found by quote
// parity: under RFC 4180 a line end ends a record exactly when an even number of '"' precede it
// since the record's start (a doubled quote inside a quoted field counts twice, so parity holds).
import { createReadStream } from 'node:fs';
import { parseCsvRecords } from './csv.ts';
import { DataError } from './table.ts';

export interface CsvBatch {
  /** The header record (the same array in every batch). */
  header: string[];
  /** Complete records of this batch, each as wide as the header. */
  rows: string[][];
  /** 1-based data row number of the first row in `rows`. */
  firstRow: number;
}

export interface CsvStreamOptions {
  /** Bytes read per chunk (default 4 MiB). Memory use is about two chunks plus their records. */
  chunkBytes?: number;
}

/** Index of the last line feed of `text` that ends a record (text starts at a record start), or -1. */
function lastRecordEnd(text: string): number {
  if (text.indexOf('"') === -1) return text.lastIndexOf('\n');
  let inQuote = false;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuote = !inQuote;
    else if (c === 10 && !inQuote) last = i;
  }
  return last;
}

/** Reads a CSV file batch by batch; ragged records are rejected with their row number. */
export async function* readCsvBatches(path: string, opts: CsvStreamOptions = {}): AsyncGenerator<CsvBatch> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: opts.chunkBytes ?? 4 << 20 });
  let carry = '';
  let header: string[] | undefined;
  let nextRow = 1;
  const emit = (text: string): CsvBatch | undefined => {
    const records = parseCsvRecords(text);
    let start = 0;
    if (header === undefined) {
      header = records[0];
      if (header === undefined) return undefined;
      start = 1;
    }
    const width = header.length;
    const rows = start === 0 ? records : records.slice(start);
    for (let k = 0; k < rows.length; k++) {
      if (rows[k]!.length !== width) throw new DataError('CSV_PARSE', `record ${nextRow + k + 1} has ${rows[k]!.length} fields, header has ${width}`);
    }
    const batch = { header, rows, firstRow: nextRow };
    nextRow += rows.length;
    return batch;
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = carry + chunk;
      const end = lastRecordEnd(text);
      if (end === -1) {
        carry = text;
        continue;
      }
      carry = text.slice(end + 1);
      const b = emit(text.slice(0, end + 1));
      if (b !== undefined) yield b;
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError('CSV_PARSE', 'cannot read table file', { cause: e });
  }
  if (carry.length > 0) {
    const b = emit(carry);
    if (b !== undefined) yield b;
  }
  if (header === undefined) throw new DataError('CSV_PARSE', 'empty CSV: no header');
}
