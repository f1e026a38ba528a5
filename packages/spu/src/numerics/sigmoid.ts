// The SecretFlow sigmoid family (secretflow/utils/sigmoid.py; reference notes section 2), with the
// exact formulas, on fixed point:
//   t1   0.5 + x/4, clipped to [0, 1]
//   t3   0.5 + x/4 - x^3/48; 0 for x < -2, 1 for x > 2
//   t5   0.5 + x/4 - x^3/48 + x^5/480, clipped to [0, 1]
//   df   0.5 x / (1 + |x|) + 0.5
//   sr   0.5 x / sqrt(1 + x^2) + 0.5
//   mix  ls7 (7th-order least-squares fit) for |x| <= 4, else sr
//   real 1 / (1 + exp(-x))
import type { RingTensor } from '@sfw/ring';
import { abs, clip } from './compare.ts';
import type { Fxp } from './fxp.ts';
import { divPos, expClampBound, expClamped, goldschmidtIters, poly, sqrtRsqrt, type ExpParams } from './numeric.ts';

/** The sigmoid approximations (SecretFlow's sig_type names); the one list every package uses. */
export const SIGMOID_TYPES = ['t1', 't3', 't5', 'df', 'sr', 'mix', 'real'] as const;
export type SigmoidType = (typeof SIGMOID_TYPES)[number];

/** SecretFlow's ls7_sig coefficients, x^0 .. x^7. */
const LS7 = [5.00052959e-1, 2.3517626e-1, -3.97212202e-5, -1.23407424e-2, 4.04588962e-6, 3.94330487e-4, -9.74060972e-8, -4.74674505e-6];

/** ret + [c1](v1 - ret) + [c2](v2 - ret) for exclusive integer bits c1, c2 (jnp.select). */
async function select2(F: Fxp, ret: RingTensor, c1: RingTensor, v1: RingTensor, c2: RingTensor, v2: RingTensor): Promise<RingTensor> {
  const [a, b] = await F.mulMany([[c1, F.sub(v1, ret)], [c2, F.sub(v2, ret)]], null);
  return F.add(F.add(ret, a!), b!);
}

async function sr(F: Fxp, x: RingTensor): Promise<RingTensor> {
  const x2 = await F.mul(x, x);
  const g = 8; // 1/sqrt(1+x^2) kept with g extra bits: |x| * ulp would otherwise dominate
  const r = await sqrtRsqrt(F, F.addC(x2, 1), 'rsqrt', g);
  return F.addC(await F.ak.mulTruncAA(F.env, x, r, F.f + g + 1), 0.5); // 0.5 * x * r
}

export async function sigmoid(F: Fxp, x: RingTensor, type: SigmoidType): Promise<RingTensor> {
  switch (type) {
    case 't1':
      return clip(F, F.addC(await F.trunc(x, 2), 0.5), 0, 1);
    case 't3': {
      const ret = await poly(F, x, [0.5, 0.25, 0, -1 / 48]);
      const [lo, le] = await F.lessPubMany(x, [F.enc(-2), F.enc(2) + 1n]); // x < -2, x <= 2 (one mask)
      return select2(F, ret, lo!, F.constLike(x, 0n), F.oneMinus(le!), F.constLike(x, F.enc(1)));
    }
    case 't5':
      return clip(F, await poly(F, x, [0.5, 0.25, 0, -1 / 48, 0, 1 / 480]), 0, 1);
    case 'df': {
      const d = F.addC(await abs(F, x), 1);
      return F.addC(await F.trunc(await divPos(F, x, d), 1), 0.5);
    }
    case 'sr':
      return sr(F, x);
    case 'mix': {
      const [lo, le] = await F.lessPubMany(x, [F.enc(-4), F.enc(4) + 1n]); // x < -4, x <= 4 (one mask)
      const ls7 = await poly(F, x, LS7, 20); // tiny high-order coefficients need f+20 bits
      const s = await sr(F, x);
      return select2(F, ls7, lo!, s, F.oneMinus(le!), s);
    }
    case 'real':
      return realSigmoid(F, x);
    default: {
      const never: never = type;
      throw new RangeError(`unknown sigmoid type ${String(never)}`);
    }
  }
}

/**
 * exp parameters for t = e^-|x| inside the sigmoid, where only ABSOLUTE accuracy of t matters
 * (s = 1/(1+t) has |ds/dt| <= 1) and the input is <= 0 (so every stage keeps ~k/2 fraction bits).
 * FM64: t = p(y)^16 at y = -|x|/16 in [-1, 0], so an error dp of p moves t by about
 * 16 e^(15 y) dp; p is the degree-4 minimax fit of e^y under that weight (linear programming on
 * 6000 Chebyshev nodes), max |p^16 - e^(16 y)| = 1.7e-7 over [-1, 0]: 4 squarings where the
 * unweighted fit on [-1/4, 0] (5e-8 relative, amplified 64 times) needed 6, for the same polynomial
 * (1 square + 1 ring product). FM128: absolute fit of e^y on [-1/2, 0] (degree 8, 7e-14), 6 squarings.
 */
