// Party tables read whole or in row chunks, through @sfw/data's CSV parser and formatter (one CSV
// dialect for every job). Chunks let a job make two passes over a file far larger than the memory it
// may hold (statistics first, then the transformed rows), at the cost of reading the file twice.
// A chunk ends only at a line end outside quotes, so a quoted field with a line break stays whole.
import { mkdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatCsvHeader, formatCsvRowBytes, makeTable, openPinned, readCsv, readCsvBatches } from '@sfw/data';
import type { Column, CsvBatch, CsvByteScratch, CsvPassThrough, Table } from '@sfw/data';

/** Files up to this size are read whole and the transformed table is kept between fit and write. */
export const WHOLE_FILE_BYTES = 32 * 1024 * 1024;

export async function isLarge(path: string): Promise<boolean> {
  return (await stat(path)).size > WHOLE_FILE_BYTES;
}

export async function readTable(path: string, idColumns: readonly string[] = []): Promise<Table> {
  return readCsv(path, { stringColumns: idColumns });
}

/**
 * The numeric columns a task parsed in one streamed pass over its input, kept (up to a byte budget,
 * the file's first batches) for the task's next passes over the same file: the fit pass fills it,
 * the write pass (and any further fit pass) takes a batch's columns from it instead of parsing the
 * cells again. Only within one task, and only for consumers that never modify a column they are
 * given (the arrays are handed out again). A pass matches its batches to the cached ones by their
 * first row and row count (the batch boundaries depend only on the file and the chunk size); a
 * batch that does not match is parsed.
 */
export class ParsedColumns {
  readonly #batches: { firstRow: number; numRows: number; columns: Map<string, Float64Array> }[] = [];
  #bytes = 0;
  /** Set when a pass has filled it to the end of the file: from then on it is only read. */
  #sealed = false;
  constructor(readonly budgetBytes: number) {}

