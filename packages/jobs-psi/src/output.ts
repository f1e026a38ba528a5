// Writes a party's PSI output CSV: its own header (names quoted by @sfw/data's writer), then rows
// copied verbatim from the input (by byte range: records the reader already checked to be RFC 4180
// and as wide as the header) or NULL rows (empty fields) that stand for the peer's unmatched rows,
// so that both parties' files line up row by row.
import { closeSync, fstatSync, readFileSync, readSync, writeSync } from 'node:fs';
import { formatCsvHeader, openPinnedSync } from '@sfw/data';

/** Inputs up to this size are read whole for the output pass; larger ones by positioned reads. */
const WHOLE_FILE_LIMIT = 256 * 1024 * 1024;

export class RowSource {
  readonly #whole: Buffer | null;
  readonly #fd: number | null;
  constructor(path: string) {
    const fd = openPinnedSync(path, 'r');
    let whole: Buffer | null = null;
    try {
      if (fstatSync(fd).size <= WHOLE_FILE_LIMIT) whole = readFileSync(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    if (whole !== null) closeSync(fd);
    this.#whole = whole;
    this.#fd = whole === null ? fd : null;
  }
  row(offset: number, length: number): Buffer {
    if (this.#whole) return this.#whole.subarray(offset, offset + length);
    const b = Buffer.allocUnsafe(length);
    readSync(this.#fd!, b, 0, length, offset);
    return b;
  }
  /** The whole input when it was read into memory (rows are then copied out without a view per row). */
  get whole(): Buffer | null {
    return this.#whole;
  }
  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
  }
}

export class CsvOutput {
  readonly #fd: number;
  readonly #buf = Buffer.allocUnsafe(1 << 20);
  #used = 0;
  readonly #nullRow: Buffer;
  rows = 0;

  constructor(path: string, columns: readonly string[]) {
    this.#fd = openPinnedSync(path, 'w');
    // One column: an empty quoted field, since an empty line would be read as no row at all.
    this.#nullRow = Buffer.from(columns.length === 1 ? '""\n' : `${','.repeat(columns.length - 1)}\n`);
    this.#put(Buffer.from(formatCsvHeader(columns), 'utf8'));
  }

  writeRow(raw: Buffer, times = 1): void {
    for (let t = 0; t < times; t += 1) {
      this.#put(raw);
      this.#put(NL);
      this.rows += 1;
    }
  }

  /** `writeRow(src.row(offset, length), times)` without a Buffer view per row (2^20 rows per party at 2^20). */
  writeRowFrom(src: RowSource, offset: number, length: number, times = 1): void {
    const whole = src.whole;
    if (!whole || length + 1 > this.#buf.length) {
      this.writeRow(src.row(offset, length), times);
      return;
    }
    for (let t = 0; t < times; t += 1) {
      if (this.#used + length + 1 > this.#buf.length) this.#flush();
      whole.copy(this.#buf, this.#used, offset, offset + length);
      this.#used += length;
      this.#buf[this.#used++] = 0x0a;
      this.rows += 1;
    }
  }

  writeNullRows(count: number): void {
    for (let i = 0; i < count; i += 1) {
      this.#put(this.#nullRow);
      this.rows += 1;
    }
  }

  close(): void {
    this.#flush();
    closeSync(this.#fd);
  }

  #put(b: Buffer): void {
    if (this.#used + b.length > this.#buf.length) this.#flush();
    if (b.length > this.#buf.length) {
      writeSync(this.#fd, b);
      return;
    }
    b.copy(this.#buf, this.#used);
    this.#used += b.length;
  }

  #flush(): void {
    if (this.#used > 0) writeSync(this.#fd, this.#buf, 0, this.#used);
    this.#used = 0;
  }
}

const NL = Buffer.from('\n');
