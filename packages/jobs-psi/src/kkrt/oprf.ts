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
import { transposeBits } from './bits.ts';
import { CODE_BITS, CODE_WORDS } from './params.ts';
import { OT_KEY } from './base-ot.ts';
import { sodium } from './sodium.ts';

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
    const cCols = transposeBits(codeRows, bins, CODE_BITS, this.#c.subarray(0, words));
    for (let w = 0; w < words; w += 1) d32[w] = d32[w]! ^ t32[w]! ^ cCols[w]!;
    return { corrections: d, tRows: transposeBits(t32, CODE_BITS, bins, this.#rows.subarray(0, words)) };
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
    for (let i = 0; i < CODE_BITS; i += 1) {
      const col = q.subarray(i * colBytes, (i + 1) * colBytes);
      this.#g[i]!.fill(col);
      if (this.#s[i]) {
        const dc = corrections.subarray(i * colBytes, (i + 1) * colBytes);
        for (let b = 0; b < colBytes; b += 1) col[b] = col[b]! ^ dc[b]!;
      }
    }
    transposeBits(q32, CODE_BITS, bins, out);
  }
}

const HASH_DOMAIN = Buffer.from('sfw-psi/kkrt/oprf/v1', 'utf8');

/**
 * The OPRF output hash H(j, row): BLAKE2b-128 over domain || u32 j || the 64-byte row, keeping
 * `ell` bytes. A real hash rather than fixed-key AES, whose 4-block XOR-folding admits a
 * meet-in-the-middle across blocks (docs/psi.md).
 */
export class RowHasher {
  readonly #in = Buffer.alloc(HASH_DOMAIN.length + 4 + CODE_BITS / 8);
  readonly #in32: Uint32Array;
  readonly #rowAt: number;
  readonly #out = Buffer.alloc(16);
  constructor() {
    HASH_DOMAIN.copy(this.#in, 0);
    // Align the row to a word boundary inside the scratch buffer: domain (20 B) + index (4 B) = 24.
    this.#rowAt = HASH_DOMAIN.length + 4;
    if (this.#rowAt % 4 !== 0) throw new Error('row hash layout must be word-aligned');
    this.#in32 = new Uint32Array(this.#in.buffer, this.#in.byteOffset, this.#in.byteLength >>> 2);
  }

  /** R's value: H(j, row a) -> out[at, at+ell). */
  hashRow(j: number, a: Uint32Array, aOff: number, out: Uint8Array, at: number, ell: number): void {
    const in32 = this.#in32;
    const w0 = this.#rowAt >>> 2;
    for (let w = 0; w < CODE_WORDS; w += 1) in32[w0 + w] = a[aOff + w]!;
    this.#finish(j, out, at, ell);
  }

  /** S's value: H(j, row a ^ (code word b & s)) -> out[at, at+ell). */
  hashMasked(j: number, a: Uint32Array, aOff: number, b: Uint32Array, bOff: number, mask: Uint32Array, out: Uint8Array, at: number, ell: number): void {
    const in32 = this.#in32;
    const w0 = this.#rowAt >>> 2;
    for (let w = 0; w < CODE_WORDS; w += 1) in32[w0 + w] = a[aOff + w]! ^ (b[bOff + w]! & mask[w]!);
    this.#finish(j, out, at, ell);
  }

  #finish(j: number, out: Uint8Array, at: number, ell: number): void {
    this.#in32[(this.#rowAt >>> 2) - 1] = j; // u32 j just before the row (little-endian host, see params.ts)
    sodium().crypto_generichash(this.#out, this.#in);
    const o = this.#out;
    for (let k = 0; k < ell; k += 1) out[at + k] = o[k]!;
  }
}

