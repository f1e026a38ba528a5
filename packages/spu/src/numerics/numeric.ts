// Fixed-point numerics: reciprocal, division, sqrt/rsqrt, exp, log. Written once over Fxp, so REF2K
// and SEMI2K run the same algorithm (and REF2K measures the pure approximation error).
// Domains and bounds are in docs/spu-nonlinear.md; numbers below come from a float64 simulation of
// the fixed-point pipeline with floor truncation (see the doc's "how the parameters were chosen").
import type { RingTensor } from '@sfw/ring';
import type { Fxp } from './fxp.ts';

/**
 * Headroom constant of the normalisation: F = 2^(K-e) for the top bit e of a positive x, with
 * K = k - 3 - f, so x*F < 2^(K+1) and y*F < 2^(k-2) (the probabilistic truncation's range).
 * Inputs must satisfy x < 2^(K+1-f) as reals: FM64/f=18 -> 2^26, FM128/f=26 -> 2^74.
 */
export const normK = (F: Fxp): number => F.k - 3 - F.f;

/** Largest positive input of reciprocal/rsqrt/log (exclusive). */
export const normDomainMax = (F: Fxp): number => 2 ** (normK(F) + 1 - F.f);

/**
 * Powers x^1..x^d with ceil(log2 d) rounds (x^(2^l + j) = x^(2^l) * x^j, batched per level); each
 * product truncated by `bits` (the scale of x).
 */
export async function powers(F: Fxp, x: RingTensor, d: number, bits = F.f): Promise<RingTensor[]> {
  const pw: RingTensor[] = [x, x]; // pw[i] = x^i (index 0 unused)
  for (let lo = 1; lo < d; lo *= 2) {
    const pairs: [RingTensor, RingTensor][] = [];
    for (let i = lo + 1; i <= Math.min(2 * lo, d); i++) pairs.push([pw[lo]!, pw[i - lo]!]);
    // the first level is x * x alone: the square kernel opens one value instead of two
    const out = pairs.length === 1 && pairs[0]![0] === pairs[0]![1] ? [await F.square(x, bits)] : await F.mulMany(pairs, bits);
    out.forEach((t, q) => { pw[lo + 1 + q] = t; });
  }
  return pw;
}

/**
 * sum_i c_i x^i with one truncation: coefficients are encoded with f + g bits, products summed at
 * scale 2f + g, then truncated by f + g (one rounding instead of one per term).
 */
export async function poly(F: Fxp, x: RingTensor, coefs: readonly number[], g = 8): Promise<RingTensor> {
  return F.trunc(await polyRaw(F, x, coefs, g), F.f + g);
}

/** poly() before its truncation: the sum at scale 2^(2f+g) (callers may add more terms first). */
export async function polyRaw(F: Fxp, x: RingTensor, coefs: readonly number[], g: number): Promise<RingTensor> {
  const pw = await powers(F, x, coefs.length - 1);
  let acc = F.constLike(x, F.enc(coefs[0]!, 2 * F.f + g));
  for (let i = 1; i < coefs.length; i++) if (coefs[i] !== 0) acc = F.add(acc, F.mulInt(pw[i]!, F.enc(coefs[i]!, F.f + g)));
  return acc;
}

/**
 * polyRaw with the terms split at h = ceil(d/2) (one step of Paterson & Stockmeyer):
 * p = A(x) + x^h B(x) with deg A < h and deg B = d - h, so only x^1..x^h are computed and x^h B is
 * one more product: 1 square + (h - 1) products + 1 for the split instead of the d - 1 products
 * of every power (degree 6: 3 instead of 5; degree 10: 5 instead of 9). B is truncated by f
 * (keeping f + g bits), so x^h B lands at A's scale 2f + g.
 */
