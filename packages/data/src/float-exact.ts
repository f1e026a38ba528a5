// Exact double arithmetic shared by the CSV number reader (csv-number.ts) and writer
// (number-text.ts): both decide a decimal <-> double conversion from arithmetic and must agree with
// Number() / Number#toString to the last bit, so they rest on the same few facts.

/** 10^0 .. 10^22: every one is exact as a double. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

export const TWO53 = 2 ** 53;

/** In a Uint32Array over one Float64Array slot: the index of the word holding sign and exponent. */
export const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** ... and of the low mantissa word. */
export const LO_WORD = 1 - HI_WORD;

const SPLIT = 134217729; // 2^27 + 1: Dekker's splitting constant

/**
 * The rounding error of the double product p = a * b, so that a * b = p + productError(a, b, p)
 * exactly (Dekker's two-product; JavaScript has no fused multiply-add). Valid while nothing
 * overflows, which both callers' ranges (at most 19 digits times 10^22) guarantee.
 */
export function productError(a: number, b: number, p: number): number {
  const A = SPLIT * a;
  const ah = A - (A - a);
  const al = a - ah;
  const B = SPLIT * b;
  const bh = B - (B - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
