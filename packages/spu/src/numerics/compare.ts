// Comparison and everything built directly on it. Bits are kept as ring integers 0/1 internally
// (a bit times a fixed-point value needs no truncation: exact Beaver product), and converted to
// fixed-point 0/1 only at the jobs-facing surface (install.ts). Where a comparison bit only selects
// a value (relu, abs, min/max, clip) it stays XOR-shared and goes through the bit-times-value kernel
// (Fxp.bitMul: one round, one ring opening) instead of a bit B2A and a Beaver product.
// Domain: less/greater/min/max/clip are exact when |x - y| < 2^(k-1) in ring units, i.e.
// |x - y| < 2^(k-1-f) as reals; equal is exact everywhere.
import type { RingTensor } from '@sfw/ring';
import type { Fxp } from './fxp.ts';

/** [x < y] as an integer bit: msb(x - y). */
export const lessBit = (F: Fxp, x: RingTensor, y: RingTensor): Promise<RingTensor> => F.msb(F.sub(x, y));
/** [x < c] for a public real c. */
export const lessPubBit = (F: Fxp, x: RingTensor, c: number): Promise<RingTensor> => F.msb(F.addC(x, -c));
/** [x == y] as an integer bit. */
export const equalBit = (F: Fxp, x: RingTensor, y: RingTensor): Promise<RingTensor> => F.eqz(F.sub(x, y));

/** where(b, x, y) = y + b (x - y) for an integer bit b: one Beaver product, no truncation. */
export async function selectBit(F: Fxp, b: RingTensor, x: RingTensor, y: RingTensor): Promise<RingTensor> {
  return F.add(y, await F.mulRing(b, F.sub(x, y)));
}

/** relu(x) = x - [x < 0] x. */
export async function relu(F: Fxp, x: RingTensor): Promise<RingTensor> {
  return F.sub(x, await F.bitMul1(await F.msbBits(x), x));
}

/** |x| = x - 2 [x < 0] x. */
export async function abs(F: Fxp, x: RingTensor): Promise<RingTensor> {
  return F.sub(x, F.mulInt(await F.bitMul1(await F.msbBits(x), x), 2n));
}

/** sign(x) in {-1, +1} (0 maps to +1, as SPU's sign), fixed point. */
export async function sign(F: Fxp, x: RingTensor): Promise<RingTensor> {
  return F.bitToFxp(F.signOf(await F.msb(x))); // 1 - 2b scaled: exact
}

/** Elementwise max and min from one comparison and one product. */
export async function maxMin(F: Fxp, x: RingTensor, y: RingTensor): Promise<{ max: RingTensor; min: RingTensor }> {
  const d = F.sub(x, y);
  const bd = await F.bitMul1(await F.msbBits(d), d); // [x < y] (x - y)
  return { max: F.sub(x, bd), min: F.add(y, bd) };
}

/**
 * clip(x, lo, hi) for public lo <= hi: both comparisons from ONE masked opening of x (msbOffsetsB:
 * [x < lo] = msb(x - lo), [x <= hi] = msb(x - hi - 1 ulp)), kept XOR-shared, and both products of
 * the one value -x in one bit-times-value round: hi + [x<lo](lo - x) - [x<=hi](hi - x).
 */
export async function clip(F: Fxp, x: RingTensor, lo: number, hi: number): Promise<RingTensor> {
  const eLo = F.enc(lo), eHi = F.enc(hi);
  const bits = await F.lessPubBits(x, [eLo, eHi + 1n]);
  const [a, b] = await F.bitMul(bits, F.neg(x), [{ blocks: [0], shift: eLo }, { blocks: [1], shift: eHi }]);
  return F.addInt(F.sub(a!, b!), eHi);
}