export async function polySplitRaw(F: Fxp, x: RingTensor, coefs: readonly number[], g: number, xBits = F.f, coefBits = F.f + g): Promise<RingTensor> {
  const d = coefs.length - 1;
  const h = Math.ceil(d / 2);
  const pw = await powers(F, x, h, xBits);
  const sum = (cs: readonly number[]): RingTensor => {
    let acc = F.constLike(x, F.enc(cs[0]!, xBits + coefBits));
    for (let i = 1; i < cs.length; i++) if (cs[i] !== 0) acc = F.add(acc, F.mulInt(pw[i]!, F.enc(cs[i]!, coefBits)));
    return acc;
  };
  const bRaw = sum(coefs.slice(h));
  // |x^h B| < 1 for every caller (|x| <= 1, |B| < 1). Where its exact product at scale
  // 2 xBits + coefBits stays below 2^(k-2) (the truncation's range), B's truncation rides on the
  // product: one fused product-and-truncation (beaverTrunc) instead of a truncation and then a
  // ring product, in the same two rounds, and x^h B is rounded once at A's scale.
  if (2 * xBits + coefBits <= F.k - 2) return F.add(sum(coefs.slice(0, h)), await F.ak.mulTruncAA(F.env, pw[h]!, bRaw, xBits));
  const b = await F.trunc(bRaw, xBits);
  return F.add(sum(coefs.slice(0, h)), await F.mulRing(pw[h]!, b));
}

/**
 * The top set bit of x as two one-hot digits of d = kk-1-e = G j + i (mpc topBitOneHotA): all J
 * high digits, the low digits but the last ([i == G - 1] = 1 - the others' sum for x != 0).
 */
interface TopBit {
  readonly kk: number;
  readonly G: number;
  readonly hi: readonly RingTensor[];
  readonly lo: readonly RingTensor[];
}

/** Digit base: about sqrt(kk) (fewest bit conversions) and even, so parities of e need only i. */
const digitBase = (kk: number): number => 2 * Math.ceil(Math.sqrt(kk) / 2);

/**
 * A table over the top-bit position e written as u_j + v_i over the digits of d = kk-1-e = G j + i;
 * throws when T does not separate (a design error, caught by every test of the op).
 */
function splitTable(tb: TopBit, T: (e: number) => number): { u: number[]; v: number[] } {
  const { kk, G } = tb;
  const v = Array.from({ length: G }, (_, i) => T(kk - 1 - i));
  const u = Array.from({ length: tb.hi.length }, (_, j) => T(kk - 1 - G * j) - v[0]!);
  for (let d = 0; d < kk; d++) if (u[Math.floor(d / G)]! + v[d % G]! !== T(kk - 1 - d)) throw new RangeError('table does not separate over the digits');
  return { u, v };
}

/** sum_t c_t h_t for one-hot shares h_t and public integers c_t: local. */
function combine(F: Fxp, hs: readonly RingTensor[], cs: readonly bigint[]): RingTensor {
  return F.linComb(hs, cs);
}

/**
 * sum_i c_i lo_i over all G low digits, the last one implicit: c_last + sum_{i < G-1} (c_i - c_last) lo_i
 * (local; at x = 0, where no digit is set, this is c_last, which the high side's 0 cancels in a
 * product table).
 */
function combineLo(F: Fxp, lo: readonly RingTensor[], cs: readonly bigint[]): RingTensor {
  const last = cs[cs.length - 1]!;
  return F.addInt(combine(F, lo, cs.slice(0, -1).map((c) => BigInt.asUintN(F.k, c - last))), BigInt.asUintN(F.k, last));
}

/** T(e) for an additive table (local: exactly one digit of each kind is set). */
function addTable(F: Fxp, tb: TopBit, T: (e: number) => number): RingTensor {
  const { u, v } = splitTable(tb, T);
  return F.add(combine(F, tb.hi, u.map(BigInt)), combineLo(F, tb.lo, v.map(BigInt)));
}

/** The factor pairs of 2^T(e) for tables whose exponents separate (one exact product each). */
function powTables(F: Fxp, tb: TopBit, Ts: readonly ((e: number) => number)[]): (readonly [RingTensor, RingTensor])[] {
  const pairs = Ts.map((T) => {
    const { u, v } = splitTable(tb, T);
    const lift = Math.min(...u); // move the common offset into v so every exponent is >= 0
    const uu = u.map((a) => a - lift), vv = v.map((b) => b + lift);
    if (vv.some((b) => b < 0)) throw new RangeError('power table has a negative exponent');
    return [combine(F, tb.hi, uu.map((a) => 1n << BigInt(a))), combineLo(F, tb.lo, vv.map((b) => 1n << BigInt(b)))] as const;
  });
  return pairs;
}

