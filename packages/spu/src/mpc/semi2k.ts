// SEMI2K: semi-honest N-party additive secret sharing over Z_2^k with a trusted dealer (SPU
// libspu/mpc/semi2k). x = sum_i x_i mod 2^k; rank 0 is the one rank that adds public constants.
// Costs per kernel are in cost.ts and checked against counted traffic in cost.test.ts.
import {
  BlockProgram,
  FIELD_BITS,
  add,
  addScalar,
  beaverMask,
  makeTensor,
  matmul,
  matmulAdd,
  neg,
  sub,
  truncFinish,
  zeros,
  type BeaverMaskOptions,
  type KeyStream,
  type RingTensor,
} from '@sfw/ring';
import type { Correlation } from './dealer/source.ts';
import { openAll, sumPeers } from './open.ts';
import { addPublic, mulPublic, pow2 } from './public.ts';
import { holdsConstants, type ArithProtocol, type KernelEnv } from './types.ts';

function corr(env: KernelEnv) {
  if (env.corr === undefined) throw new Error('SEMI2K kernel needs a dealer connection');
  return env.corr;
}

/**
 * Takes a correlation whose derived parts the kernels below read in their fused passes: off the
 * adjust rank they stay keystreams of the rank's PRG (never expanded into memory and copied into
 * the kernels' scratch), on the adjust rank they are slices of the dealer's answer.
 */
function take(env: KernelEnv, kind: string, params: unknown): Correlation {
  return corr(env).take(kind, params, { streamDerived: true, streamRandom: BlockProgram.available() });
}

/** Elements per kernel thread from which the opening pass below splits (ring's elementwise split). */
const OPEN_SPLIT_MIN = 1 << 17;

/**
 * The first pass of a kernel that opens x_i -/+ r_i for random parts r: outs[i] = xs[i] - r_i
 * (x + r for `add`, plus `constant` on the rank that holds constants), where r_i is this rank's share
 * of random part names[i]. With the parts as keystreams (take's streamRandom: a block program can
 * run), each share is expanded straight into the pass's cache-resident block and, when `keep`, also
 * written to a pooled tensor for the kernel's later pass: no separate draw into memory that the
 * opening then reads back. Otherwise the shares are the drawn tensors. Returns the kept shares.
 */
function openRandom(env: KernelEnv, t: Correlation, names: readonly string[], xs: readonly RingTensor[], outs: readonly RingTensor[], op: 'sub' | 'add', keep: boolean, constant = 0n): RingTensor[] {
  const ks = t.randomStreams;
  const m = names.length;
  const x0 = xs[0]!;
  if (ks === undefined) {
    const drawn = names.map((name) => t.random[name]!);
    drawn.forEach((r, i) => (op === 'sub' ? sub : add)(xs[i]!, r, outs[i]));
    if (constant !== 0n) outs.forEach((o) => addScalar(o, constant, o));
    return drawn;
  }
  const kept = keep ? names.map(() => env.pool.take(x0.field, x0.shape)) : [];
  // Slots: x_i (2i), r_i (2i + 1) | outs_i (2m + i), kept r_i (3m + i).
  const g = new BlockProgram(x0.field, 2 * m, m + kept.length);
  for (let i = 0; i < m; i++) {
    if (op === 'sub') g.sub(2 * i, 2 * i + 1, 2 * m + i);
    else g.add(2 * i, 2 * i + 1, 2 * m + i);
    if (constant !== 0n) g.addScalar(2 * m + i, constant, 2 * m + i);
    if (keep) g.copy(2 * i + 1, 3 * m + i);
  }
  const ins = names.flatMap((name, i) => [xs[i]!, ks[name]!]);
  g.run(x0.size, ins, [...outs, ...kept], OPEN_SPLIT_MIN);
  return kept;
}

/** The derived parts: tensors, or (streamed take) keystreams. */
async function derivedOf(t: Correlation): Promise<Record<string, RingTensor | KeyStream | undefined>> {
  const parts = await t.derived;
  return t.streams === undefined ? parts : { ...parts, ...t.streams };
}

/**
 * `run`'s result, after which t's derived parts are released to the dealer for reuse (no kernel
 * here leaves a result inside them). Not on failure: an unreleased answer is just not reused.
 */
async function releasing(t: Correlation, run: Promise<RingTensor>): Promise<RingTensor> {
  const z = await run;
  t.release();
  return z;
}

/** A derived part that is a tensor (to give back to the pool), undefined for a keystream. */
function tensor(p: RingTensor | KeyStream | undefined): RingTensor | undefined {
  return p !== undefined && 'data' in p ? p : undefined;
}

