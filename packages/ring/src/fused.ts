// Fused SEMI2K sequences (docs/ring.md "Fused kernels"): several elementwise steps in one pass over
// memory. On JS-owned tensors every kernel call copies its operands through WASM scratch, so the
// Beaver recombination (3 multiply-adds) or the end of a truncation (5 shifts/adds) in one call
// costs about the copies of one kernel instead of all of them.
import { FIELD_BITS } from './field.ts';
import { kernels } from './backend.ts';
import type { KeyStream } from './blocks.ts';
import { RingError, assertSameSize, outFor, type RingTensor } from './tensor.ts';

/** out = c + e*b + f*a, plus e*f when `withEf` (Beaver: z_i = c_i + e b_i + f a_i (+ e f at one rank)). */
export function beaverCombine(e: RingTensor, b: RingTensor, f: RingTensor, a: RingTensor, c: RingTensor, withEf: boolean, out?: RingTensor): RingTensor {
  for (const t of [b, f, a, c]) assertSameSize(e, t);
  const o = outFor(e.field, e.shape, out);
  kernels().beaver(e.field, e.data, b.data, f.data, a.data, c.data, withEf, o.data, e.size);
  return o;
}

export interface BeaverMaskOptions {
  /** Add e*f (the one rank that holds public constants). */
  withEf: boolean;
  /** Truncation mask r: the result is z + r + s instead of z. */
  r?: RingTensor;
  /** Constant added together with r (taken mod 2^k). */
  s?: bigint;
  /** Output (default: a fresh tensor). May alias any input. */
  out?: RingTensor | undefined;
  /** Second output with the same values (the copy a rank keeps of what it sends). May alias any input. */
  keep?: RingTensor;
}

/**
 * Beaver recombination with the opening folded in: E = x - a + eP and F = y - b + fP are the opened
 * differences (eP, fP: the sum of the OTHER ranks' shares, so this rank's own share is recomputed in
 * cache instead of being copied and added in separate passes); z = c + E b + F a (+ E F), then
 * z + r + s when r is given (the masking step of a following truncation). For a square pass y = x,
 * b = a, fP = eP (the same tensors): the kernel then reads each once. c may be a keystream (x.size
 * elements of this field from it: a PRG draw read in the pass instead of expanded beforehand).
 */
export function beaverMask(x: RingTensor, a: RingTensor, eP: RingTensor, y: RingTensor, b: RingTensor, fP: RingTensor, c: RingTensor | KeyStream, opts: BeaverMaskOptions): RingTensor {
  for (const t of [a, eP, y, b, fP, ...('data' in c ? [c] : []), ...(opts.r ? [opts.r] : [])]) assertSameSize(x, t);
  const o = outFor(x.field, x.shape, opts.out);
  const k = opts.keep === undefined ? undefined : outFor(x.field, x.shape, opts.keep);
  const s = BigInt.asUintN(FIELD_BITS[x.field], opts.s ?? 0n);
  kernels().beaverMask(x.field, x.data, a.data, eP.data, y.data, b.data, fP.data, 'data' in c ? c.data : c, opts.r?.data, opts.withEf, s, o.data, k?.data, x.size);
  return o;
}

function checkBits(t: RingTensor, bits: number): void {
  const k = FIELD_BITS[t.field];
  if (!Number.isInteger(bits) || bits < 0 || bits > k - 2) throw new RingError(`truncation by ${String(bits)} bits is outside [0, ${k - 2}]`);
}

/**
 * out = d - 2*msb(c)*rTop, plus (c >>> bits) when `withC`: the local end of probabilistic
 * truncation once c = x + 2^(k-2) + r is public (packages/spu semi2k.ts truncPr). With cPeer the
 * opened value is c + cPeer (this rank's share plus the others' sum, added in the same pass). rTop
 * and d may be keystreams (c.size elements of this field each), read in the pass.
 */
export function truncFinish(c: RingTensor, rTop: RingTensor | KeyStream, d: RingTensor | KeyStream, bits: number, withC: boolean, out?: RingTensor, cPeer?: RingTensor): RingTensor {
  if ('data' in rTop) assertSameSize(c, rTop);
  if ('data' in d) assertSameSize(c, d);
  if (cPeer !== undefined) assertSameSize(c, cPeer);
  checkBits(c, bits);
  const o = outFor(c.field, c.shape, out);
  kernels().truncFinish(c.field, c.data, 'data' in rTop ? rTop.data : rTop, 'data' in d ? d.data : d, bits, withC, o.data, c.size, cPeer?.data);
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