/**
 * Normalises a positive x = m * 2^(e-f), m in [1, 2): returns m (fixed point), fac = 2^(K-e) and
 * the extra power tables 2^T(e), with the one-hot digits for additive tables. One top-bit
 * conversion, one round of table products, one product and one truncation.
 */
async function normalise(F: Fxp, x: RingTensor, pows: readonly ((e: number) => number)[] = []): Promise<{ m: RingTensor; fac: RingTensor; pows: RingTensor[]; tb: TopBit }> {
  const K = normK(F);
  const kk = K + 1;
  const G = digitBase(kk);
  const digits = await F.nk.topBitOneHotA(F.env, x, kk, G);
  const J = digits.length - (G - 1);
  const tb: TopBit = { kk, G, hi: digits.slice(0, J), lo: digits.slice(J) };
  const [fac, ...rest] = await F.mulMany(powTables(F, tb, [(e) => K - e, ...pows]), null);
  const m = await F.ak.mulTruncAA(F.env, x, fac!, K - F.f);
  return { m, fac: fac!, pows: rest, tb };
}

/**
 * Normalises x != 0 of either sign from ONE bit decomposition (the kernel's signed mode: the sign
 * comes out of the same masked opening as the top bit): fac = 2^(K-e) for the top bit e of |x|, so
 * m = x fac = sign(x) |x| 2^(K-e) with |m| in [1, 2] (2 only for x < 0, from the top bit of |x| - 1),
 * and s = [x < 0] as a 0/1 share. 1/m is odd, so the Goldschmidt start value takes the sign
 * linearly (goldschmidt's `neg`): no |x| product before and no sign product after.
 */
async function normaliseSigned(F: Fxp, x: RingTensor): Promise<{ m: RingTensor; fac: RingTensor; neg: RingTensor }> {
  const K = normK(F);
  const kk = K + 1;
  const G = digitBase(kk);
  const out = await F.nk.topBitOneHotA(F.env, x, kk, G, true);
  const J = out.length - G;
  const tb: TopBit = { kk, G, hi: out.slice(0, J), lo: out.slice(J, J + G - 1) };
  const [fac] = await F.mulMany(powTables(F, tb, [(e) => K - e]), null);
  const m = await F.ak.mulTruncAA(F.env, x, fac!, K - F.f);
  return { m, fac: fac!, neg: out[J + G - 1]! };
}

/**
 * 1/x for x > 0 (Catrina & Saxena FC'10 normalisation + Goldschmidt iterations as in SPU's
 * reciprocal_goldschmidt_positive): m in [1,2), y0 = 24/17 - 8m/17 (|1 - m y0| <= 1/17),
 * then e <- 1 - m y0 and three rounds of y <- y(1+e), e <- e^2 (the two products batched).
 * Result = y * 2^(K-e) / 2^(K-f).
 */
export async function reciprocalPos(F: Fxp, x: RingTensor, iters = 3, extraBits = 0): Promise<RingTensor> {
  const { m, fac } = await normalise(F, x);
  return goldschmidt(F, m, fac, iters, extraBits);
}

/**
 * 1/m for m in [1, 2] scaled back by fac (see reciprocalPos). With `neg` (0/1 shares of [m < 0],
 * |m| in [1, 2]) the start value is the odd extension -sign(m) y0(|m|) = (1 - 2 neg) 24/17 - 8m/17,
 * linear in neg; m y0 and hence every later error term equal those of |m|.
 */
async function goldschmidt(F: Fxp, m: RingTensor, fac: RingTensor, iters: number, extraBits: number, neg?: RingTensor): Promise<RingTensor> {
  // y0 = 24/17 - 8m/17 is left at scale 2f (no truncation of its own)
  const c = F.enc(24 / 17, 2 * F.f);
  let y0 = F.ak.addAP(F.env, F.mulInt(m, F.enc(-8 / 17)), c);
  if (neg !== undefined) y0 = F.sub(y0, F.mulInt(neg, 2n * c));
  const y = await goldschmidtIters(F, m, y0, iters);
  // extraBits > 0 keeps that many more fraction bits (for a following product, see divPos).
  return F.ak.mulTruncAA(F.env, y, fac, normK(F) - F.f - extraBits);
}

