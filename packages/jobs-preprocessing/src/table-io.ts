// Party tables read whole or in row chunks, through @sfw/data's CSV parser and formatter (one CSV
// dialect for every job). Chunks let a job make two passes over a file far larger than the memory it
// may hold (statistics first, then the transformed rows), at the cost of reading the file twice.
// A chunk ends only at a line end outside quotes, so a quoted field with a line break stays whole.
import { createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatCsv, parseCsv, readCsv } from '@sfw/data';
import type { Table } from '@sfw/data';

/** Files up to this size are read whole and the transformed table is kept between fit and write. */
export const WHOLE_FILE_BYTES = 32 * 1024 * 1024;
export const ROWS_PER_CHUNK = 65_536;

export async function isLarge(path: string): Promise<boolean> {
  return (await stat(path)).size > WHOLE_FILE_BYTES;
}

export async function readTable(path: string, idColumns: readonly string[] = []): Promise<Table> {
  return readCsv(path, { stringColumns: idColumns });
}

/**
 * Yields the file as tables of at most `rows` rows, typed chunk by chunk by the same parser as
 * `readCsv` (a chunk of only empty cells in a text column reads as text of empty strings).
 */
export async function* readChunks(path: string, rows = ROWS_PER_CHUNK, idColumns: readonly string[] = []): AsyncGenerator<Table> {
  let header: string | undefined;
  let pending = '';
  let lines: string[] = [];
  let inQuote = false;
  const flush = (): Table => {
    const t = parseCsv(`${header!}\n${lines.join('\n')}\n`, { stringColumns: idColumns });
    lines = [];
    return t;
  };
  for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 22 })) {
    pending += piece as string;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c === 34) inQuote = !inQuote;
      else if (c === 10 && !inQuote) {
        const line = pending.slice(start, i);
        start = i + 1;
        if (header === undefined) header = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
        else if (line !== '' && line !== '\r') {
          lines.push(line);
          if (lines.length === rows) yield flush();
        }
      }
    }
    pending = pending.slice(start);
  }
  if (pending !== '' && pending !== '\r') {
    if (header === undefined) header = pending;
    else lines.push(pending);
  }
  if (header === undefined) throw new Error('empty CSV: no header');
  if (lines.length > 0) yield flush();
}

/** Appends tables with the same columns to one CSV file (header once). */
export class ChunkWriter {
  private fh: FileHandle | undefined;
  private columns: string[] | undefined;
  rows = 0;
  constructor(readonly path: string) {}

  async write(t: Table): Promise<void> {
    const text = formatCsv(t);
    if (this.fh === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      this.fh = await open(this.path, 'w');
      this.columns = t.columns;
      await this.fh.write(text);
    } else {
      if (t.columns.join('\u0000') !== this.columns!.join('\u0000')) throw new Error('chunks of one output differ in columns');
      await this.fh.write(text.slice(text.indexOf('\n') + 1));
    }
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

/** The header names only (first record), without reading the rest of the file. */
export async function headerOf(path: string): Promise<string[]> {
  for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = piece as string;
    const nl = text.indexOf('\n');
    if (nl !== -1 || text.length < 1 << 16) {
      const first = nl === -1 ? text : text.slice(0, nl);
      return parseCsv(`${first}\n`).columns;
    }
    // A header longer than one piece: fall back to the chunk reader's header.
    break;
  }
  for await (const t of readChunks(path, 1)) return t.columns;
  return [];
}
