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
import { divPos, exp, poly, sqrtRsqrt, type ExpParams } from './numeric.ts';

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
 * (s = 1/(1+t) has |ds/dt| <= 1): the clamp can sit at -16 (e^-16 = 1.1e-7 is below the FM64 ulp
 * and below the FM128/26 bound), so 3 squarings of a Taylor polynomial at y = -|x|/8 in [-2, 0]
 * suffice. Degree 6 on FM64 (truncation error of t <= 8 * max_y |R_6(y)| e^(8y) ~ 2e-6 at y ~ -1,
 * plus rounding amplified 8x instead of 16x), degree 8 on FM128 with f <= 26 (~2e-8). Saves 3
 * (FM64) / 1+3 (FM128) products against the general exp. High-precision configs (f > 26) keep the
 * general parameters.
 */
function sigmoidExpParams(F: Fxp): ExpParams | undefined {
  if (F.k === 64) return { m: 3, d: 6 };
  return F.f <= 26 ? { m: 3, d: 8 } : undefined;
}

/**
 * 1/(1+e^-x) without overflow: t = e^-|x| in (0, 1], s = 1/(1+t) with 1+t in (1, 2] so the
 * reciprocal needs no normalisation (Goldschmidt from y0 = 24/17 - 8d/17, 3 iterations), and
 * sigmoid = s for x >= 0, 1 - s for x < 0 (one msb serves both |x| and the final select).
 */
async function realSigmoid(F: Fxp, x: RingTensor): Promise<RingTensor> {
  const b = await F.msb(x);
  const sgn = F.signOf(b);
  const ax = await F.mulRing(sgn, x);
  const t = await exp(F, F.neg(ax), sigmoidExpParams(F));
  const d = F.addC(t, 1);
  let y = F.addC(await F.mulC(d, -8 / 17), 24 / 17);
  let e = F.addC(F.neg(await F.mul(d, y)), 1);
  for (let i = 0; i < 3; i++) {
    const [ny, ne] = await F.mulMany(i === 2 ? [[y, F.addC(e, 1)]] : [[y, F.addC(e, 1)], [e, e]]);
    y = ny!;
    if (ne !== undefined) e = ne;
  }
  // x >= 0: s; x < 0: 1 - s  ==  s + b (1 - 2s)
  return F.add(y, await F.mulRing(b, F.addC(F.mulInt(y, -2n), 1)));
}
