// Item encoding shared by both KKRT parties: a keyed hash of the key's UTF-8 bytes gives a 128-bit
// item id (input of the pseudorandom code) and the 3 cuckoo bin indices. The key is coin-tossed per
// bucket after both inputs are fixed, so neither party can grind keys into colliding bins.
// The code C(x) = AES_K0(x)^x || AES_K1(x)^x || AES_K2(x)^x || AES_K3(x)^x (512 bits) with four
// coin-tossed AES keys: the pseudorandom code of KKRT16 §4 as libOTe and yacl instantiate it.
import { AesEcb } from './aes.ts';
import { CODE_BYTES, HASHES } from './params.ts';
import { Blake2bBatch } from './blake2b.ts';
import type { PackedKeys } from '../packed-keys.ts';

export const ID_BYTES = 16;
export const ID_WORDS = ID_BYTES / 4;

export interface HashedItems {
  /** 16-byte item ids, item i at [16i, 16i+16). */
  readonly ids: Uint8Array;
  /** Candidate bins, item i at [3i, 3i+3). */
  readonly bins: Uint32Array;
}

/** Keys hashed per WASM call. */
const KEY_BATCH = 8192;

/**
 * BLAKE2b-256 of hashKey (32 B) || key bytes (UTF-8): id = bytes 0..15, bin h = u32 LE at 16+4h mod m.
 * The key goes in as a prefix rather than BLAKE2's key parameter: one compression instead of two
 * for keys up to 96 bytes, and BLAKE2 has no length-extension weakness that would make the
 * prefix form a worse PRF. Hashed KEY_BATCH keys per call (blake2b.ts); the packed key bytes are
 * copied in as one block per call. With `order` (a permutation of 0..n-1), item i is key order[i].
 */
export function hashItems(keys: PackedKeys, hashKey: Uint8Array, m: number, order?: Uint32Array): HashedItems {
  const b2 = new Blake2bBatch();
  const n = keys.count;
  const { bytes, start } = keys;
  const ids = new Uint8Array(n * ID_BYTES);
  const ids32 = new Uint32Array(ids.buffer);
  const bins = new Uint32Array(n * HASHES);
  // With an order, each key's id and bins are scattered to its place (order[y] = x puts key x at
  // y) while the keys are hashed in their stored order: the key bytes go in as one block per batch,
  // where gathering them byte by byte in the shuffled order missed the cache on every key.
  let place: Uint32Array | null = null;
  if (order) {
    place = new Uint32Array(n);
    for (let y = 0; y < n; y += 1) place[order[y]!] = y;
  }
  for (let c0 = 0; c0 < n; c0 += KEY_BATCH) {
    const cnt = Math.min(KEY_BATCH, n - c0);
    const s0 = start[c0]!;
    // The hash key goes in once per batch as the prefix of every message (blake2b.ts).
    const v = b2.prepare(cnt, start[c0 + cnt]! - s0, 32, hashKey);
    v.msgs.set(bytes.subarray(s0, start[c0 + cnt]!));
    for (let i = 0; i <= cnt; i += 1) v.offs[i] = start[c0 + i]! - s0;
    const o = v.out;
    b2.run(cnt, 32);
    const o32 = new Uint32Array(o.buffer, o.byteOffset, cnt * 8);
    for (let i = 0; i < cnt; i += 1) {
      const x = place ? place[c0 + i]! : c0 + i;
      // Word copies: the id is 4 aligned words of the digest (host order = byte order, params.ts).
      for (let w = 0; w < ID_WORDS; w += 1) ids32[x * ID_WORDS + w] = o32[i * 8 + w]!;
      for (let h = 0; h < HASHES; h += 1) bins[x * HASHES + h] = o32[i * 8 + 4 + h]! % m;
    }
  }
  return { ids, bins };
}

/** The pseudorandom code under four fixed AES keys. */
export class PseudorandomCode {
  readonly #aes: AesEcb[];
  constructor(keys: Uint8Array) {
    if (keys.length !== 64) throw new Error('the code needs four 16-byte AES keys');
    this.#aes = [0, 1, 2, 3].map((k) => new AesEcb(keys.subarray(16 * k, 16 * k + 16)));
  }

  // Scratch for encode, reused: a fresh ArrayBuffer per call is external memory that the
  // collector has to notice and free (the sender encodes ~200 MB of code words at 2^20).
  #enc = new Uint32Array(0);
  #src = new Uint32Array(0);

  /** Code words (64 B each) of the ids at `ids[16i..]`, i in [from, to), written to `out` from 0. */
  encode(ids: Uint8Array, from: number, to: number, out: Uint8Array): void {
    const src = ids.subarray(from * ID_BYTES, to * ID_BYTES);
    const n = to - from;
    const words = n * ID_WORDS;
    if (this.#enc.length < words) {
      this.#enc = new Uint32Array(words);
      this.#src = new Uint32Array(words);
    }
    const e32 = this.#enc;
    const enc = new Uint8Array(e32.buffer, 0, src.length);
    // The ids as words: a view when aligned, else a copy into scratch.
    let s32: Uint32Array;
    if ((src.byteOffset & 3) === 0) s32 = new Uint32Array(src.buffer, src.byteOffset, words);
    else {
      s32 = this.#src;
      new Uint8Array(s32.buffer, 0, src.length).set(src);
    }
    const o32 = new Uint32Array(out.buffer, out.byteOffset, (n * CODE_BYTES) >>> 2);
    for (let k = 0; k < 4; k += 1) {
      this.#aes[k]!.encrypt(src, enc);
      for (let i = 0; i < n; i += 1) {
        const o = i * 16 + k * 4;
        const p = i * 4;
        o32[o] = e32[p]! ^ s32[p]!;
        o32[o + 1] = e32[p + 1]! ^ s32[p + 1]!;
        o32[o + 2] = e32[p + 2]! ^ s32[p + 2]!;
        o32[o + 3] = e32[p + 3]! ^ s32[p + 3]!;
      }
    }
  }
}