const SIGMOID_EXP = {
  64: { m: 4, yLo: -1, yHi: 0, hi: 0, coefs: [0.9999999903323417, 0.9999970713480009, 0.4998845963012037, 0.1652955214910098, 0.0357819956262834] },
  128: { m: 6, yLo: -0.5, yHi: 0, hi: 0, coefs: [0.9999999999999409, 0.9999999999887657, 0.49999999939991674, 0.16666665435538064, 0.04166654024214787, 0.008332603397432465, 0.0013864038924066677, 0.0001934370745911223, 1.9304685875779545e-5] },
} as const satisfies Record<64 | 128, ExpParams>;

/**
 * Cubic start for 1/d on [1, 2]: the minimax fit of the relative error (linear programming on 6000
 * Chebyshev nodes), |1 - d y0| <= 1.75e-3 with the coefficients at f = 18 bits, so ONE Goldschmidt
 * iteration gives (1 - d y0)^2 <= 3.1e-6 relative (s < 1: the same absolute). Against the quadratic
 * start and 2 iterations: the cubic term is one product (d^2 times a3 d), the iteration two, so
 * 1 square + 3 products instead of 1 square + 4, in the same 4 rounds.
 */
const RECIP_C = [2.8284228880601483, -2.9393414407415834, 1.3310225409253205, -0.22183709015417644];

/**
 * 1/(1+e^-x) without overflow: t = e^-|x| in (0, 1], s = 1/(1+t) with 1+t in (1, 2] so the
 * reciprocal needs no normalisation (Goldschmidt), and sigmoid = s for
 * x >= 0, 1 - s for x < 0 (one mask-open gives the sign, for |x| and the final select, and exp's clamp).
 */
async function realSigmoid(F: Fxp, x: RingTensor): Promise<RingTensor> {
  const params = SIGMOID_EXP[F.k as 64 | 128];
  const L = expClampBound(F, params);
  // exp's clamp at |x| > L and the sign come from ONE mask (three offsets) instead of two
  // comparisons: b = [x < 0], lo = [x < -L], le = [x <= L], kept as XOR shares. lo implies b and b
  // implies le, so g = [|x| <= L] = lo ^ le and h = [-L <= x < 0] = b ^ lo are local XORs, and
  //   -min(|x|, L) = -L + g (L - |x|) = -L - g (x - L) + 2 h x
  // (x < -L or x > L: g = h = 0; -L <= x < 0: g = h = 1; 0 <= x <= L: g = 1, h = 0): two
  // bit-times-value products of the one value x in ONE round (bitMul opens x's mask once, with the
  // two bits' masks), instead of a B2A round for three bits and a product.
  const eL = F.enc(L);
  // The three bits may err within 2^-6 below their thresholds (the comparison's carry circuit then
  // skips the low f - 6 ring bits, ~20% of its AND gates). The result stays right there: b = 0 for
  // a tiny x < 0 evaluates 1/(1 + e^-x) directly (exp's argument -x <= 2^-6, d <= 2.016, inside
  // what the fit and the start tolerate); the clamp moves by at most 2^-6 around L, where
  // e^-L is below the error budget.
  const bits = await F.lessPubBits(x, [0n, -eL, eL + 1n], Math.max(0, (F.f - 6) & ~1));
  const [gx, hx] = await F.bitMul(bits, x, [{ blocks: [1, 2], shift: -eL }, { blocks: [0, 1], shift: 0n }]);
  const arg = F.addInt(F.sub(F.mulInt(hx!, 2n), gx!), -eL);
  const t = await expClamped(F, arg, params);
  const d = F.addC(t, 1);
  // FM128 keeps the linear start: it needs 3 iterations (f = 40 wants ~1e-12)
  const fm64 = F.k === 64;
  // the start at scale 2f: d and d^2 (scale f) times coefficients at f, and the cubic term
  // d^2 (scale f) times a3 d (scale 2f) truncated by f; |a3 d^3| < 2 keeps it far below 2^(k-3)
  const f2 = 2 * F.f;
  let y0: RingTensor;
  if (fm64) {
    const d2 = await F.square(d);
    const cubic = await F.ak.mulTruncAA(F.env, d2, F.mulInt(d, F.enc(RECIP_C[3]!)), F.f);
    y0 = F.ak.addAP(F.env, F.add(F.linComb([d, d2], [F.enc(RECIP_C[1]!), F.enc(RECIP_C[2]!)]), cubic), F.enc(RECIP_C[0]!, f2));
  } else {
    y0 = F.ak.addAP(F.env, F.mulInt(d, F.enc(-8 / 17)), F.enc(24 / 17, f2));
  }
  const y = await goldschmidtIters(F, d, y0, fm64 ? 1 : 3);
  // x >= 0: s; x < 0: 1 - s  ==  s + b (1 - 2s), b still in its boolean form
  const [sel] = await F.bitMul(bits, F.addC(F.mulInt(y, -2n), 1), [{ blocks: [0], shift: 0n }]);
  return F.add(y, sel!);
}