/**
 * Goldschmidt's iterations for 1/m from a start y0 given at scale 2f (one truncation fewer for the
 * start): m y0 and y0 (1 + e) are < 2^(3f+2) for m, y0 < 2, inside the truncation's range for every
 * supported f (3f + 2 <= k - 4), and come back to scale f there. Returns 1/m at scale f.
 */
export async function goldschmidtIters(F: Fxp, m: RingTensor, y0: RingTensor, iters: number): Promise<RingTensor> {
  const f = F.f, F2 = 2n ** BigInt(f);
  let e = F.addC(F.neg(await F.ak.mulTruncAA(F.env, m, y0, 2 * f)), 1);
  let y = y0;
  for (let i = 0; i < iters; i++) {
    const last = i === iters - 1;
    // the first step truncates by 2f (y0's scale); e^2 joins it as (e 2^f) e
    const bits = i === 0 ? 2 * f : f;
    const pairs: [RingTensor, RingTensor][] = [[y, F.addC(e, 1)]];
    if (!last) pairs.push([i === 0 ? F.mulInt(e, F2) : e, e]);
    const [ny, ne] = await F.mulMany(pairs, bits);
    y = ny!;
    if (ne !== undefined) e = ne;
  }
  return y;
}

/**
 * Goldschmidt iterations for the public reciprocal/div: after i iterations the relative error is
 * e0^(2^i) <= (1/17)^(2^i): 2 iterations give 1.2e-5 relative, inside the FM64 rtol of 4e-5 (f = 18:
 * ulp 3.8e-6), and save 2n of the 5n products; FM128 (ulp 1.5e-8 at f = 26) keeps 3. Uses where
 * the error budget is absolute and already tight (sigmoid df, real) keep 3.
 */
export const publicRecipIters = (F: Fxp): number => (F.k === 64 ? 2 : 3);

/** 1/x for any non-zero x in the domain: sign handled by one msb and one product. */
export async function reciprocal(F: Fxp, x: RingTensor): Promise<RingTensor> {
  const { m, fac, neg } = await normaliseSigned(F, x);
  return goldschmidt(F, m, fac, publicRecipIters(F), 0, neg);
}

/**
 * Extra fraction bits of the reciprocal inside a division: 1/y in plain fixed point has relative
 * error ulp*|y|, so x * (1/y) would lose precision for large y. With g more bits the error is
 * |x| 2^-(f+g); the price is the quotient range |x/y| < 2^(k-2-2f-g) (FM64: 2^20, FM128: 2^54).
 */
export const divExtraBits = (F: Fxp): number => (F.k === 64 ? 6 : 20);
export const divQuotientMax = (F: Fxp): number => 2 ** (F.k - 2 - 2 * F.f - divExtraBits(F));

/** x / y for y > 0. */
export async function divPos(F: Fxp, x: RingTensor, y: RingTensor, iters = 3): Promise<RingTensor> {
  const g = divExtraBits(F);
  return F.ak.mulTruncAA(F.env, x, await reciprocalPos(F, y, iters, g), F.f + g);
}

/** x / y for y != 0: |y| and its sign from one msb, quotient sign applied exactly. */
export async function div(F: Fxp, x: RingTensor, y: RingTensor): Promise<RingTensor> {
  const g = divExtraBits(F);
  const { m, fac, neg } = await normaliseSigned(F, y);
  return F.ak.mulTruncAA(F.env, x, await goldschmidt(F, m, fac, publicRecipIters(F), g, neg), F.f + g);
}

/**
 * sqrt and 1/sqrt of x > 0: normalise to m' = m * 2^p in [1, 4) with p = (e - f) mod 2, then
 * Goldschmidt's square-root iteration (g -> sqrt(m'), h -> 1/(2 sqrt(m'))): r = 3/2 - g h,
 * g <- g r, h <- h r, from y0 = 1.061 - 0.151 m' (|1 - m' y0^2| <= 0.172). 3 iterations for FM64,
 * 4 for FM128. Scale back by 2^(-t) with t = floor((e - f)/2) through a second looked-up table.
 */
