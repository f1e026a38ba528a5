// Reading CSV party tables: the file is read in chunks of bytes, each chunk is split into records by
// the byte scanner (csv-scan.ts) and handed out as a batch that types its columns on demand:
// numeric columns straight from the bytes to a Float64Array (csv-number.ts), key and categorical
// columns as strings. The first record is the header; a UTF-8 byte-order mark before it is skipped;
// a record whose field count differs from the header's is rejected with the file name and its
// 1-based data row number (never a cell value).
import { basename } from 'node:path';
import { isAscii } from 'node:buffer';
import { cellInto } from './csv-number.ts';
import { RecordIndex, scanRecords } from './csv-scan.ts';
import { DataError, makeTable } from './table.ts';
import { openPinned } from './pinned.ts';
import type { Column, Table } from './table.ts';

/** One chunk of a CSV file's data rows. Columns are addressed by their index in `header`. */
export interface CsvBatch {
  readonly header: readonly string[];
  readonly numRows: number;
  /** 1-based data row number of this batch's first row (the header is not counted). */
  readonly firstRow: number;
  /** The column by the cell rule (`cellNumber`), or undefined when some cell is not numeric. */
  numbers(col: number): Float64Array | undefined;
  /** The column's cells as text. */
  strings(col: number): string[];
  /**
   * The column's cells as bytes, undecoded (UTF-8 as in the file, a quoted cell's doubled quotes
   * made single): cell i is `bytes[start[i] .. start[i + 1])`. For key columns that are compared
   * and hashed as bytes, with no string per cell.
   */
  cellBytes(col: number): { bytes: Uint8Array; start: Uint32Array };
  /** Byte offset in the file of row `i`'s record, and its byte length without the line break. */
  rowOffset(i: number): number;
  rowLength(i: number): number;
  /**
   * Writes the cell of row `row`, column `col` at `out[pos..]` exactly as the CSV writer writes
   * the text `strings(col)[row]` (quoted, '"' doubled, UTF-8) and returns the end offset: a
   * pass-through column is copied without a string per cell. `out` needs 3 * rowLength(row) + 2
   * bytes of room.
   */
  writeQuoted(col: number, row: number, out: Buffer, pos: number): number;
}

export interface CsvStreamOptions {
  /** Bytes read per chunk (default 1 MiB); a longer record grows the chunk. */
  chunkBytes?: number;
  /**
   * Keep every batch usable after the next one is read (default false: a batch's bytes and field
   * index are reused for the next batch, and a call on a batch after that throws `CSV_PARSE`; the
   * arrays and strings it returned stay valid).
   */
  retain?: boolean;
}

export interface CsvReadOptions {
  /** Columns kept as strings even if they look numeric (ids such as "00123"). */
  stringColumns?: readonly string[];
  /** Read only these columns. */
  columns?: readonly string[];
}

class Batch implements CsvBatch {
  #bytes: Buffer;
  #idx: RecordIndex;
  readonly #fileOffset: number;
  readonly #width: number;
  /** The chunk as text (undefined: not decoded; null: not ASCII, cells are decoded one by one). */
  #text: string | null | undefined;
  /** Cells asked for as strings so far. */
  #asked = 0;

  constructor(
    readonly header: readonly string[],
    bytes: Buffer,
    idx: RecordIndex,
    readonly firstRow: number,
    fileOffset: number,
  ) {
    this.#bytes = bytes;
    this.#idx = idx;
    this.#fileOffset = fileOffset;
    this.#width = header.length;
  }

  /** Hands the batch's memory back to the reader; any later call on the batch throws. */
  retire(): void {
    this.#bytes = RETIRED_BYTES;
    this.#idx = RETIRED;
    this.#text = undefined;
  }

  #live(): void {
    if (this.#idx === RETIRED) throw new DataError('CSV_PARSE', 'a CSV batch was used after the next batch was read (its memory is reused; pass retain: true to keep batches)');
  }

  get numRows(): number {
    return this.#idx.recordCount;
  }

