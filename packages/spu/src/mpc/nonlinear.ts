// The protocol-specific core of the non-linear library: three kernels, one implementation per
// protocol. Everything else (comparison-based ops, numerics, sigmoids) is written once on top of
// these and the arithmetic kernels, so REF2K and SEMI2K run the very same fixed-point algorithm
// (SPU's design: ref2k and semi2k share the hal/ layer and differ only in mpc/ kernels).
//   msbA   (A -> A)  integer 0/1 shares of [x < 0]
//   eqzA   (A -> A)  integer 0/1 shares of [x == 0]
//   topBitOneHotA (A -> A[])  for x > 0 with top set bit e (e < kk), 0/1 shares of the digits of
//                              kk-1-e in base G (one-hot per digit); signed: and of [x < 0]
import { FIELD_BITS, LIMBS, makeTensor, toBigInts, type RingTensor } from '@sfw/ring';
import type { NlKernels, SecretBits } from './types.ts';
import { planeWords } from './boolean/bitslice.ts';
import { andLayer, bitsFromMasked, groupTree, msbPairs, notS, rangeLeaves, suffixAnd, xorP, xorPub, type Plane } from './boolean/circuits.ts';
import { b2aBit, bitMulA, eqzA2B, maskAndOpen, msbA2B, msbOffsetsA2B } from './boolean/convert.ts';

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
  async msbOffsetsB(env, x, offsets, fuzzBits = 0) {
    return { n: x.size, J: offsets.length, planes: await msbOffsetsA2B(env, x, offsets, fuzzBits) };
  },
  async bitMulA(env, bits, v, terms) {
    return bitMulA(env, planesOf(bits), bits.n, v, terms);
  },
  async topBitOneHotA(env, x, kk, G, signed = false) {
    const n = x.size;
    const rank = env.comm.rank;
    const W = planeWords(n);
    // the mask's pair products for the low bit pairs make the decomposition's first level local
    // (signed: also the high range's, up to bit k-2, as in the comparison)
    const m = await maskAndOpen(env, x, signed ? FIELD_BITS[env.cfg.field] : kk, signed ? msbPairs(FIELD_BITS[env.cfg.field]) : (kk - 1) >> 1);
    const hiGP = signed ? await highGroupGP(env, m.C, m.R, m.M, kk) : undefined;
    const bits = await bitsFromMasked(env, m.C, m.R, kk, m.M);
    let sign: Plane | undefined;
    if (hiGP !== undefined) {
      const k = FIELD_BITS[env.cfg.field];
      // carry into bit kk-1 of c + ~r + 1, recovered locally from bit kk-1 = c ^ ~r ^ carry; the
      // carry into the sign bit is G ^ P carry, and the sign c ^ ~r ^ that carry.
      const carry = xorP(bits[kk - 1]!, xorPub(rank, notS(rank, m.R[kk - 1]!), m.C[kk - 1]!));
      const [pc] = await andLayer(env, [hiGP.P], [carry]);
      sign = xorP(xorP(xorPub(rank, notS(rank, m.R[k - 1]!), m.C[k - 1]!), hiGP.G), pc!);
      // x XOR sign = |x| - 1 for x < 0 (its top bit normalises |x| to (1, 2], still inside the
      // reciprocal's start interval); bit 0 is forced on for x < 0 so |x| = 1 ulp keeps a top bit.
      const [x0s] = await andLayer(env, [bits[0]!], [sign]);
      bits[0] = xorP(xorP(bits[0]!, sign), x0s!); // x0 | s = x0 ^ s ^ x0 s
      for (let i = 1; i < kk; i++) bits[i] = xorP(bits[i]!, sign);
    }
    const none = await suffixAnd(env, bits.map((b) => notS(rank, b))); // none[j] = no bit >= j
    const J = Math.ceil(kk / G);
    const D = J + G - 1 + (sign ? 1 : 0);
    // Digit planes side by side: block j < J is hi[j], block J + i is lo[i] for i < G - 1, then
    // (signed) the sign itself: one more converted plane (the reciprocal applies the sign in its
    // start value, linear). lo[G - 1] is not converted: exactly one low digit is set for x != 0, so
    // it is 1 minus the others (the tables take it so), and at x = 0 every high digit is 0.
    const digits = new Uint32Array(D * W);
    const xorInto = (blk: number, h: Plane): void => {
      const dst = digits.subarray(blk * W, (blk + 1) * W);
      for (let w = 0; w < W; w++) dst[w] = dst[w]! ^ h[w]!;
    };
    for (let e = 0; e < kk; e++) {
      const h = e + 1 < kk ? xorP(none[e]!, none[e + 1]!) : notS(env.comm.rank, none[e]!);
      const d = kk - 1 - e;
      xorInto(Math.floor(d / G), h);
      if (d % G < G - 1) xorInto(J + (d % G), h);
    }
    if (sign) digits.set(sign, (J + G - 1) * W);
    const all = await b2aBit(env, digits, D * W * 32);
    const L = LIMBS[env.cfg.field];
    return Array.from({ length: D }, (_, b) => makeTensor(env.cfg.field, x.shape, all.data.subarray(b * W * 32 * L, (b * W * 32 + n) * L)));
  },
};

