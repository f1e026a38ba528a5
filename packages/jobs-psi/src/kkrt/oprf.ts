// The KKRT16 batched OPRF (Kolesnikov-Kumaresan-Rosulek-Trieu, CCS 2016, Fig. 2 / BaRK-OPRF): an
// IKNP-style OT extension in which the receiver's "choice" in bin j is a whole code word C(x_j).
//
// Base OTs (base-ot.ts): the OPRF sender S is the base-OT receiver with a random choice vector
// s in {0,1}^W; the OPRF receiver R holds both seeds (k0_i, k1_i) of each of the W base OTs.
//   1. R: t^i = G(k0_i), u^i = G(k1_i) (columns of m bits, AES-CTR PRG); c^i = column i of the
//      m x W matrix of code words (C(x_j) in row j, zero for an empty bin); sends d^i = t^i ^ u^i ^ c^i.
//   2. S: q^i = G(k{s_i}_i) ^ s_i d^i, so q^i = t^i ^ s_i c^i and, by rows, q_j = t_j ^ (C(x_j) & s).
//   3. R's output for x_j: H(j, t_j). S's output for any y at bin j: H(j, q_j ^ (C(y) & s)), equal to
//      R's iff C(y) = C(x_j); for y != x_j the two inputs differ by (C(x_j) ^ C(y)) & s, which has
//      ~W/4 unknown bits because code words are >= 128 bits apart (KKRT16 Thm 3: H correlation robust).
// Bins run in slices (BIN_BATCH): the PRGs stream, so slice k uses the next bits of every column.
// Every bucket runs fresh base OTs, so no PRG stream or choice vector is ever reused across buckets.
import { AesCtrPrg } from './aes.ts';
import { words as wordView } from './bits.ts';
import { transposeBitsFast } from './transpose.ts';
import { CODE_BITS, CODE_WORDS } from './params.ts';
import { OT_KEY } from './base-ot.ts';
import { Blake2bBatch } from './blake2b.ts';

/** R's state: the PRG of both seeds of every base OT. */
export class OprfReceiver {
  readonly #g0: AesCtrPrg[] = [];
  readonly #g1: AesCtrPrg[] = [];
  constructor(k0: Uint8Array, k1: Uint8Array) {
    for (let i = 0; i < CODE_BITS; i += 1) {
      this.#g0.push(new AesCtrPrg(k0.subarray(i * OT_KEY, (i + 1) * OT_KEY)));
      this.#g1.push(new AesCtrPrg(k1.subarray(i * OT_KEY, (i + 1) * OT_KEY)));
    }
  }

  // Scratch for one slice, reused across slices (the link copies what it sends).
  #t = new Uint32Array(0);
  #d = new Uint32Array(0);
  #c = new Uint32Array(0);
  #rows = new Uint32Array(0);