/** A pooled 2-part buffer [first | second] whose halves are tensors of the given shapes. */
function pair(env: KernelEnv, x: RingTensor, y: RingTensor): [RingTensor, RingTensor, RingTensor] {
  const l = x.field === 'FM64' ? 1 : 2;
  const buf = env.pool.take(x.field, [x.size + y.size]);
  const a = makeTensor(x.field, x.shape, buf.data.subarray(0, x.size * l));
  const b = makeTensor(x.field, y.shape, buf.data.subarray(x.size * l));
  return [buf, a, b];
}

function splitPair(opened: RingTensor, x: RingTensor, y: RingTensor): [RingTensor, RingTensor] {
  const l = opened.field === 'FM64' ? 1 : 2;
  return [makeTensor(opened.field, x.shape, opened.data.subarray(0, x.size * l)), makeTensor(opened.field, y.shape, opened.data.subarray(x.size * l))];
}

// Beaver multiplication (Beaver 1991, "Efficient multiparty protocols using circuit randomization"):
// with a triple (a, b, c = ab) from the dealer,
//   1. each rank sends e_i = x_i - a_i and f_i = y_i - b_i (one message per peer, one round);
//   2. e = x - a and f = y - b are public and uniformly random (a, b uniform), so they reveal nothing;
//   3. z_i = c_i + e*b_i + f*a_i, and rank 0 adds e*f:  sum z_i = ab + eb + fa + ef = xy.
// a_i and b_i come from this rank's PRG stream, so the opening starts before the dealer's answer
// (only c_0 comes from the dealer) and the dealer round trip overlaps the opening.
// The rank keeps no copy of what it sends: ring's beaverMask recomputes x_i - a_i in cache and adds
// the peers' sum there, so the opening costs no separate copy or add pass (docs/ring.md).
// With `mask` (the product is truncated next, with a fused correlation whose c already carries the
// truncation's mask), the same pass writes z_i to `mask.out` (sent) and a copy to `mask.keep` (kept).
interface Mask { out: RingTensor; keep: RingTensor }

function maskOpts(env: KernelEnv, out: RingTensor | undefined, mask: Mask | undefined): BeaverMaskOptions {
  return mask === undefined ? { withEf: holdsConstants(env), out } : { withEf: holdsConstants(env), ...mask };
}

async function beaverMul(env: KernelEnv, x: RingTensor, y: RingTensor, t: Correlation, out?: RingTensor, mask?: Mask): Promise<RingTensor> {
  const [buf, e, f] = pair(env, x, y);
  const [a, b] = openRandom(env, t, ['a', 'b'], [x, y], [e, f], 'sub', true);
  const peers = sumPeers(env.comm, buf, env.pool); // buf is sent: not returned to the pool
  // Both awaited together: a failure of either surfaces here, never as an unhandled rejection.
  const [{ c }, ef] = await Promise.all([derivedOf(t), peers]);
  const [eP, fP] = splitPair(ef, x, y);
  const z = beaverMask(x, a!, eP, y, b!, fP, c!, maskOpts(env, out, mask));
  env.pool.give(a, b, tensor(c), ef);
  return z;
}

// Squaring with a pair (a, c = a^2): open e = x - a only; x^2 = (a + e)^2 = c + 2ea + e^2, so
// z_i = c_i + 2e*a_i (+ e^2 at rank 0). Same idea as Beaver's, half the opening; the same fused pass
// (beaverMask with y = x, b = a, f = e).
async function squarePair(env: KernelEnv, x: RingTensor, t: Correlation, out?: RingTensor, mask?: Mask): Promise<RingTensor> {
  const e = env.pool.take(x.field, x.shape);
  const [a] = openRandom(env, t, ['a'], [x], [e], 'sub', true);
  const peers = sumPeers(env.comm, e, env.pool); // e is sent: not returned to the pool
  const [{ c }, eP] = await Promise.all([derivedOf(t), peers]);
  const z = beaverMask(x, a!, eP, x, a!, eP, c!, maskOpts(env, out, mask));
  env.pool.give(a, tensor(c), eP);
  return z;
}

// A product followed by a truncation (mulTruncAA, squareTruncA), with a fused correlation
// (beaverTrunc / squareTrunc, arith-correlations.ts): the dealer deals c = ab + r + 2^(k-2) for a
// truncation mask r of its own, so the product's shares z_i already are truncPr's masked shares of
// x' + r (step 2 below, x' = xy + 2^(k-2)): the product is never materialised unmasked, no rank
// draws or adds shares of r, and the truncation pair (d, rTop) arrives with the triple.
async function productTrunc(env: KernelEnv, x: RingTensor, bits: number, t: Correlation, product: (mask: Mask) => Promise<RingTensor>): Promise<RingTensor> {
  const pool = env.pool;
  const masked = pool.take(x.field, x.shape);
  const keep = pool.take(x.field, x.shape);
  await product({ out: masked, keep });
  return truncOpened(env, x, bits, t, masked, keep);
}

