// The protocol-specific core of the non-linear library: three kernels, one implementation per
// protocol. Everything else (comparison-based ops, numerics, sigmoids) is written once on top of
// these and the arithmetic kernels, so REF2K and SEMI2K run the very same fixed-point algorithm
// (SPU's design: ref2k and semi2k share the hal/ layer and differ only in mpc/ kernels).
//   msbA   (A -> A)  integer 0/1 shares of [x < 0]
//   eqzA   (A -> A)  integer 0/1 shares of [x == 0]
//   topBitOneHotA (A -> A[])  for x > 0 with top set bit e (e < kk), 0/1 shares of the digits of
//                              kk-1-e in base G (one-hot per digit)
import { FIELD_BITS, LIMBS, makeTensor, toBigInts, type RingTensor } from '@sfw/ring';
import type { NlKernels } from './types.ts';
import { planeWords } from './boolean/bitslice.ts';
import { bitsFromMasked, notS, suffixAnd, xorP } from './boolean/circuits.ts';
import { b2aBit, eqzA2B, maskAndOpen, msbA2B, msbOffsetsA2B } from './boolean/convert.ts';

/**
 * SEMI2K. msbA: mask-open-compare (boolean/circuits.ts msbFromMasked) + single-bit B2A.
 * topBitOneHotA: bit decomposition of the low kk bits after masking, suffix-AND of the negated
 * bits gives "no bit set at or above j", whose neighbour differences are the one-hot h_e of the top
 * bit (the normalisation step of Catrina & Saxena, FC 2010, with SPU's "highest one bit"). Instead
 * of a k-bit B2A per looked-up table (a boolean adder, ~440 ANDs/elem at k = 64), the one-hot is
 * folded locally into the digits of d = kk-1-e = G j + i: hi[j] = XOR of h_e over the e with digit
 * j, lo[i] likewise (each again one-hot, as exactly one h_e is set), and J + G single bits go
 * through ONE batched bit B2A. A power-of-two table 2^(a_j + b_i) is then one exact product of two
 * local sums, an additive table u_j + v_i is local (numerics/numeric.ts).
 */
export const semi2kNl: NlKernels = {
  async msbA(env, x) {
    return reshaped(await b2aBit(env, await msbA2B(env, x), x.size), x);
  },
  async eqzA(env, x) {
    return reshaped(await b2aBit(env, await eqzA2B(env, x), x.size), x);
  },
  async msbOffsetsA(env, x, offsets) {
    const n = x.size;
    const W = planeWords(n);
    const bits = await msbOffsetsA2B(env, x, offsets);
    // one bit B2A over all J blocks (block j = elements [j*32W, j*32W + n) of the batch)
    const all = await b2aBit(env, bits, offsets.length * W * 32);
    const L = LIMBS[env.cfg.field];
    return offsets.map((_, j) => makeTensor(env.cfg.field, x.shape, all.data.subarray(j * W * 32 * L, (j * W * 32 + n) * L)));
  },
  async topBitOneHotA(env, x, kk, G) {
    const n = x.size;
    const m = await maskAndOpen(env, x, kk);
    const bits = await bitsFromMasked(env, m.C, m.R, kk);
    const none = await suffixAnd(env, bits.map((b) => notS(env.comm.rank, b))); // none[j] = no bit >= j
    const W = planeWords(n);
    const J = Math.ceil(kk / G);
    // Digit planes side by side: block j < J is hi[j], block J + i is lo[i].
    const digits = new Uint32Array((J + G) * W);
    for (let e = 0; e < kk; e++) {
      const h = e + 1 < kk ? xorP(none[e]!, none[e + 1]!) : notS(env.comm.rank, none[e]!);
      const d = kk - 1 - e;
      for (const blk of [Math.floor(d / G), J + (d % G)]) {
        const dst = digits.subarray(blk * W, (blk + 1) * W);
        for (let w = 0; w < W; w++) dst[w] = dst[w]! ^ h[w]!;
      }
    }
    const all = await b2aBit(env, digits, (J + G) * W * 32);
    const L = LIMBS[env.cfg.field];
    return Array.from({ length: J + G }, (_, b) => makeTensor(env.cfg.field, x.shape, all.data.subarray(b * W * 32 * L, (b * W * 32 + n) * L)));
  },
};

const reshaped = (t: RingTensor, like: RingTensor): RingTensor => makeTensor(t.field, like.shape, t.data);

/** REF2K: every rank holds the plaintext value; the kernels compute in the clear. */
export const ref2kNl: NlKernels = {
  msbA: (_env, x) => Promise.resolve(mapSigned(x, (v) => (v < 0n ? 1n : 0n))),
  msbOffsetsA: (_env, x, offsets) => {
    const k = FIELD_BITS[x.field];
    const vals = toBigInts(x);
    return Promise.resolve(offsets.map((o) => fromValues(x, vals.map((v) => (BigInt.asIntN(k, v - o) < 0n ? 1n : 0n)))));
  },
  eqzA: (_env, x) => Promise.resolve(mapSigned(x, (v) => (v === 0n ? 1n : 0n))),
  topBitOneHotA: (_env, x, kk, G) => {
    const J = Math.ceil(kk / G);
    const d = toBigInts(x).map((v) => {
      const low = BigInt.asUintN(kk, v);
      return low === 0n ? -1 : kk - low.toString(2).length;
    });
    const hi = Array.from({ length: J }, (_, j) => fromValues(x, d.map((v) => (v >= 0 && Math.floor(v / G) === j ? 1n : 0n))));
    const lo = Array.from({ length: G }, (_, i) => fromValues(x, d.map((v) => (v >= 0 && v % G === i ? 1n : 0n))));
    return Promise.resolve([...hi, ...lo]);
  },
};

function mapSigned(x: RingTensor, f: (v: bigint) => bigint): RingTensor {
  return fromValues(x, toBigInts(x, true).map(f));
}

function fromValues(like: RingTensor, vals: bigint[]): RingTensor {
  const out = makeTensor(like.field, like.shape);
  const L = LIMBS[like.field];
  const k = FIELD_BITS[like.field];
  vals.forEach((v, i) => {
    const u = BigInt.asUintN(k, v);
    out.data[i * L] = u;
    if (L === 2) out.data[i * L + 1] = u >> 64n;
  });
  return out;
}