  /**
   * One slice of `bins` bins (a multiple of 32): `codeRows` holds C(x_j) per bin (W bits each,
   * zero for empty bins). Returns the corrections d (W columns of `bins` bits, to send) and R's
   * rows t_j. Both are views into scratch that the next call overwrites.
   */
  slice(codeRows: Uint32Array, bins: number): { corrections: Uint8Array; tRows: Uint32Array } {
    const colBytes = bins >>> 3;
    const words = (CODE_BITS * colBytes) >>> 2;
    if (this.#t.length < words) {
      this.#t = new Uint32Array(words);
      this.#d = new Uint32Array(words);
      this.#c = new Uint32Array(words);
      this.#rows = new Uint32Array(words);
    }
    const t32 = this.#t.subarray(0, words);
    const d32 = this.#d.subarray(0, words);
    const t = new Uint8Array(t32.buffer, 0, words * 4);
    const d = new Uint8Array(d32.buffer, 0, words * 4);
    for (let i = 0; i < CODE_BITS; i += 1) {
      this.#g0[i]!.fill(t.subarray(i * colBytes, (i + 1) * colBytes));
      this.#g1[i]!.fill(d.subarray(i * colBytes, (i + 1) * colBytes));
    }
    const cCols = transposeBitsFast(codeRows, bins, CODE_BITS, this.#c.subarray(0, words));
    for (let w = 0; w < words; w += 1) d32[w] = d32[w]! ^ t32[w]! ^ cCols[w]!;
    return { corrections: d, tRows: transposeBitsFast(t32, CODE_BITS, bins, this.#rows.subarray(0, words)) };
  }
}

/** S's state: the PRG of its chosen seed per base OT, and the choice vector s. */
export class OprfSender {
  readonly #g: AesCtrPrg[] = [];
  readonly #s: Uint8Array;
  /** s as a W-bit row (for C(y) & s). */
  readonly sRow: Uint32Array;
  constructor(keys: Uint8Array, choices: Uint8Array) {
    this.#s = choices;
    this.sRow = new Uint32Array(CODE_WORDS);
    for (let i = 0; i < CODE_BITS; i += 1) {
      this.#g.push(new AesCtrPrg(keys.subarray(i * OT_KEY, (i + 1) * OT_KEY)));
      if (choices[i]) this.sRow[i >>> 5] = this.sRow[i >>> 5]! | (1 << (i & 31));
    }
  }

  #q = new Uint32Array(0);

  /** Rows q_j of one slice from R's corrections for it, written to `out` (bins x W bits). */
  slice(corrections: Uint8Array, bins: number, out: Uint32Array): void {
    const colBytes = bins >>> 3;
    if (corrections.length !== CODE_BITS * colBytes) throw new Error('PSI protocol out of step: correction slice length');
    const words = (CODE_BITS * colBytes) >>> 2;
    if (this.#q.length < words) this.#q = new Uint32Array(words);
    const q32 = this.#q.subarray(0, words);
    const q = new Uint8Array(q32.buffer, 0, words * 4);
    // Column words: colBytes is a multiple of 4 (bins a multiple of 32).
    const d32 = wordView(corrections);
    const colWords = colBytes >>> 2;
    for (let i = 0; i < CODE_BITS; i += 1) {
      this.#g[i]!.fill(q.subarray(i * colBytes, (i + 1) * colBytes));
      if (this.#s[i]) for (let w = i * colWords; w < (i + 1) * colWords; w += 1) q32[w] = q32[w]! ^ d32[w]!;
    }
    transposeBitsFast(q32, CODE_BITS, bins, out);
  }
}

const HASH_DOMAIN = Buffer.from('sfw-psi/kkrt/oprf/v1', 'utf8');
/** Message words: domain (20 B) || u32 j || the 64-byte row = 88 bytes, word-aligned. */
const DOMAIN_WORDS = HASH_DOMAIN.length >>> 2;
const MSG_WORDS = DOMAIN_WORDS + 1 + CODE_WORDS;
const MSG_BYTES = MSG_WORDS * 4;
const DOMAIN32 = new Uint32Array(HASH_DOMAIN.buffer.slice(HASH_DOMAIN.byteOffset, HASH_DOMAIN.byteOffset + HASH_DOMAIN.length));
/** Digest bytes computed per value (ell <= 16 are kept). */
export const ROW_DIGEST = 16;

/**
 * The OPRF output hash H(j, row): BLAKE2b-128 over domain || u32 j || the 64-byte row, keeping
 * `ell` bytes. A real hash rather than fixed-key AES, whose 4-block XOR-folding admits a
 * meet-in-the-middle across blocks (docs/psi.md). Values are hashed in batches: `start(count)`,
 * then `row` or `masked` for each message index, then `finish` gives 16 digest bytes per message.
 */
export class RowHasher {
  readonly #b2 = new Blake2bBatch();
  #m32: Uint32Array = new Uint32Array(0);
  #out: Uint8Array = new Uint8Array(0);

  start(count: number): void {
    if (DOMAIN_WORDS * 4 !== HASH_DOMAIN.length) throw new Error('row hash layout must be word-aligned');
    const v = this.#b2.prepare(count, count * MSG_BYTES, ROW_DIGEST);
    for (let i = 0; i <= count; i += 1) v.offs[i] = i * MSG_BYTES;
    this.#m32 = new Uint32Array(v.msgs.buffer, v.msgs.byteOffset, count * MSG_WORDS);
    this.#out = v.out;
  }

  /** Message i: R's H(j, row a). */
  row(i: number, j: number, a: Uint32Array, aOff: number): void {
    const m = this.#m32;
    const o = this.#head(i, j);
    for (let w = 0; w < CODE_WORDS; w += 1) m[o + w] = a[aOff + w]!;
  }

  /** Message i: S's H(j, row a ^ (code word b & s)). */
  masked(i: number, j: number, a: Uint32Array, aOff: number, b: Uint32Array, bOff: number, mask: Uint32Array): void {
    const m = this.#m32;
    const o = this.#head(i, j);
    for (let w = 0; w < CODE_WORDS; w += 1) m[o + w] = a[aOff + w]! ^ (b[bOff + w]! & mask[w]!);
  }

  /** Domain and u32 j (little-endian host, see params.ts); returns the row's first word. */
  #head(i: number, j: number): number {
    const m = this.#m32;
    const o = i * MSG_WORDS;
    for (let w = 0; w < DOMAIN_WORDS; w += 1) m[o + w] = DOMAIN32[w]!;
    m[o + DOMAIN_WORDS] = j;
    return o + DOMAIN_WORDS + 1;
  }

  /** Hashes messages 0..count-1; digest i at [16i, 16i+16) of the result (valid until the next start). */
  finish(count: number): Uint8Array {
    this.#b2.run(count, ROW_DIGEST);
    return this.#out;
  }
}
