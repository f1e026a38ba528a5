// Fixed-point helpers over one rank's shares (RingTensor), bound to a protocol's arithmetic
// kernels and non-linear kernels. `mulMany` batches independent products into one opening so a
// step of an iteration costs one round whatever its width.
import { FIELD_BITS, LIMBS, add, makeTensor, mulScalar, type FieldType, type RingTensor } from '@sfw/ring';
import type { ArithProtocol, KernelEnv } from '../mpc/types.ts';
import type { ScratchPool } from '../pool.ts';
import type { BitTerm, NlKernels, SecretBits } from '../mpc/types.ts';

export class Fxp {
  readonly env: KernelEnv;
  readonly ak: ArithProtocol;
  readonly nk: NlKernels;
  readonly f: number;
  readonly field: FieldType;
  readonly k: number;

  constructor(env: KernelEnv, ak: ArithProtocol, nk: NlKernels) {
    this.env = env;
    this.ak = ak;
    this.nk = nk;
    this.f = env.cfg.fxpBits;
    this.field = env.cfg.field;
    this.k = FIELD_BITS[this.field];
  }

  /** round(c * 2^bits) as a ring constant (two's complement for negatives). */
  enc(c: number, bits = this.f): bigint {
    return BigInt(Math.round(c * 2 ** Math.min(bits, 52))) << BigInt(Math.max(0, bits - 52));
  }

  add = (x: RingTensor, y: RingTensor): RingTensor => this.ak.addAA(this.env, x, y);
  sub = (x: RingTensor, y: RingTensor): RingTensor => this.ak.subAA(this.env, x, y);
  neg = (x: RingTensor): RingTensor => this.ak.negA(this.env, x);
  /** x + c for a public real c. */
  addC = (x: RingTensor, c: number): RingTensor => this.ak.addAP(this.env, x, this.enc(c));
  /** x + i for a public ring integer i (no scaling). */
  addInt = (x: RingTensor, i: bigint): RingTensor => this.ak.addAP(this.env, x, i);
  /** x * i for a public integer i (exact, no truncation). */
  mulInt = (x: RingTensor, i: bigint): RingTensor => this.ak.mulAP(this.env, x, i);
  /**
   * sum_t c_t x_t for public ring integers c_t (exact). Local in every protocol (addAA and mulAP are
   * the ring's add and mulScalar on the shares in both), accumulated in place with one pooled
   * scratch tensor: the same passes as mulInt + add per term, without an n-sized tensor per term.
   */
  linComb(xs: readonly RingTensor[], cs: readonly bigint[]): RingTensor {
    let acc: RingTensor | undefined;
    let tmp: RingTensor | undefined;
    xs.forEach((x, t) => {
      const c = cs[t]!;
      if (c === 0n) return;
      if (acc === undefined) { acc = mulScalar(x, c); return; }
      if (c === 1n) { add(acc, x, acc); return; }
      tmp ??= this.env.pool.take(this.field, x.shape);
      add(acc, mulScalar(x, c, tmp), acc);
    });
    if (tmp !== undefined) this.env.pool.give(tmp);
    return acc ?? mulScalar(xs[0]!, 0n);
  }
  /** Fixed-point x * c for public real c: c is encoded with f + g bits, one truncation by f + g. */
  mulC(x: RingTensor, c: number, g = 0): Promise<RingTensor> {
    return this.ak.truncA(this.env, this.ak.mulAP(this.env, x, this.enc(c, this.f + g)), this.f + g);
  }
  trunc = (x: RingTensor, bits: number): Promise<RingTensor> => this.ak.truncA(this.env, x, bits);
  mul = (x: RingTensor, y: RingTensor): Promise<RingTensor> => this.ak.mulTruncAA(this.env, x, y, this.f);
  mulRing = (x: RingTensor, y: RingTensor): Promise<RingTensor> => this.ak.mulAA(this.env, x, y);
  /** x^2 truncated by `bits` (square correlation: one opening instead of two). */
  square = (x: RingTensor, bits = this.f): Promise<RingTensor> => this.ak.squareTruncA(this.env, x, bits);

