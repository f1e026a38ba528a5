// Fused SEMI2K sequences (docs/ring.md "Fused kernels"): several elementwise steps in one pass over
// memory. On JS-owned tensors every kernel call copies its operands through WASM scratch, so the
// Beaver recombination (3 multiply-adds) or the end of a truncation (5 shifts/adds) in one call
// costs about the copies of one kernel instead of all of them.
import { FIELD_BITS } from './field.ts';
import { kernels } from './backend.ts';
import { RingError, assertSameSize, outFor, type RingTensor } from './tensor.ts';

/** out = c + e*b + f*a, plus e*f when `withEf` (Beaver: z_i = c_i + e b_i + f a_i (+ e f at one rank)). */
export function beaverCombine(e: RingTensor, b: RingTensor, f: RingTensor, a: RingTensor, c: RingTensor, withEf: boolean, out?: RingTensor): RingTensor {
  for (const t of [b, f, a, c]) assertSameSize(e, t);
  const o = outFor(e.field, e.shape, out);
  kernels().beaver(e.field, e.data, b.data, f.data, a.data, c.data, withEf, o.data, e.size);
  return o;
}

function checkBits(t: RingTensor, bits: number): void {
  const k = FIELD_BITS[t.field];
  if (!Number.isInteger(bits) || bits < 0 || bits > k - 2) throw new RingError(`truncation by ${String(bits)} bits is outside [0, ${k - 2}]`);
}

/**
 * out = d - 2*msb(c)*rTop, plus (c >>> bits) when `withC`: the local end of probabilistic
 * truncation once c = x + 2^(k-2) + r is public (packages/spu semi2k.ts truncPr).
 */
export function truncFinish(c: RingTensor, rTop: RingTensor, d: RingTensor, bits: number, withC: boolean, out?: RingTensor): RingTensor {
  assertSameSize(c, rTop);
  assertSameSize(c, d);
  checkBits(c, bits);
  const o = outFor(c.field, c.shape, out);
  kernels().truncFinish(c.field, c.data, rTop.data, d.data, bits, withC, o.data, c.size);
  return o;
}

/**
 * The truncation pair from r: rTop = msb(r) * 2^(k-1-bits) and d = 2*rTop - (r >>> bits) - 2^(k-2-bits)
 * (= rTop - rHi - 2^(k-2-bits) with rHi = bits bits..k-2 of r). `d` and `rTop` may be `r` itself only
 * for one of them; the other must be separate memory.
 */
export function truncPair(r: RingTensor, bits: number, d?: RingTensor, rTop?: RingTensor): { d: RingTensor; rTop: RingTensor } {
  checkBits(r, bits);
  const od = outFor(r.field, r.shape, d);
  const ot = outFor(r.field, r.shape, rTop);
  if (od.data === ot.data) throw new RingError('truncPair needs separate d and rTop');
  kernels().truncPair(r.field, r.data, bits, od.data, ot.data, r.size);
  return { d: od, rTop: ot };
}