// Probabilistic truncation with a dealer pair (Escudero, Ghosh, Keller, Rachuri, Scholl 2020,
// Matrix Beaver triple (SecureML, Mohassel & Zhang 2017, section 4.2): C = A.B from the dealer;
// open E = X - A and F = Y - B, then Z_i = C_i + E.B_i + A_i.F (+ E.F at rank 0). Rank 0 folds
// E.F in as E.(B_0 + F), so every rank does two local matrix products; the second accumulates into
// the first in the kernel (ring's matmulAdd: no product array, no addition pass).
// C_i is needed only at the end, so the products start as soon as E and F are open: on rank 0 (whose
// C_0 comes from the dealer) they overlap the dealer's own A.B product instead of waiting for it.
async function beaverMatmul(env: KernelEnv, x: RingTensor, y: RingTensor, t: Correlation, out?: RingTensor): Promise<RingTensor> {
  const { a, b } = t.random;
  const [buf, e, f] = pair(env, x, y);
  sub(x, a!, e);
  sub(y, b!, f);
  // Awaited only after the products: mark it handled now, so that a dealer failure during the
  // opening is not an unhandled rejection (it still surfaces at the await below).
  t.derived.catch(() => undefined);
  const ef = await openAll(env.comm, buf, env.pool);
  const [eo, fo] = splitPair(ef, x, y);
  if (holdsConstants(env)) add(b!, fo, b);
  const z = matmul(eo, b!, out);
  matmulAdd(a!, fo, z);
  const { c } = await t.derived;
  add(z, c!, z);
  env.pool.give(a, b, c, ef);
  return z;
}

// "Improved primitives for MPC over mixed arithmetic-binary circuits", section 5; SPU semi2k
// TruncAPr). Input: shares of x with |x| < 2^(k-2). Dealer: r uniform, and (as arithmetic shares)
// rTop = 2^(k-1-m) * msb(r) and d = rTop - rHi - 2^(k-2-m), rHi = bits m..k-2 of r.
//   1. x' = x + 2^(k-2) lies in [0, 2^(k-1)), so its msb is 0;
//   2. open c = x' + r (uniform: perfectly hides x);
//   3. with c' = c mod 2^(k-1), r' = r mod 2^(k-1): x' = c' - r' + 2^(k-1) w, w = msb(c) XOR msb(r);
//   4. y = floor(c'/2^m) - rHi + 2^(k-1-m) w - 2^(k-2-m) = floor(x / 2^m) + d', d' in {0, 1}
//      (d' is the borrow of the low m bits: 1 with probability (x mod 2^m) / 2^m).
// Evaluated with few ring passes: 2^(k-1-m) w = 2^(k-1-m) msb(c) + rTop (1 - 2 msb(c)), and
// floor(c'/2^m) + 2^(k-1-m) msb(c) = c >>> m, so
//   y = (c >>> m) + d + a * rTop,   a = 2 * (c >> (k-1)) (arithmetic shift: 0 or -2 = -2 msb(c)),
// i.e. y_i = d_i + a * rTop_i (+ c >>> m at rank 0): the public constant is folded into the dealer's d.
// So the error is below one unit in the last place, never larger, for every |x| < 2^(k-2).
async function truncPr(env: KernelEnv, x: RingTensor, bits: number, t: Correlation): Promise<RingTensor> {
  const k = FIELD_BITS[x.field];
  const { r } = t.random;
  // r only masks x: its (pooled, own) buffer takes the masked value, which is then sent. Streamed,
  // r is expanded in the masking pass and never stored.
  const masked = r ?? env.pool.take(x.field, x.shape);
  openRandom(env, t, ['r'], [x], [masked], 'add', false, holdsConstants(env) ? pow2(x.field, k - 2) : 0n);
  const opened = openAll(env.comm, masked, env.pool); // masked is sent: not returned to the pool
  const [{ d, rTop }, c] = await Promise.all([derivedOf(t), opened]);
  // The result is written over the opened c (this rank's own buffer, not read again) in one fused
  // pass (ring's truncFinish); d and rTop (keystreams, or slices of the dealer's answer, which the
  // caller releases) are only read.
  const y = truncFinish(c, rTop!, d!, bits, holdsConstants(env), c);
  env.pool.give(tensor(rTop), tensor(d));
  return makeTensor(x.field, x.shape, y.data);
}