  /** Several independent fixed-point products in one round (operands concatenated). */
  async mulMany(pairs: readonly (readonly [RingTensor, RingTensor])[], truncBits: number | null = this.f): Promise<RingTensor[]> {
    if (pairs.length === 1) {
      const [x, y] = pairs[0]!;
      return [truncBits === null ? await this.mulRing(x, y) : await this.ak.mulTruncAA(this.env, x, y, truncBits)];
    }
    const pool = this.env.pool;
    const xs = cat(pairs.map((p) => p[0]), pool);
    const ys = cat(pairs.map((p) => p[1]), pool);
    const z = truncBits === null ? await this.mulRing(xs, ys) : await this.ak.mulTruncAA(this.env, xs, ys, truncBits);
    pool.give(xs, ys); // concatenation scratch: the kernel has consumed it
    return split(z, pairs.map((p) => p[0]));
  }

  /** Public constant tensor shaped like x (as a share: p2a). */
  constLike(x: RingTensor, c: bigint): RingTensor {
    const t = makeTensor(this.field, x.shape);
    return this.ak.addAP(this.env, this.ak.p2a(this.env, t), c);
  }

  msb = (x: RingTensor): Promise<RingTensor> => this.nk.msbA(this.env, x);
  eqz = (x: RingTensor): Promise<RingTensor> => this.nk.eqzA(this.env, x);

  /** msb of several tensors in one circuit. */
  async msbMany(xs: readonly RingTensor[]): Promise<RingTensor[]> {
    if (xs.length === 1) return [await this.msb(xs[0]!)];
    const all = cat(xs, this.env.pool);
    const b = await this.msb(all);
    this.env.pool.give(all);
    return split(b, xs);
  }

  /** Integer bits [x < c_j] for public reals c_j: one mask and one opening for all of them. */
  lessPubMany(x: RingTensor, cs: readonly bigint[]): Promise<RingTensor[]> {
    return this.nk.msbOffsetsA(this.env, x, cs);
  }

  /** [x < 0] kept in the protocol's bit form, for bitMul. */
  msbBits = (x: RingTensor): Promise<SecretBits> => this.nk.msbOffsetsB(this.env, x, [0n]);

  /** b (v + t) for one bit block (default the first) and a public ring shift t (default 0). */
  async bitMul1(bits: SecretBits, v: RingTensor, shift = 0n, block = 0): Promise<RingTensor> {
    return (await this.nk.bitMulA(this.env, bits, v, [{ blocks: [block], shift }]))[0]!;
  }

  /**
   * lessPubMany with the bits kept in the protocol's bit form, for bitMul (one round fewer).
   * `fuzzBits` = j: a bit may come out either way for x - c in [-2^j, 0) ring units (msbOffsetsB).
   */
  lessPubBits(x: RingTensor, cs: readonly bigint[], fuzzBits = 0): Promise<SecretBits> {
    return this.nk.msbOffsetsB(this.env, x, cs, fuzzBits);
  }

  /** b_q (v + t_q), b_q the XOR of bit blocks, t_q public ring shifts: exact, one round for all. */
  bitMul(bits: SecretBits, v: RingTensor, terms: readonly BitTerm[]): Promise<RingTensor[]> {
    return this.nk.bitMulA(this.env, bits, v, terms);
  }

  /** Integer bit b -> fixed-point 0/1. */
  bitToFxp = (b: RingTensor): RingTensor => this.mulInt(b, 1n << BigInt(this.f));
  /** 1 - b for an integer bit b. */
  oneMinus = (b: RingTensor): RingTensor => this.addInt(this.neg(b), 1n);
  /** 1 - 2b for an integer bit b (a sign in {1, -1}). */
  signOf = (b: RingTensor): RingTensor => this.addInt(this.mulInt(b, -2n), 1n);
}

/** Flat concatenation (shapes dropped); in pooled scratch when a pool is given. */
export function cat(ts: readonly RingTensor[], pool?: ScratchPool): RingTensor {
  const f = ts[0]!.field;
  const L = LIMBS[f];
  const n = ts.reduce((s, t) => s + t.size, 0);
  const out = pool ? pool.take(f, [n]) : makeTensor(f, [n]);
  let off = 0;
  for (const t of ts) {
    out.data.set(t.data, off);
    off += t.size * L;
  }
  return out;
}

/** Inverse of cat: pieces shaped like `likes`, as views into `t` (which the caller hands over). */
export function split(t: RingTensor, likes: readonly RingTensor[]): RingTensor[] {
  const L = LIMBS[t.field];
  let off = 0;
  return likes.map((l) => {
    const piece = makeTensor(t.field, l.shape, t.data.subarray(off, off + l.size * L));
    off += l.size * L;
    return piece;
  });
}
