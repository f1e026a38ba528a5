// The receiver's lookup of double-blinded values (step 3 of the ECDH round): an open-addressing
// table over the 16-byte values themselves, with no string or Buffer per entry. A Map keyed by
// latin1 strings of the same bytes built 2^20 short strings and their hash entries per party at
// 2^20, which showed up as hash-map and garbage-collector time on the party thread (docs/psi.md).
//
// The values are X25519 outputs under this party's secret scalar, i.e. uniformly spread and out of
// the peer's control, so their first 32-bit word is a good table index as it is; the peer's
// replies are only looked up, never inserted, so they cannot lengthen the probe chains.

/** Bytes per compared value (COMPARE_BYTES in protocol.ts). */
const VALUE_BYTES = 16;
const WORDS = VALUE_BYTES / 4;

export class CompareTable {
  readonly #words: Uint32Array;
  /** Slot -> value index + 1 (0 = empty). */
  readonly #slots: Int32Array;
  readonly #mask: number;

  /** Indexes `values` (m concatenated 16-byte values); a repeated value keeps its last index. */
  constructor(values: Uint8Array) {
    if (values.length % VALUE_BYTES !== 0) throw new RangeError('values must be 16-byte strings');
    this.#words = alignedWords(values);
    const m = values.length / VALUE_BYTES;
    let cap = 16;
    while (cap < 2 * m) cap *= 2; // load factor <= 1/2: short linear probes
    this.#slots = new Int32Array(cap);
    this.#mask = cap - 1;
    const w = this.#words;
    const slots = this.#slots;
    for (let j = 0; j < m; j += 1) {
      const o = j * WORDS;
      let s = w[o]! & this.#mask;
      for (;;) {
        const e = slots[s]!;
        if (e === 0) {
          slots[s] = j + 1;
          break;
        }
        const p = (e - 1) * WORDS;
        if (w[p] === w[o] && w[p + 1] === w[o + 1] && w[p + 2] === w[o + 2] && w[p + 3] === w[o + 3]) {
          slots[s] = j + 1;
          break;
        }
        s = (s + 1) & this.#mask;
      }
    }
  }

  /**
   * For each 16-byte value in `queries`, calls `hit(i, j)` when it equals the table's value j
   * (i is the query's index).
   */
  lookupAll(queries: Uint8Array, hit: (i: number, j: number) => void): void {
    if (queries.length % VALUE_BYTES !== 0) throw new RangeError('queries must be 16-byte strings');
    const q = alignedWords(queries);
    const w = this.#words;
    const slots = this.#slots;
    const mask = this.#mask;
    const n = queries.length / VALUE_BYTES;
    for (let i = 0; i < n; i += 1) {
      const o = i * WORDS;
      const q0 = q[o]!;
      const q1 = q[o + 1]!;
      const q2 = q[o + 2]!;
      const q3 = q[o + 3]!;
      let s = q0 & mask;
      for (;;) {
        const e = slots[s]!;
        if (e === 0) break;
        const p = (e - 1) * WORDS;
        if (w[p] === q0 && w[p + 1] === q1 && w[p + 2] === q2 && w[p + 3] === q3) {
          hit(i, e - 1);
          break;
        }
        s = (s + 1) & mask;
      }
    }
  }
}

/** A Uint32Array over the bytes, copying only when they are not 4-byte aligned (a message body after its tag byte). */
function alignedWords(b: Uint8Array): Uint32Array {
  // new Uint8Array(view) copies (a Buffer's slice() would not).
  const src = b.byteOffset % 4 === 0 ? b : new Uint8Array(b);
  return new Uint32Array(src.buffer, src.byteOffset, src.byteLength / 4);
}