  numbers(col: number): Float64Array | undefined {
    this.#live();
    const n = this.numRows;
    const w = this.#width;
    const bounds = this.#idx.bounds;
    const escaped = this.#idx.escaped;
    const bytes = this.#bytes;
    const out = new Float64Array(n);
    for (let i = 0, f = col; i < n; i++, f += w) {
      // A doubled quote cannot be part of a number or missing marker.
      if (escaped !== undefined && escaped.has(f)) return undefined;
      if (!cellInto(bytes, bounds[2 * f]!, bounds[2 * f + 1]!, out, i)) return undefined;
    }
    return out;
  }

  strings(col: number): string[] {
    this.#live();
    const n = this.numRows;
    const out = new Array<string>(n);
    // Decoding the whole chunk once (when it is ASCII) and slicing it pays off only when many of
    // its cells are asked for: it costs about as much as decoding one cell per 128 bytes on its
    // own. A few columns of wide rows (a label, an id) are decoded cell by cell.
    this.#asked += n;
    if (this.#text === undefined && this.#asked > this.#bytes.length >> 7) this.#text = isAscii(this.#bytes) ? this.#bytes.toString('latin1') : null;
    for (let i = 0; i < n; i++) out[i] = this.#field(i * this.#width + col);
    return out;
  }

  cellBytes(col: number): { bytes: Uint8Array; start: Uint32Array } {
    this.#live();
    const n = this.numRows;
    const w = this.#width;
    const bounds = this.#idx.bounds;
    const escaped = this.#idx.escaped;
    const src = this.#bytes;
    let total = 0;
    for (let i = 0, f = col; i < n; i++, f += w) total += bounds[2 * f + 1]! - bounds[2 * f]!;
    const bytes = new Uint8Array(total);
    const start = new Uint32Array(n + 1);
    let p = 0;
    for (let i = 0, f = col; i < n; i++, f += w) {
      start[i] = p;
      const s = bounds[2 * f]!;
      const e = bounds[2 * f + 1]!;
      if (escaped !== undefined && escaped.has(f)) {
        // '""' inside a quoted cell is one quote.
        for (let q = s; q < e; q++) {
          bytes[p++] = src[q]!;
          if (src[q] === 0x22 && src[q + 1] === 0x22 && q + 1 < e) q++;
        }
      } else if (e - s <= 32) {
        for (let q = s; q < e; q++) bytes[p++] = src[q]!;
      } else {
        bytes.set(src.subarray(s, e), p);
        p += e - s;
      }
    }
    start[n] = p;
    return { bytes: p === total ? bytes : bytes.subarray(0, p), start };
  }

  #field(f: number): string {
    const s = this.#idx.bounds[2 * f]!;
    const e = this.#idx.bounds[2 * f + 1]!;
    const v = this.#text !== undefined && this.#text !== null ? this.#text.slice(s, e) : this.#bytes.toString('utf8', s, e);
    return this.#idx.escaped !== undefined && this.#idx.escaped.has(f) ? v.replaceAll('""', '"') : v;
  }

  writeQuoted(col: number, row: number, out: Buffer, pos: number): number {
    this.#live();
    const f = row * this.#width + col;
    const bytes = this.#bytes;
    const s = this.#idx.bounds[2 * f]!;
    const e = this.#idx.bounds[2 * f + 1]!;
    // A field with a doubled quote holds it doubled already (the writer doubles what strings()
    // undoubled); in any other field a quote is a literal one, which the writer doubles.
    const doubled = this.#idx.escaped !== undefined && this.#idx.escaped.has(f);
    let p = pos;
    out[p++] = 0x22;
    for (let i = s; i < e; i++) {
      const c = bytes[i]!;
      // Not ASCII: through the decoder and encoder, as the text takes (an invalid sequence
      // becomes U+FFFD there).
      if (c >= 0x80) return this.#writeQuotedText(f, out, pos);
      if (c === 0x22 && !doubled) out[p++] = 0x22;
      out[p++] = c;
    }
    out[p++] = 0x22;
    return p;
  }

