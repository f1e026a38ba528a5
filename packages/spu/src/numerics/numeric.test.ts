// Numerics and sigmoids against float64 on the quantised inputs, over random values and the edges
// of each documented domain, asserting |got - ref| <= atol + rtol |ref| with the bounds of
// docs/spu-nonlinear.md. SEMI2K 2 and 3 parties, FM64 and FM128; REF2K runs the same algorithm.
import { describe, expect, it } from 'vitest';
import { FIELD_BITS, decode, encode } from '@sfw/ring';
import { resolveConfig } from '../config.ts';
import { cfgOf, runFloat } from '../__tests__/nl-testutil.ts';
import type { SpuContext } from '../context.ts';
import type { SecretTensor } from '../secret-tensor.ts';

export const BOUNDS = {
  FM64: {
    reciprocal: [4e-6, 4e-5], div: [1e-5, 4e-5], sqrt: [4e-6, 4e-5], rsqrt: [4e-6, 5e-5],
    exp: [3e-4, 5e-4], log: [2e-5, 0], sigmoidFormula: [2e-5, 0], sigmoidReal: [4e-5, 0],
  },
  FM128: {
    reciprocal: [2e-8, 2e-7], div: [2e-7, 2e-7], sqrt: [2e-8, 2e-7], rsqrt: [2e-8, 2e-7],
    exp: [4e-6, 4e-5], log: [2e-7, 0], sigmoidFormula: [3e-7, 0], sigmoidReal: [1.5e-6, 0],
  },
} as const;

const setups = [
  ['SEMI2K', 'FM64', 2, 0],
  ['SEMI2K', 'FM64', 3, 0],
  ['SEMI2K', 'FM128', 2, 0],
  ['SEMI2K', 'FM128', 3, 0],
  ['SEMI2K', 'FM128', 2, 40], // the stats components' override (ss_pearsonr, ss_vif)
  ['REF2K', 'FM64', 2, 0],
  ['REF2K', 'FM128', 2, 0],
] as const;

/** Deterministic spread of values: log-uniform magnitudes in [lo, hi], both signs if `signed`. */
function spread(n: number, lo: number, hi: number, signed: boolean, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    const mag = Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
    out.push(signed && i % 2 === 1 ? -mag : mag);
  }
  return out;
}

const sig = {
  t1: (x: number) => Math.min(1, Math.max(0, 0.5 + 0.25 * x)),
  t3: (x: number) => (x < -2 ? 0 : x > 2 ? 1 : 0.5 + 0.25 * x - x ** 3 / 48),
  t5: (x: number) => Math.min(1, Math.max(0, 0.5 + 0.25 * x - x ** 3 / 48 + x ** 5 / 480)),
  df: (x: number) => 0.5 * (x / (1 + Math.abs(x))) + 0.5,
  sr: (x: number) => 0.5 * (x / Math.sqrt(1 + x * x)) + 0.5,
  mix: (x: number) => {
    const c = [5.00052959e-1, 2.3517626e-1, -3.97212202e-5, -1.23407424e-2, 4.04588962e-6, 3.94330487e-4, -9.74060972e-8, -4.74674505e-6];
    return Math.abs(x) > 4 ? 0.5 * (x / Math.sqrt(1 + x * x)) + 0.5 : c.reduce((s, ci, i) => s + ci * x ** i, 0);
  },
  real: (x: number) => 1 / (1 + Math.exp(-x)),
} as const;

