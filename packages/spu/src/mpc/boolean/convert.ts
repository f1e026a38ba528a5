// Conversions between additive (A) and XOR (B) sharing, and the masked-opening step every
// dealer-assisted circuit starts with.
import { FIELD_BITS, LIMBS, add, addScalar, makeTensor, mulScalar, neg, sub, type RingTensor } from '@sfw/ring';
import { fromPlanes, plane, planeWords, toPlanes } from './bitslice.ts';
import { addShared, bitsFromMasked, eqzFromMasked, msbFromMasked, msbPairs, type Plane } from './circuits.ts';
import type { KernelEnv } from '../types.ts';
import { bitPair, maskBits, openBitsInPlace, openRing } from './core.ts';

export interface Masked {
  C: Plane[];
  R: Plane[];
  /** shares of ~r_2j & ~r_2j+1 for the low bit pairs requested (empty when none) */
  M: Plane[];
  n: number;
}

/**
 * Opens c = x + r for a dealer mask r whose low `k` bits the ranks also hold XOR-shared.
 * c is uniform in Z_2^k whatever x is (one-time pad), so opening it leaks nothing.
 * 1 round, (N-1) * n * kbits/8 bytes per rank.
 */
export async function maskAndOpen(env: KernelEnv, x: RingTensor, k: number, pairs = 0): Promise<Masked> {
  const mb = await maskBits(env, { n: x.size, k, pairs });
  // mb.r is this rank's own memory and only masks x: the masked value and the opening reuse it.
  const c = await openRing(env.comm, add(x, mb.r, mb.r), true);
  const Cp = toPlanes(env.cfg.field, c.data, x.size, k);
  env.pool.give(c);
  const C: Plane[] = [], R: Plane[] = [];
  for (let j = 0; j < k; j++) { C.push(plane(Cp, j)); R.push(plane(mb.bits, j)); }
  const M: Plane[] = [];
  const W = mb.bits.W;
  for (let j = 0; j < pairs; j++) M.push(mb.pairs!.subarray(j * W, (j + 1) * W));
  return { C, R, M, n: x.size };
}

/** XOR share of msb(x) (x < 0 in two's complement). */
export async function msbA2B(env: KernelEnv, x: RingTensor): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  const m = await maskAndOpen(env, x, k, msbPairs(k));
  return msbFromMasked(env, m.C, m.R, m.M, k);
}

/**
 * XOR shares of msb(x - o_j) for public ring offsets o_0..o_{J-1} of one secret x, from ONE masked
 * opening: c = x + r is opened once and x - o_j = (c - o_j) - r, so every comparison is the same
 * carry circuit on a different public addend (c - o_j) and the same shared mask bits. The J circuits
 * run side by side (planes of J*W words: block j = comparison j). Revealing nothing more than one
 * msbA: the only ring opening is c (uniform), the rest are AND-gate openings under fresh triples.
 * Saves, against J separate msbA, J-1 masks (dealer: n ring elements + k planes each), J-1 openings
 * of n*k/8 bytes and J-1 bit-slicing passes.
 */
export async function msbOffsetsA2B(env: KernelEnv, x: RingTensor, offsets: readonly bigint[]): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  const n = x.size;
  const W = planeWords(n);
  const J = offsets.length;
  const pairs = msbPairs(k);
  const mb = await maskBits(env, { n, k, pairs });
  const c = await openRing(env.comm, add(x, mb.r, mb.r), true);
  const C: Plane[] = [], R: Plane[] = [], M: Plane[] = [];
  for (let i = 0; i < k; i++) { C.push(new Uint32Array(J * W)); R.push(new Uint32Array(J * W)); }
  for (let i = 0; i < pairs; i++) {
    const m = new Uint32Array(J * W);
    const src = mb.pairs!.subarray(i * W, (i + 1) * W);
    for (let j = 0; j < J; j++) m.set(src, j * W);
    M.push(m);
  }
  const cj = env.pool.take(env.cfg.field, [n]);
  offsets.forEach((o, j) => {
    addScalar(c, -o, cj);
    const Cp = toPlanes(env.cfg.field, cj.data, n, k);
    for (let i = 0; i < k; i++) {
      C[i]!.set(plane(Cp, i), j * W);
      R[i]!.set(plane(mb.bits, i), j * W);
    }
  });
  env.pool.give(c, cj);
  return msbFromMasked(env, C, R, M, k);
}