/**
 * Group generate/propagate of the bits kk-1 .. k-2 of c + ~r (public c, XOR-shared r; no carry-in):
 * bit-pair leaves made local by the mask's pair products (rangeLeaves), then a balanced (G, P) tree
 * whose combines each go through one shared-input triple. With the carry c_in into bit kk-1 (from
 * the low bits' decomposition) the carry into the sign bit is G ^ P c_in.
 */
async function highGroupGP(env: Parameters<NlKernels['msbA']>[0], C: readonly Plane[], R: readonly Plane[], M: readonly Plane[], kk: number): Promise<{ G: Plane; P: Plane }> {
  return groupTree(env, rangeLeaves(env.comm.rank, [...C], [...R], [...M], kk - 1, FIELD_BITS[env.cfg.field] - 2));
}

const reshaped = (t: RingTensor, like: RingTensor): RingTensor => makeTensor(t.field, like.shape, t.data);

function planesOf(b: SecretBits): Uint32Array {
  if (b.planes === undefined) throw new Error('bits of another protocol');
  return b.planes;
}

/** REF2K: every rank holds the plaintext value; the kernels compute in the clear. */
export const ref2kNl: NlKernels = {
  msbA: (_env, x) => Promise.resolve(mapSigned(x, (v) => (v < 0n ? 1n : 0n))),
  msbOffsetsA: (_env, x, offsets) => {
    const k = FIELD_BITS[x.field];
    const vals = toBigInts(x);
    return Promise.resolve(offsets.map((o) => fromValues(x, vals.map((v) => (BigInt.asIntN(k, v - o) < 0n ? 1n : 0n)))));
  },
  msbOffsetsB: async (env, x, offsets) => ({ n: x.size, J: offsets.length, plain: await ref2kNl.msbOffsetsA(env, x, offsets) }),
  bitMulA: (_env, bits, v, terms) => {
    const k = FIELD_BITS[v.field];
    const vals = toBigInts(v);
    return Promise.resolve(terms.map((t) => {
      const bs = t.blocks.map((j) => toBigInts(bits.plain![j]!));
      return fromValues(v, vals.map((x, i) => (bs.reduce((p, b) => p ^ b[i]!, 0n) === 0n ? 0n : BigInt.asUintN(k, x + t.shift))));
    }));
  },
  eqzA: (_env, x) => Promise.resolve(mapSigned(x, (v) => (v === 0n ? 1n : 0n))),
  topBitOneHotA: (_env, x, kk, G, signed = false) => {
    const J = Math.ceil(kk / G);
    const vals = toBigInts(x, signed);
    const d = vals.map((v) => {
      // signed: the same convention as SEMI2K, the top bit of (|x| - 1) | 1 for x < 0
      const low = BigInt.asUintN(kk, v < 0n ? (-v - 1n) | 1n : v);
      return low === 0n ? -1 : kk - low.toString(2).length;
    });
    const hi = Array.from({ length: J }, (_, j) => fromValues(x, d.map((v) => (v >= 0 && Math.floor(v / G) === j ? 1n : 0n))));
    const lo = Array.from({ length: G - 1 }, (_, i) => fromValues(x, d.map((v) => (v >= 0 && v % G === i ? 1n : 0n))));
    const neg = signed ? [fromValues(x, vals.map((v) => (v < 0n ? 1n : 0n)))] : [];
    return Promise.resolve([...hi, ...lo, ...neg]);
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
