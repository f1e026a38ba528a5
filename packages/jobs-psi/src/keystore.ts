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

/** Canonical key string: the value for one key column, a JSON array for several (unambiguous). */
export function canonicalKey(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : JSON.stringify(values);
}

export interface BucketRows {
  readonly keys: string[];
  readonly offsets: number[];
  readonly lengths: number[];
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
    const mem: BucketRows[] | null = spill ? null : [{ keys: [], offsets: [], lengths: [] }];
    const files = spill ? Array.from({ length: nBuckets }, (_, b) => join(opts.spillDir, `psi-${tag}-bucket-${b}.bin`)) : [];
    const writers = files.map((f) => new SpillWriter(f));
    try {
      for await (const batch of readCsvBatches(path)) {
        const cols = keyIndexes.map((i) => batch.strings(i));
        for (let i = 0; i < batch.numRows; i += 1) {
          const key = cols.length === 1 ? cols[0]![i]! : canonicalKey(cols.map((c) => c[i]!));
          const offset = batch.rowOffset(i);
          const len = batch.rowLength(i);
          if (mem) {
            const b = mem[0]!;
            b.keys.push(key);
            b.offsets.push(offset);
            b.lengths.push(len);
          } else {
            const bucket = createHmac('sha256', opts.bucketSeed).update(key, 'utf8').digest().readUInt32LE(0) % nBuckets;
            writers[bucket]!.write(key, offset, len);
          }
        }
      }
    } catch (err) {
      throw asParameterError(err, opts.field);
    } finally {
      for (const w of writers) w.close();
    }
    return new KeyStore(mem, files);
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

// Spill record: u32 key byte length | key UTF-8 | f64 row offset | u32 row length (LE).
class SpillWriter {
  readonly #fd: number;
  #buf = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }
  write(key: string, offset: number, length: number): void {
    const need = 16 + Buffer.byteLength(key, 'utf8');
    if (this.#used + need > this.#buf.length) this.flush();
    if (need > this.#buf.length) this.#buf = Buffer.allocUnsafe(need * 2);
    const kLen = this.#buf.write(key, this.#used + 4, 'utf8');
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
  const out: BucketRows = { keys: [], offsets: [], lengths: [] };
  let p = 0;
  while (p < buf.length) {
    const kLen = buf.readUInt32LE(p);
    out.keys.push(buf.toString('utf8', p + 4, p + 4 + kLen));
    out.offsets.push(buf.readDoubleLE(p + 4 + kLen));
    out.lengths.push(buf.readUInt32LE(p + 12 + kLen));
    p += 16 + kLen;
  }
  return out;
}