/** XOR share of [x == 0]. */
export async function eqzA2B(env: KernelEnv, x: RingTensor): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  const m = await maskAndOpen(env, x, k);
  return eqzFromMasked(env, m.C, m.R, k);
}

/** A2B: XOR shares of the low `kk` bits of x (bit decomposition). */
export async function a2b(env: KernelEnv, x: RingTensor, kk = FIELD_BITS[env.cfg.field]): Promise<Plane[]> {
  const m = await maskAndOpen(env, x, kk);
  return bitsFromMasked(env, m.C, m.R, kk);
}

/**
 * B2A of single bits with a dealer bit pair (b in both sharings): open m = x ^ b (1 round, 1 bit
 * per element to each peer), then x = m + b - 2mb is linear in b's arithmetic share.
 * Returns shares of the integer 0/1 (multiply by `scale` for fixed point).
 */
export async function b2aBit(env: KernelEnv, x: Plane, n: number, scale = 1n): Promise<RingTensor> {
  const bp = await bitPair(env, { n });
  const mw = new Uint32Array(planeWords(n));
  for (let i = 0; i < mw.length; i++) mw[i] = x[i]! ^ bp.bool[i]!;
  const m = await openBitsInPlace(env.comm, mw); // mw is our own scratch
  // x = m + b - 2mb: b where m = 0 and c - b where m = 1 (c = 1 on rank 0, 0 elsewhere; m is
  // public). One branch-free pass over b's share in place (this rank's own draw or the dealer's
  // answer): c - b = ~b + 1 + c, carried across the element's u32 words.
  const out = bp.arith;
  const wpe = 2 * LIMBS[env.cfg.field];
  const u = new Uint32Array(out.data.buffer, out.data.byteOffset, n * wpe);
  const add1 = env.comm.rank === 0 ? 2 : 1;
  if (wpe === 2) {
    // FM64, unrolled: 32 elements per opened word
    for (let w = 0; w * 32 < n; w++) {
      const mw = m[w]!, top = Math.min(32, n - w * 32);
      for (let e = 0, o = w * 64; e < top; e++, o += 2) {
        const bit = (mw >>> e) & 1, flip = -bit;
        const lo = ((u[o]! ^ flip) >>> 0) + bit * add1;
        u[o] = lo;
        u[o + 1] = (u[o + 1]! ^ flip) + (lo > 0xffffffff ? 1 : 0);
      }
    }
    return scale === 1n ? out : mulScalar(out, scale, out);
  }
  for (let i = 0, o = 0; i < n; i++, o += wpe) {
    const bit = (m[i >>> 5]! >>> (i & 31)) & 1;
    const flip = -bit; // 0 or all ones
    let carry = bit * add1;
    for (let j = 0; j < wpe; j++) {
      const s = ((u[o + j]! ^ flip) >>> 0) + carry;
      u[o + j] = s;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }
  return scale === 1n ? out : mulScalar(out, scale, out);
}

/**
 * B2A of a full k-bit XOR-shared value: a boolean adder computes u = x + r for a dealer mask r
 * (held in both sharings), u is opened (it is one-time-padded by r), and x = u - r.
 * Rounds: 1 + ceil(log2(k-1)) + 1; ANDs: (k-1) + Sklansky(k-1).
 */
export async function b2a(env: KernelEnv, X: Plane[], n: number): Promise<RingTensor> {
  const k = FIELD_BITS[env.cfg.field];
  const mb = await maskBits(env, { n, k });
  const R: Plane[] = [];
  for (let j = 0; j < k; j++) R.push(plane(mb.bits, j));
  const U = await addShared(env, X, R, k);
  const W = planeWords(n);
  const flat = new Uint32Array(k * W);
  U.forEach((p, j) => flat.set(p, j * W));
  const u = await openBitsInPlace(env.comm, flat); // flat is our own scratch
  const uRing = makeTensor(env.cfg.field, [n], fromPlanes(env.cfg.field, { k, n, W, words: u }));
  return env.comm.rank === 0 ? sub(uRing, mb.r) : neg(mb.r);
}