export async function sqrtRsqrt(F: Fxp, x: RingTensor, want: 'sqrt' | 'rsqrt', extraBits = 0): Promise<RingTensor> {
  const K = normK(F), f = F.f;
  const K2 = Math.ceil((K - f) / 2) + 1; // >= max t, so 2^(K2 - t) is an integer
  const tOf = (e: number): number => Math.floor((e - f) / 2);
  // rsqrt scale 2^(K2 - t); sqrt scale 2^(K2 + t + ceil(f/2)) (t >= -f/2 keeps the exponent >= 0)
  const { m, pows, tb } = await normalise(F, x, [(e) => (want === 'rsqrt' ? K2 - tOf(e) : K2 + tOf(e) + Math.ceil(f / 2))]);
  const parity = addTable(F, tb, (e) => (((e - f) % 2) + 2) % 2);
  const mp = F.add(m, await F.mulRing(parity, m)); // m' = m (1 + p)
  const y0 = F.addC(await F.mulC(mp, -0.151), 1.061);
  // h2 carries 2h (h2 = y0 at the start, no product for y0 / 2); g h = g h2 / 2 is one truncation by f + 1
  let g = await F.mul(mp, y0);
  let h2 = y0;
  const iters = F.k === 64 ? 3 : 4;
  for (let i = 0; i < iters; i++) {
    const r = F.addC(F.neg(await F.ak.mulTruncAA(F.env, g, h2, F.f + 1)), 1.5);
    [g, h2] = (await F.mulMany([[g, r], [h2, r]])) as [RingTensor, RingTensor];
  }
  // rsqrt(m') = 2h; sqrt(m') = g.
  const base = want === 'rsqrt' ? h2 : g;
  const shift = want === 'rsqrt' ? K2 : K2 + Math.ceil(f / 2);
  return F.ak.mulTruncAA(F.env, base, pows[0]!, shift - extraBits);
}

/** Largest input of exp: the last squaring's product must stay below 2^(k-2) (minus a margin). */
export const expDomainMax = (F: Fxp): number => Math.floor((F.k - 2 - 2 * F.f) * Math.LN2) - 1;

/**
 * exp parameters: p = a degree-d fit of e^y on [yLo, yHi] (numpy least squares on Chebyshev nodes,
 * reweighted towards minimax; `rel`: relative error, else absolute), evaluated at y = x / 2^m and
 * squared m times. `hi` is the largest input, which fixes how many fraction bits each stage can keep.
 */
export interface ExpParams {
  readonly m: number;
  readonly coefs: readonly number[];
  readonly yLo: number;
  readonly yHi: number;
  readonly hi: number;
}

/** Relative fits of e^y: degree 5 on [-0.5, 0.55] (max relative error 3.3e-6), degree 10 on [-0.5, 0.8] (1e-12). */
const EXP_FIT = {
  64: { m: 5, yLo: -0.5, yHi: 0.55, coefs: [1.0000005039097615, 0.9999930668263431, 0.49995331449482644, 0.1667669625371195, 0.042196806888900124, 0.008100268355865334] },
  128: { m: 6, yLo: -0.5, yHi: 0.8, coefs: [0.9999999999998388, 1.0000000000007703, 0.5000000000265656, 0.16666666664967697, 0.041666665989520846, 0.00833333348049741, 0.001388895011458504, 0.00019841086942929114, 2.477806085409625e-5, 2.7679596373312284e-6, 3.0916958555907026e-7] },
} as const;

/** The public exp: relative accuracy up to expDomainMax. */
export function expParams(F: Fxp): ExpParams {
  const fit = EXP_FIT[F.k as 64 | 128];
  const hi = expDomainMax(F);
  return { ...fit, m: Math.max(fit.m, Math.ceil(Math.log2(hi / fit.yHi))), hi };
}

