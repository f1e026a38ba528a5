// Seeded PRG: AES-128-CTR over zero blocks (the keystream), as SPU's `yacl::crypto::Prg` and the
// PRG-based correlated randomness of SecureNN/ABY3 use it. Two parties holding the same 128-bit
// seed expand the same stream, so a dealer can send a seed instead of a share.
// The key is the seed; the IV is the 128-bit big-endian block counter (OpenSSL's CTR increments
// the whole IV), so the stream is addressable: `new Prg(seed, offset)` resumes at byte `offset`.
// With the native binding (aes-native.ts) a fill writes the keystream straight into its destination
// through one AES context per PRG. Without it, node:crypto: cipher.update allocates its output on
// every call; 64 KiB chunks stay below glibc's mmap threshold (no page faults per chunk) and
// measured best here (docs/ring.md; perf-anchors 1d: 3.5 GB/s at 256 KiB, 0.2-0.5 GB/s at >= 1 MiB).
import { createCipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { nativeAes } from './aes-native.ts';
import type { NativeAes } from './blocks.ts';
import { ELEMENT_BYTES, type FieldType } from './field.ts';
import { RingError, makeTensor, type RingTensor } from './tensor.ts';
import { cipherAt, isShared, runSplit, splitCount, type Aes, type CipherFor, type CtrCipher, type KeyStream } from './threads.ts';

const CHUNK = 64 * 1024;
const ZEROS = new Uint8Array(CHUNK);
/** A fill of shared memory is split over the kernel threads from this many bytes per thread. */
const SPLIT_MIN_BYTES = 1 << 19;

const aes: Aes = (seed, iv) => createCipheriv('aes-128-ctr', seed, iv);

/** The keystream of `seed` from byte `offset` on (blocks.ts cipherAt over node:crypto's AES-128-CTR). */
export const keystreamAt: CipherFor = (seed, offset) => cipherAt(aes, seed, offset);

/** A fresh 128-bit seed from the OS CSPRNG (the only entropy source for shares and masks). */
export function randomSeed(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

/** A tensor of uniformly random ring elements straight from the OS CSPRNG. */
export function randomTensor(field: FieldType, shape: readonly number[]): RingTensor {
  const t = makeTensor(field, shape);
  randomFillSync(t.data);
  return t;
}

export class Prg {
  readonly #seed: Uint8Array;
  /** node:crypto's cipher at #offset (created when first needed), when there is no native context. */
  #cipher: CtrCipher | undefined;
  /** The native binding and this seed's context in it (freed, the key schedule cleared, with the PRG). */
  readonly #native: NativeAes | undefined;
  readonly #ctx: object | undefined;
  #offset: number;

  /** seed: 16 bytes (AES-128 key). offset: first keystream byte to produce (default 0). */
  constructor(seed: Uint8Array, offset = 0) {
    if (seed.byteLength !== 16) throw new RingError('Prg seed must be 16 bytes');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RingError('Prg offset must be a non-negative safe integer');
    this.#seed = new Uint8Array(seed);
    this.#native = nativeAes();
    this.#ctx = this.#native?.ctx(this.#seed);
    this.#offset = offset;
  }

  /** Bytes of keystream consumed so far (counting from the start of the stream). */
  get offset(): number {
    return this.#offset;
  }

  /** Fill `dst` with the next dst.byteLength keystream bytes. */
  fill(dst: Uint8Array): void {
    const n = dst.byteLength;
    // Shared memory and a block-aligned position: kernel threads expand later parts of the same
    // stream from their offsets (the keystream is addressable), then this cipher skips past them.
    const parts = isShared(dst) && this.#offset % 16 === 0 ? splitCount(n, SPLIT_MIN_BYTES) : 1;
    if (parts > 1) {
      const start = this.#offset;
      runSplit(n, parts, 16, (lo, hi) => ({ kind: 'prg', seed: this.#seed, offset: start + lo, dst: dst.subarray(lo, hi) }), (lo, hi) => this.#serial(dst.subarray(lo, hi)));
      this.#offset = start + n;
      this.#cipher = undefined;
      return;
    }
    this.#serial(dst);
  }

  #serial(dst: Uint8Array): void {
    const n = dst.byteLength;
    if (this.#ctx !== undefined) {
      this.#native!.fill(this.#ctx, this.#offset, dst);
      this.#offset += n;
      return;
    }
    const cipher = (this.#cipher ??= keystreamAt(this.#seed, this.#offset));
    for (let pos = 0; pos < n; pos += CHUNK) {
      const len = Math.min(CHUNK, n - pos);
      const ks = cipher.update(len === CHUNK ? ZEROS : ZEROS.subarray(0, len));
      dst.set(ks, pos);
    }
    this.#offset += n;
  }

  /**
   * Readers of the next consecutive regions of this stream, `lengths` bytes each, in order; this PRG
   * moves past all of them. Lets a consumer interleave several draws (e.g. block by block) and still
   * read exactly the bytes that drawing them one after another would have given.
   */
  split(lengths: readonly number[]): Prg[] {
    return this.#take(lengths, 'Prg.split').map((off) => new Prg(this.#seed, off));
  }

  /**
   * split() as keystream descriptors (block-program inputs, programs.ts): the next consecutive
   * regions of this stream, `lengths` bytes each; this PRG moves past all of them. The descriptors
   * carry the seed: they stay inside the process (its kernel threads), like the PRG itself.
   */
  streams(lengths: readonly number[]): KeyStream[] {
    const seed = new Uint8Array(this.#seed);
    return this.#take(lengths, 'Prg.streams').map((offset) => ({ seed, offset }));
  }

  /** The start offsets of the next consecutive regions of `lengths` bytes; moves this PRG past them. */
  #take(lengths: readonly number[], what: string): number[] {
    let off = this.#offset;
    const starts = lengths.map((len) => {
      if (!Number.isSafeInteger(len) || len < 0) throw new RingError(`${what} lengths must be non-negative byte counts`);
      const start = off;
      off += len;
      return start;
    });
    this.#offset = off;
    this.#cipher = undefined;
    return starts;
  }

  /** The next n keystream bytes. */
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.fill(b);
    return b;
  }

  /** n uniformly random ring elements (n * 8 or n * 16 keystream bytes). Shape defaults to [n]. */
  fillRing(field: FieldType, n: number, shape?: readonly number[]): RingTensor {
    const t = makeTensor(field, shape ?? [n]);
    if (t.size !== n) throw new RingError(`${n} elements do not fill shape [${t.shape.join(',')}]`);
    this.fill(new Uint8Array(t.data.buffer, t.data.byteOffset, n * ELEMENT_BYTES[field]));
    return t;
  }
}
