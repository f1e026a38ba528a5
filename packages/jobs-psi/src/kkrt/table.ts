// The receiver's lookup table of its own OPRF values, one per hash index: open addressing over
// an Int32Array keyed by the value's first 4 bytes (the values are pseudorandom), full `ell`-byte
// compare on a hit. A Map keyed by strings costs ~6x more at 2^20 (docs/psi.md).
export class ValueTable {
  readonly #slots: Int32Array;
  readonly #mask: number;
  constructor(
    readonly values: Uint8Array,
    readonly ell: number,
    capacity: number,
  ) {
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
  }

  /** Files item `x`, whose value is values[x*ell ..]. */
  add(x: number): void {
    let p = this.#h(this.values, x * this.ell);
    while (this.#slots[p]! >= 0) p = (p + 1) & this.#mask;
    this.#slots[p] = x;
  }

  /** Item whose value equals v[at, at+ell), or -1. */
  find(v: Uint8Array, at: number): number {
    const ell = this.ell;
    for (let p = this.#h(v, at); ; p = (p + 1) & this.#mask) {
      const x = this.#slots[p]!;
      if (x < 0) return -1;
      const o = x * ell;
      let k = 0;
      while (k < ell && this.values[o + k] === v[at + k]) k += 1;
      if (k === ell) return x;
    }
  }

  #h(v: Uint8Array, at: number): number {
    return (v[at]! | (v[at + 1]! << 8) | (v[at + 2]! << 16) | (v[at + 3]! << 24)) & this.#mask;
  }
}
