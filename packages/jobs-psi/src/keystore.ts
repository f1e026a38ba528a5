// The party's key column(s), partitioned into buckets so that one bucket's keys, points and hash
// map fit in memory. With one bucket everything stays in memory; with more, pass 2 spills
// `(key, row offset, row length)` records to one file per bucket under the task directory and
// each bucket is loaded only for its PSI round.
//
// The bucket of a key is HMAC-SHA256(bucketSeed, key) mod B, with a seed both parties contribute
// to, so equal keys meet in the same bucket on both sides (as SecretFlow's bucketed PSI does).
// What this reveals: each side learns the peer's per-bucket unique-key counts; with a random
// seed that is a multinomial sample which says nothing about individual keys.
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvBatches } from '@sfw/data';
import { asParameterError } from './input.ts';
import { PackedKeysBuilder } from './packed-keys.ts';
import type { PackedKeys } from './packed-keys.ts';

/** Canonical key string: the value for one key column, a JSON array for several (unambiguous). */
export function canonicalKey(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : JSON.stringify(values);
}

/** One bucket's rows: each row's key (packed bytes, packed-keys.ts) and its record's byte range. */
export interface BucketRows {
  readonly keys: PackedKeys;
  readonly offsets: Float64Array;
  readonly lengths: Int32Array;
}

/** Rows appended one by one (the in-memory bucket), typed arrays grown by doubling. */
class RowsBuilder {
  readonly keys = new PackedKeysBuilder(1 << 12, 1 << 16);
  #offsets = new Float64Array(1 << 12);
  #lengths = new Int32Array(1 << 12);
  #n = 0;
  add(offset: number, length: number): void {
    if (this.#n === this.#offsets.length) {
      const o = new Float64Array(2 * this.#n);
      o.set(this.#offsets);
      this.#offsets = o;
      const l = new Int32Array(2 * this.#n);
      l.set(this.#lengths);
      this.#lengths = l;
    }
    this.#offsets[this.#n] = offset;
    this.#lengths[this.#n] = length;
    this.#n += 1;
  }
  build(): BucketRows {
    return { keys: this.keys.build(), offsets: this.#offsets.slice(0, this.#n), lengths: this.#lengths.slice(0, this.#n) };
  }
}

export class KeyStore {
  readonly #mem: BucketRows[] | null;
  readonly #files: string[];

  private constructor(mem: BucketRows[] | null, files: string[]) {
    this.#mem = mem;
    this.#files = files;
  }

  /** Pass 2 (after `readInput` counted and checked the rows): keys and row positions into `nBuckets` buckets. */
  static async build(opts: {
    path: string;
    keyIndexes: number[];
    nBuckets: number;
    bucketSeed: Uint8Array;
    spillDir: string;
    field: string;
  }): Promise<KeyStore> {
    const { path, keyIndexes, nBuckets } = opts;
    const spill = nBuckets > 1;
    // Unique names: several parties may share one scratch directory in a single-process cluster.
    const tag = randomBytes(6).toString('hex');
    const mem = spill ? null : new RowsBuilder();
    const files = spill ? Array.from({ length: nBuckets }, (_, b) => join(opts.spillDir, `psi-${tag}-bucket-${b}.bin`)) : [];
    const writers = files.map((f) => new SpillWriter(f));
    try {
      for await (const batch of readCsvBatches(path)) {
        let cells: { bytes: Uint8Array; start: Uint32Array };
        if (keyIndexes.length === 1) cells = batch.cellBytes(keyIndexes[0]!);
        else {
          // Several key columns: the canonical JSON text of the values, as bytes.
          const cols = keyIndexes.map((i) => batch.strings(i));
          const b = new PackedKeysBuilder(batch.numRows, batch.numRows * 32);
          for (let i = 0; i < batch.numRows; i += 1) b.pushString(canonicalKey(cols.map((c) => c[i]!)));
          const k = b.view();
          cells = { bytes: k.bytes, start: k.start };
        }
        const { bytes, start } = cells;
        if (mem) mem.keys.reserve(batch.numRows, start[batch.numRows]! - start[0]!);
        for (let i = 0; i < batch.numRows; i += 1) {
          const offset = batch.rowOffset(i);
          const len = batch.rowLength(i);
          if (mem) {
            mem.keys.push(bytes, start[i]!, start[i + 1]!);
            mem.add(offset, len);
          } else {
            const key = bytes.subarray(start[i]!, start[i + 1]!);
            const bucket = createHmac('sha256', opts.bucketSeed).update(key).digest().readUInt32LE(0) % nBuckets;
            writers[bucket]!.write(key, offset, len);
          }
        }
      }
    } catch (err) {
      throw asParameterError(err, opts.field);
    } finally {
      for (const w of writers) w.close();
    }
    return new KeyStore(mem ? [mem.build()] : null, files);
  }

  get bucketCount(): number {
    return this.#mem ? this.#mem.length : this.#files.length;
  }

  load(b: number): BucketRows {
    if (this.#mem) return this.#mem[b]!;
    return readSpill(this.#files[b]!);
  }

  dispose(): void {
    for (const f of this.#files) rmSync(f, { force: true });
  }
}

// Spill record: u32 key byte length | key bytes | f64 row offset | u32 row length (LE).
class SpillWriter {
  readonly #fd: number;
  #buf = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }
  write(key: Uint8Array, offset: number, length: number): void {
    const need = 16 + key.length;
    if (this.#used + need > this.#buf.length) this.flush();
    if (need > this.#buf.length) this.#buf = Buffer.allocUnsafe(need * 2);
    const kLen = key.length;
    this.#buf.set(key, this.#used + 4);
    this.#buf.writeUInt32LE(kLen, this.#used);
    this.#buf.writeDoubleLE(offset, this.#used + 4 + kLen);
    this.#buf.writeUInt32LE(length, this.#used + 12 + kLen);
    this.#used += 16 + kLen;
  }
  flush(): void {
    if (this.#used > 0) writeSync(this.#fd, this.#buf, 0, this.#used);
    this.#used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

function readSpill(path: string): BucketRows {
  const buf = readFileSync(path);
  let n = 0;
  for (let p = 0; p < buf.length; p += 16 + buf.readUInt32LE(p)) n += 1;
  const keys = new PackedKeysBuilder(n, buf.length - 16 * n);
  const offsets = new Float64Array(n);
  const lengths = new Int32Array(n);
  let p = 0;
  for (let r = 0; r < n; r += 1) {
    const kLen = buf.readUInt32LE(p);
    keys.push(buf, p + 4, p + 4 + kLen);
    offsets[r] = buf.readDoubleLE(p + 4 + kLen);
    lengths[r] = buf.readUInt32LE(p + 12 + kLen);
    p += 16 + kLen;
  }
  return { keys: keys.build(), offsets, lengths };
}