describe.each(setups)('%s %s %i parties, fxp %i: numerics', (proto, field, N, fxp) => {
  const cfg = cfgOf(proto, field, fxp);
  const f = resolveConfig(cfg).fxpBits;
  const ulp = 2 ** -f;
  const B = BOUNDS[field];
  const big = Math.min(1e15, 0.9 * 2 ** (FIELD_BITS[field] - 2 - 2 * f)); // inside the normalisation domain 2^(k-2-2f)
  const q = (v: readonly number[]) => decode(encode(Float64Array.from(v), field, f), f);

  async function check(
    name: string,
    xs: Float64Array,
    ys: Float64Array | null,
    prog: (c: SpuContext, a: SecretTensor, b: SecretTensor | undefined) => Promise<SecretTensor>,
    ref: (x: number, y: number) => number,
    [atol, rtol]: readonly [number, number],
  ): Promise<void> {
    const n = xs.length;
    const ins = [{ values: xs, shape: [n] }, ...(ys ? [{ values: ys, shape: [n] }] : [])];
    const { out } = await runFloat(cfg, N, ins, (c, [a, b]) => prog(c, a!, b));
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const r = ref(xs[i]!, ys?.[i] ?? 0);
      const err = Math.abs(out[i]! - r);
      const bound = atol + rtol * Math.abs(r);
      worst = Math.max(worst, err / bound);
      if (!(err <= bound)) expect.fail(`${name}: x=${xs[i]} y=${ys?.[i]} got ${out[i]} want ${r} (err ${err.toExponential(2)} > ${bound.toExponential(2)})`);
    }
    expect(worst).toBeLessThanOrEqual(1);
  }

  it('reciprocal and div over [1 ulp .. 2^26 / 2^74] of both signs', async () => {
    const xs = q([...spread(60, 64 * ulp, big, true, 7), ulp * 64, -ulp * 64, 1, -1, big, -big]);
    await check('reciprocal', xs, null, (c, a) => c.reciprocal(a), (x) => 1 / x, [B.reciprocal[0] + 0 * ulp, B.reciprocal[1]]);
    const ys = q(spread(xs.length, 1e-2, 1e3, true, 11));
    const num = q(spread(xs.length, 1e-3, 1e3, true, 13));
    await check('div', num, ys, (c, a, b) => c.div(a, b!), (x, y) => x / y, B.div);
  });

  it('edge: sqrt(0) = 0, and reciprocal/rsqrt of 0 give 0 (documented, no infinity in fixed point)', async () => {
    const z = new Float64Array([0, 0, 4]);
    await check('sqrt0', z, null, (c, a) => c.sqrt(a), Math.sqrt, B.sqrt);
    await check('rsqrt0', z, null, (c, a) => c.rsqrt(a), (x) => (x === 0 ? 0 : 1 / Math.sqrt(x)), B.rsqrt);
    await check('recip0', z, null, (c, a) => c.reciprocal(a), (x) => (x === 0 ? 0 : 1 / x), B.reciprocal);
  });

  it('sqrt and rsqrt over (0, 2^26 / 2^74]', async () => {
    const xs = q([...spread(60, 16 * ulp, big, false, 3), 16 * ulp, 1, 2, 3, 4, big]);
    await check('sqrt', xs, null, (c, a) => c.sqrt(a), Math.sqrt, B.sqrt);
    await check('rsqrt', xs, null, (c, a) => c.rsqrt(a), (x) => 1 / Math.sqrt(x), B.rsqrt);
  });

  it('exp over [-1000, 17 / 50] (clamped below where e^x < ulp / 16) and log over (0, 2^26 / 2^74]', async () => {
    const hi = Math.min(40, Math.floor((FIELD_BITS[field] - 2 - 2 * f) * Math.LN2) - 1);
    const xs = q([...spread(30, 1e-4, hi, true, 5), 0, ulp, -ulp, hi, -hi, -40, -1000, -33, -31]);
    await check('exp', xs, null, (c, a) => c.exp(a), Math.exp, B.exp);
    const ps = q([...spread(60, 16 * ulp, big, false, 9), 1, 16 * ulp, big]);
    await check('log', ps, null, (c, a) => c.log(a), Math.log, B.log);
  });

  it.each(Object.keys(sig) as (keyof typeof sig)[])('sigmoid %s matches SecretFlow\'s formula', async (t) => {
    const lim = t === 't5' ? 25 : 60;
    const xs = q([...spread(40, 1e-3, lim, true, 17), 0, ulp, -ulp, 2, -2, 4, -4, 4.01, -4.01, lim, -lim]);
    await check(`sigmoid ${t}`, xs, null, (c, a) => c.sigmoid(a, t), sig[t], t === 'real' ? B.sigmoidReal : B.sigmoidFormula);
  });
});