  #writeQuotedText(f: number, out: Buffer, pos: number): number {
    const v = this.#field(f);
    let p = pos;
    out[p++] = 0x22;
    p += out.write(v.indexOf('"') === -1 ? v : v.replaceAll('"', '""'), p, 'utf8');
    out[p++] = 0x22;
    return p;
  }

  rowOffset(i: number): number {
    this.#live();
    return this.#fileOffset + this.#idx.records[2 * i]!;
  }

  rowLength(i: number): number {
    this.#live();
    return this.#idx.records[2 * i + 1]! - this.#idx.records[2 * i]!;
  }
}

const RETIRED = new RecordIndex();
const RETIRED_BYTES = Buffer.alloc(0);

/** Splitting state carried from one chunk to the next. */
export class CsvCursor {
  header: string[] | undefined;
  rows = 0;
  #first = true;

  constructor(readonly source: string) {}

  /**
   * Takes the complete records of `bytes` (file offset `fileOffset`); returns the batch (if any
   * data row was complete) and the number of bytes used. `reuse` is an index to fill (emptied
   * first) instead of a new one.
   */
  take(bytes: Buffer, fileOffset: number, final: boolean, reuse?: RecordIndex): { batch: Batch | undefined; used: number } {
    let pos = 0;
    if (this.#first && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) pos = 3;
    if (this.header === undefined) {
      const h = new RecordIndex();
      const after = scanRecords(bytes, pos, final, h, -1, 1, { source: this.source, rowsBefore: -1 });
      if (h.recordCount === 0) {
        if (final) throw new DataError('CSV_PARSE', `${this.source}: empty CSV, no header`);
        return { batch: undefined, used: 0 };
      }
      this.#first = false;
      this.header = headerNames(bytes, h);
      pos = after;
    }
    // A reused index keeps the arrays an earlier buffer grew (memory already touched: no page
    // faults, nothing new for the collector).
    const idx = reuse ?? new RecordIndex(bytes.length - pos);
    idx.reset();
    const used = scanRecords(bytes, pos, final, idx, this.header.length, Infinity, { source: this.source, rowsBefore: this.rows });
    if (idx.recordCount === 0) return { batch: undefined, used };
    const batch = new Batch(this.header, bytes, idx, this.rows + 1, fileOffset);
    this.rows += idx.recordCount;
    return { batch, used };
  }
}

function headerNames(bytes: Buffer, h: RecordIndex): string[] {
  // The header is one record: read its fields as the one row of a batch as wide as itself.
  const width = h.fieldCount;
  const one = new Batch(new Array<string>(width).fill(''), bytes, h, 0, 0);
  return Array.from({ length: width }, (_, j) => one.strings(j)[0]!);
}

/**
 * Reads a CSV file batch by batch (about `chunkBytes` of the file each). At least one batch comes
 * out (with no rows for a header-only file), so every caller sees the header. A batch is usable
 * until the next one is requested (its bytes and field index are then reused, and a call on it
 * throws), unless `retain` is set; the arrays and strings it returned are the caller's to keep.
 */
export async function* readCsvBatches(path: string, opts: CsvStreamOptions = {}): AsyncGenerator<CsvBatch> {
  const cursor = new CsvCursor(basename(path));
  const chunk = opts.chunkBytes ?? 1 << 20;
  const reuse = opts.retain !== true;
  let fh;
  try {
    fh = await openPinned(path, 'r');
  } catch (e) {
    if (e instanceof DataError && e.code === 'PATH_ESCAPE') throw e;
    throw new DataError('CSV_PARSE', `${cursor.source}: cannot read table file`, { cause: e });
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let offset = 0; // file offset of carry[0]
    let yielded = false;
    // Reused unless batches are retained: the buffer the last batch owned and its field index.
    let spare: Buffer | undefined;
    let spareIdx: RecordIndex | undefined;
    for (let eof = false; !eof; ) {
      // A record longer than the chunk grows the buffer.
      const size = Math.max(chunk, carry.length * 2);
      let buf: Buffer;
      if (spare !== undefined && spare.length >= size) {
        buf = spare;
        const from = carry.byteOffset - buf.byteOffset; // the carry is this buffer's own tail
        buf.copyWithin(0, from, from + carry.length);
      } else {
        buf = Buffer.allocUnsafe(size);
        carry.copy(buf, 0);
      }
      spare = undefined;
      let filled = carry.length;
      while (filled < buf.length) {
        let n: number;
        try {
          n = (await fh.read(buf, filled, buf.length - filled, offset + filled)).bytesRead;
        } catch (e) {
          throw new DataError('CSV_PARSE', `${cursor.source}: cannot read table file`, { cause: e });
        }
        if (n === 0) {
          eof = true;
          break;
        }
        filled += n;
      }
      const bytes = buf.subarray(0, filled);
      const { batch, used } = cursor.take(bytes, offset, eof, reuse ? (spareIdx ??= new RecordIndex(filled)) : undefined);
      if (batch !== undefined) {
        yielded = true;
        yield batch;
        if (reuse) batch.retire();
      }
      if (reuse) spare = buf;
      carry = bytes.subarray(used);
      offset += used;
    }
    if (!yielded) yield new Batch(cursor.header!, carry, new RecordIndex(), 1, offset);
  } finally {
    await fh.close();
  }
}

/** Builds a typed table from batches: a column is numeric when every cell of every batch is. */
function tableOf(header: readonly string[], batches: CsvBatch[], opts: CsvReadOptions): Table {
  const keep = opts.columns ?? header;
  const absent = keep.filter((c) => !header.includes(c));
  if (absent.length > 0) throw new DataError('COLUMN_MISSING', `columns not found: ${absent.map((c) => `'${c}'`).join(', ')}`);
  const forced = new Set(opts.stringColumns ?? []);
  const data: Record<string, Column> = {};
  for (const name of keep) {
    const j = header.indexOf(name);
    data[name] = batchColumn(batches, j, forced.has(name));
  }
  return makeTable([...keep], data);
}

/**
 * Column `j` of a file's retained batches, typed as `readCsv` types it: numbers when every batch's
 * cells are numeric by the cell rule (`cellNumber`), text otherwise or when `asText` is set.
 */
export function batchColumn(batches: readonly CsvBatch[], j: number, asText = false): Column {
  const parts = asText ? undefined : batches.map((b) => b.numbers(j));
  if (parts !== undefined && parts.every((p) => p !== undefined)) return concatNumbers(parts as Float64Array[]);
  return batches.flatMap((b) => b.strings(j));
}

/** The parts one after another in one array (the part itself when there is only one). */
export function concatNumbers(parts: readonly Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses CSV text into a typed table. */
export function parseCsv(text: string, opts: CsvReadOptions = {}): Table {
  const cursor = new CsvCursor('CSV text');
  const bytes = Buffer.from(text, 'utf8');
  const { batch } = cursor.take(bytes, 0, true);
  return tableOf(cursor.header!, [batch ?? new Batch(cursor.header!, bytes, new RecordIndex(), 1, 0)], opts);
}

/** Reads a whole CSV file into a typed table. */
export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<Table> {
  const batches: CsvBatch[] = [];
  for await (const b of readCsvBatches(path, { chunkBytes: 4 << 20, retain: true })) batches.push(b);
  return tableOf(batches[0]!.header, batches, opts);
}

/** Header and data row count without typing any cell (a schema probe; ragged rows are rejected). */
export async function readCsvHeader(path: string): Promise<{ columns: string[]; numRows: number }> {
  let numRows = 0;
  let columns: string[] = [];
  for await (const b of readCsvBatches(path, { chunkBytes: 4 << 20 })) {
    columns = [...b.header];
    numRows += b.numRows;
  }
  return { columns, numRows };
}
