// The protocol-specific core of the non-linear library: three kernels, one implementation per
// protocol. Everything else (comparison-based ops, numerics, sigmoids) is written once on top of
// these and the arithmetic kernels, so REF2K and SEMI2K run the very same fixed-point algorithm
// (SPU's design: ref2k and semi2k share the hal/ layer and differ only in mpc/ kernels).
//   msbA   (A -> A)  integer 0/1 shares of [x < 0]
//   eqzA   (A -> A)  integer 0/1 shares of [x == 0]
//   topBitLookupA (A -> A[])  for x > 0 with top set bit e (e < kk), shares of table_t[e] per table
import { FIELD_BITS, LIMBS, makeTensor, toBigInts, type RingTensor } from '@sfw/ring';
import type { NlKernels } from './types.ts';
import { planeWords, type Planes } from './boolean/bitslice.ts';
import { bitsFromMasked, notS, suffixAnd, xorP, type Plane } from './boolean/circuits.ts';
import { b2a, b2aBit, eqzA2B, maskAndOpen, msbA2B, msbOffsetsA2B } from './boolean/convert.ts';

/**
 * SEMI2K. msbA: mask-open-compare (boolean/circuits.ts msbFromMasked) + single-bit B2A.
 * topBitLookupA: bit decomposition of the low kk bits after masking, suffix-AND of the negated
 * bits gives "no bit set at or above j", whose neighbour differences are the one-hot h_e of the top
 * bit; a table is then a local XOR of the h_e (bit j of table[e] set => h_e contributes), and one
 * batched k-bit B2A converts all tables (the normalisation step of Catrina & Saxena, FC 2010,
 * with SPU's "highest one bit" trick of reading a power of two off a one-hot vector).
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
  async topBitLookupA(env, x, kk, tables) {
    const n = x.size;
    const k = FIELD_BITS[env.cfg.field];
    const m = await maskAndOpen(env, x, kk);
    const bits = await bitsFromMasked(env, m.C, m.R, kk);
    const none = await suffixAnd(env, bits.map((b) => notS(env.comm.rank, b))); // none[j] = no bit >= j
    const W = planeWords(n);
    const onehot: Plane[] = [];
    for (let e = 0; e < kk; e++) onehot.push(e + 1 < kk ? xorP(none[e]!, none[e + 1]!) : notS(env.comm.rank, none[e]!));
    // All tables side by side: element (t, i) sits at word t*W + (i >> 5).
    const T = tables.length;
    const X: Planes = { k, n: T * W * 32, W: T * W, words: new Uint32Array(k * T * W) };
    tables.forEach((tab, t) => {
      for (let e = 0; e < kk; e++) {
        let v = BigInt.asUintN(k, tab[e] ?? 0n);
        for (let j = 0; v !== 0n; j++, v >>= 1n) {
          if ((v & 1n) === 0n) continue;
          const dst = X.words.subarray(j * X.W + t * W, j * X.W + (t + 1) * W);
          const h = onehot[e]!;
          for (let w = 0; w < W; w++) dst[w] = dst[w]! ^ (h[w]!);
        }
      }
    });
    const planes: Plane[] = [];
    for (let j = 0; j < k; j++) planes.push(X.words.subarray(j * X.W, (j + 1) * X.W));
    const all = await b2a(env, planes, X.n);
    const L = LIMBS[env.cfg.field];
    return tables.map((_, t) => makeTensor(env.cfg.field, x.shape, all.data.slice(t * W * 32 * L, (t * W * 32 + n) * L)));
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
  topBitLookupA: (_env, x, kk, tables) => {
    const vals = toBigInts(x);
    const top = vals.map((v) => {
      const low = BigInt.asUintN(kk, v);
      return low === 0n ? -1 : low.toString(2).length - 1;
    });
    return Promise.resolve(tables.map((tab) => fromValues(x, top.map((e) => (e < 0 ? 0n : (tab[e] ?? 0n))))));
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