/**
 * exp(x) = p(x / 2^m)^(2^m) with the lower side clamped where e^x is far below one ulp (one
 * comparison; keeps p inside its fitted interval for any negative input). Every stage keeps as many
 * fraction bits as its range allows below 2^(k-3) (y = x exactly at scale f + m, the polynomial and
 * the early squarings at up to ~k/2 bits, only the last squaring at f), so rounding is not
 * amplified 2^m times and a low-degree fit suffices; the squarings use the cheaper square kernel.
 */
export async function exp(F: Fxp, x: RingTensor, params: ExpParams = expParams(F)): Promise<RingTensor> {
  const L = expClampBound(F, params);
  // x < -L, kept XOR-shared: x + [x < -L] (-x - L) in one bit-times-value round
  const below = await F.msbBits(F.addC(x, L));
  return expClamped(F, F.add(x, await F.bitMul1(below, F.neg(x), -F.enc(L))), params);
}

/** The integer L where exp() clamps its input: e^-L < ulp / 16, and -L / 2^m inside the fit. */
export const expClampBound = (F: Fxp, params: ExpParams): number => Math.min(-params.yLo * 2 ** params.m, Math.ceil((F.f + 4) * Math.LN2));

/** exp() for an input already clamped to [-expClampBound, hi] (a caller that has the comparison). */
export async function expClamped(F: Fxp, xc: RingTensor, params: ExpParams): Promise<RingTensor> {
  const { coefs, hi } = params;
  const m = params.m, f = F.f, k = F.k;
  // scale s[j] of the value after j squarings: its square must stay below 2^(k-3)
  const s: number[] = [];
  s[m] = f;
  for (let j = m - 1; j >= 0; j--) s[j] = Math.floor((k - 3 - 2 * Math.max(0, (hi * 2 ** j) / 2 ** m) * Math.LOG2E) / 2);
  const sp = s[0]!; // y = xc / 2^m is xc itself read at scale f + m; powers at scale sp
  const y = sp >= f + m ? F.mulInt(xc, 1n << BigInt(sp - f - m)) : await F.trunc(xc, f + m - sp);
  const gc = k - 4 - sp; // coefficient bits: |sum| <= e^|y| < 2 keeps the sum below 2^(k-3)
  // split evaluation (A + y^h B): y^h B < 2^(sp+gc) as |y| < 1 and |B| < 1
  let p = await F.trunc(await polySplitRaw(F, y, coefs, 0, sp, gc), gc);
  for (let j = 0; j < m; j++) p = await F.square(p, 2 * s[j]! - s[j + 1]!);
  return p;
}

/**
 * Fits of ln(1+t) on [0,1] (numpy Chebyshev.fit on 2000 Chebyshev nodes; FM64 reweighted towards
 * minimax): FM64 degree 6, max error 1.3e-6 (a third of an ulp at f = 18: degree 8 bought 3e-8
 * that the final rounding hides, for 2 more products); FM128 degree 10, 8.1e-10.
 */
const LN1P = {
  64: [1.27959995549487e-6, 0.9998615407485911, -0.49753461194234583, 0.31643560842319046, -0.19168127850101158, 0.08387041000685992, -0.01780704673334802],
  128: [8.14316114539082e-10, 0.9999997950542541, -0.49999142843426214, 0.3331919586648146, -0.2487844934012595, 0.1937523982348557, -0.14586608414093005, 0.09548718735349228, -0.047666521604569426, 0.015342280159542886, -0.0023179127333250297],
} as const;

/** ln(x) for x > 0: x = m 2^(e-f); ln x = ln1p(m - 1) + (e - f) ln 2, (e - f) looked up with 2^K. */
export async function log(F: Fxp, x: RingTensor): Promise<RingTensor> {
  const { m, tb } = await normalise(F, x);
  const g = 8;
  // (e - f) ln 2 joins the polynomial's sum at scale 2f+g, so ln 2 carries f+g+f bits and the
  // whole result is rounded once.
  const acc = await polySplitRaw(F, F.addC(m, -1), LN1P[F.k as 64 | 128], g);
  return F.trunc(F.add(acc, F.mulInt(addTable(F, tb, (e) => e - F.f), F.enc(Math.LN2, 2 * F.f + g))), F.f + g);
}