  /** Starts a pass: true when this pass fills the cache (the first pass to reach the end does). */
  begin(): boolean {
    if (this.#sealed) return false;
    this.#batches.length = 0;
    this.#bytes = 0;
    return true;
  }

  /** Keeps batch k's column when the budget allows it. */
  put(k: number, b: CsvBatch, name: string, col: Float64Array): void {
    if (this.#bytes + col.byteLength > this.budgetBytes) return;
    let e = this.#batches[k];
    if (e === undefined) {
      if (k !== this.#batches.length) return;
      e = { firstRow: b.firstRow, numRows: b.numRows, columns: new Map() };
      this.#batches.push(e);
    }
    e.columns.set(name, col);
    this.#bytes += col.byteLength;
  }

  seal(): void {
    this.#sealed = true;
  }

  /** Batch k's column from a sealed cache, or undefined. */
  get(k: number, b: CsvBatch, name: string): Float64Array | undefined {
    if (!this.#sealed) return undefined;
    const e = this.#batches[k];
    if (e === undefined || e.firstRow !== b.firstRow || e.numRows !== b.numRows) return undefined;
    return e.columns.get(name);
  }

  /** Lets the columns go (after the task's last pass). */
  clear(): void {
    this.#batches.length = 0;
    this.#bytes = 0;
  }
}

/** A batch's column as a streamed pass types it: numbers (from the cache when it holds them), else text. */
function valueColumn(b: CsvBatch, k: number, j: number, name: string, cache: ParsedColumns | undefined, filling: boolean): Column {
  const kept = cache?.get(k, b, name);
  if (kept !== undefined) return kept;
  const nums = b.numbers(j);
  if (nums === undefined) return b.strings(j);
  if (filling) cache!.put(k, b, name, nums);
  return nums;
}

/**
 * Yields the file as tables of the records of each streamed batch (`readCsvBatches`), typed by the
 * same cell rule as `readCsv` (a batch whose text column has only empty cells reads as text).
 * `skipText`: leave the text columns out (for passes that only fit statistics of the others).
 * `cache`: numeric columns kept from an earlier pass of the task, or kept by this one.
 */
export async function* readChunks(path: string, textColumns: readonly string[] = [], chunkBytes?: number, opts: { skipText?: boolean; cache?: ParsedColumns | undefined } = {}): AsyncGenerator<Table> {
  const text = new Set(textColumns);
  const cache = opts.cache;
  const filling = cache?.begin() ?? false;
  let k = 0;
  for await (const b of readCsvBatches(path, chunkBytes === undefined ? {} : { chunkBytes })) {
    const data: Record<string, Column> = {};
    const names: string[] = [];
    b.header.forEach((name, j) => {
      // A fitting pass never looks at the pass-through columns: they are not decoded at all.
      if (opts.skipText === true && text.has(name)) return;
      names.push(name);
      data[name] = text.has(name) ? b.strings(j) : valueColumn(b, k, j, name, cache, filling);
    });
    k++;
    yield makeTable(names, data);
  }
  if (filling) cache!.seal();
}

/**
 * `readChunks` for a pass that writes the rows back: the text columns are not decoded but stand
 * for their batch's cells (`passThrough`, for `ChunkWriter.write`), so they are copied byte for
 * byte as the writer would write their strings. Each chunk is valid until the next is read.
 */
export async function* readChunksForWrite(path: string, textColumns: readonly string[] = [], chunkBytes?: number, cache?: ParsedColumns): AsyncGenerator<{ table: Table; passThrough: CsvPassThrough }> {
  const text = new Set(textColumns);
  let k = 0;
  for await (const b of readCsvBatches(path, chunkBytes === undefined ? {} : { chunkBytes })) {
    const data: Record<string, Column> = {};
    const passThrough = new Map<Column, { batch: CsvBatch; column: number }>();
    b.header.forEach((name, j) => {
      if (text.has(name)) {
        // A stand-in of the right length: the writer copies the cells from the batch instead.
        const stand = new Array<string>(b.numRows);
        passThrough.set(stand, { batch: b, column: j });
        data[name] = stand;
      } else data[name] = valueColumn(b, k, j, name, cache, false);
    });
    k++;
    yield { table: makeTable([...b.header], data), passThrough };
  }
}

/** Appends tables with the same columns to one CSV file (header once). */
export class ChunkWriter {
  private fh: FileHandle | undefined;
  private columns: string[] | undefined;
  /** The output memory of the previous chunk, reused (each chunk is written out before the next). */
  private readonly scratch: CsvByteScratch = {};
  rows = 0;
  constructor(readonly path: string) {}

  async write(t: Table, passThrough?: CsvPassThrough): Promise<void> {
    if (this.fh === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      this.fh = await openPinned(this.path, 'w');
      this.columns = t.columns;
      await this.fh.write(formatCsvHeader(t.columns));
    } else if (t.columns.join('\u0000') !== this.columns!.join('\u0000')) throw new Error('chunks of one output differ in columns');
    await this.fh.write(formatCsvRowBytes(t, passThrough, this.scratch));
    this.rows += t.numRows;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

export async function writeTable(path: string, t: Table): Promise<void> {
  const w = new ChunkWriter(path);
  try {
    await w.write(t);
  } finally {
    await w.close();
  }
}

/** The header names only, from the first streamed batch. */
export async function headerOf(path: string): Promise<string[]> {
  for await (const b of readCsvBatches(path, { chunkBytes: 1 << 16 })) return [...b.header];
  return [];
}

/**
 * An upper bound on the data rows of a CSV file whose records have `width` fields, from its size:
 * every record but the last holds width - 1 commas and a line break (a one-field record at least
 * one byte of content besides), so it takes at least `width` bytes, and the last at least one; the
 * header is one of the records.
 */
export async function rowsAtMost(path: string, width: number): Promise<number> {
  const size = (await stat(path)).size;
  return size === 0 ? 0 : Math.floor((size - 1) / Math.max(width, 1));
}


/**
 * A tighter bound than `rowsAtMost` that reads the file but decodes nothing: every record but the
 * last ends in a line break (LF, CR or CRLF: at least one LF or CR byte), so the records are at most
 * the LF and CR bytes plus one, and the data rows (the header is a record) at most those bytes. A
 * line break inside a quoted field only raises the bound. One memchr-speed search per line: far
 * cheaper than splitting the records of a file the size bound does not clear.
 */
export async function lineBreaksAtMost(path: string): Promise<number> {
  const fh = await openPinned(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    let breaks = 0;
    for (let offset = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return breaks;
      offset += bytesRead;
      const b = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) breaks++;
      for (let i = b.indexOf(0x0d); i !== -1; i = b.indexOf(0x0d, i + 1)) breaks++;
    }
  } finally {
    await fh.close();
  }
}