// Steps 2-4 of truncPr when the masked share was computed elsewhere (productTrunc): `masked` is sent,
// `mine` is this rank's kept copy of it; the opened c = mine + the peers' sum inside truncFinish.
async function truncOpened(env: KernelEnv, x: RingTensor, bits: number, t: Correlation, masked: RingTensor, mine: RingTensor): Promise<RingTensor> {
  const peers = sumPeers(env.comm, masked, env.pool); // masked is sent: not returned to the pool
  const [{ d, rTop }, cP] = await Promise.all([derivedOf(t), peers]);
  // The result over this rank's kept copy, as truncPr writes it over c.
  const y = truncFinish(mine, rTop!, d!, bits, holdsConstants(env), mine, cP);
  env.pool.give(tensor(rTop), tensor(d), cP);
  return makeTensor(x.field, x.shape, y.data);
}

function takeTrunc(env: KernelEnv, shape: readonly number[], bits: number): Correlation {
  return take(env, 'truncPr', { shape: [...shape], bits });
}

function checkBits(x: RingTensor, bits: number): void {
  const k = FIELD_BITS[x.field];
  if (!Number.isInteger(bits) || bits < 0 || bits > k - 2) throw new RangeError(`truncation by ${String(bits)} bits is outside [0, ${k - 2}]`);
}

function matmulDims(x: RingTensor, y: RingTensor): number[] {
  if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[1] !== y.shape[0])
    throw new RangeError(`matmul shapes [${x.shape.join(',')}] x [${y.shape.join(',')}] do not fit`);
  return [x.shape[0]!, x.shape[1]!, y.shape[1]!];
}

function checkSameShape(x: RingTensor, y: RingTensor): void {
  if (x.size !== y.size) throw new RangeError(`shapes [${x.shape.join(',')}] and [${y.shape.join(',')}] differ`);
}

export const semi2k: ArithProtocol = {
  p2a: (env, p) => (holdsConstants(env) ? makeTensor(p.field, p.shape, p.data.slice()) : zeros(p.field, p.shape)),
  a2p: (env, x) => openAll(env.comm, makeTensor(x.field, x.shape, x.data.slice()), env.pool),
  addAA: (_env, x, y) => add(x, y),
  subAA: (_env, x, y) => sub(x, y),
  negA: (_env, x) => neg(x),
  addAP: (env, x, p) => (holdsConstants(env) ? addPublic(x, p) : makeTensor(x.field, x.shape, x.data.slice())),
  mulAP: (_env, x, p) => mulPublic(x, p),
  mulAA: (env, x, y) => {
    checkSameShape(x, y);
    const t = take(env, 'beaver', { shape: [...x.shape] });
    return releasing(t, beaverMul(env, x, y, t));
  },
  squareA: (env, x) => {
    const t = take(env, 'square', { shape: [...x.shape] });
    return releasing(t, squarePair(env, x, t));
  },
  squareTruncA: (env, x, bits) => {
    checkBits(x, bits);
    const pair = take(env, 'squareTrunc', { shape: [...x.shape], bits });
    return releasing(pair, productTrunc(env, x, bits, pair, (mask) => squarePair(env, x, pair, undefined, mask)));
  },
  matmulAP: (_env, x, p) => matmul(x, p),
  matmulPA: (_env, p, x) => matmul(p, x),
  matmulAA: (env, x, y) => beaverMatmul(env, x, y, corr(env).take('matmul', { dims: matmulDims(x, y) })),
  truncA: (env, x, bits) => {
    checkBits(x, bits);
    const t = takeTrunc(env, x.shape, bits);
    return releasing(t, truncPr(env, x, bits, t));
  },
  mulTruncAA: (env, x, y, bits) => {
    checkSameShape(x, y);
    checkBits(x, bits);
    const triple = take(env, 'beaverTrunc', { shape: [...x.shape], bits });
    return releasing(triple, productTrunc(env, x, bits, triple, (mask) => beaverMul(env, x, y, triple, undefined, mask)));
  },
  matmulTruncAA: (env, x, y, bits) => {
    const dims = matmulDims(x, y);
    checkBits(x, bits);
    const triple = corr(env).take('matmul', { dims });
    const pairP = takeTrunc(env, [dims[0]!, dims[2]!], bits);
    return beaverMatmul(env, x, y, triple, env.pool.take(x.field, [dims[0]!, dims[2]!])).then(async (z) => {
      const r = await releasing(pairP, truncPr(env, z, bits, pairP));
      env.pool.give(z);
      return r;
    });
  },
};
