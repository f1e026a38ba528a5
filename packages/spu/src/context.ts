// SpuContext: what an SPU program receives on every rank (SPMD), and the whole program-facing API:
// every method a program may call is declared here, in one class. Secret values are SecretTensors,
// public values Float64Arrays (fixed-point encoded on the fly). Local ops are synchronous; ops that
// communicate return Promises and are SERIALISED per context: every rank runs its communicating ops
// in program-call order, which keeps the rank-to-rank FIFO channels and the dealer PRG streams
// aligned even if a program fires several ops without awaiting them.
//
// Layers underneath (docs/spu.md): the protocol record chosen once here from the config
// (protocol.ts: kernels on RingTensor shares, correlations, sharing), and the fixed-point numerics
// written over its kernels (numerics/: comparison, sigmoid, division, exp/log, sqrt, inverse,
// reductions). Writing a new routine:
//   - `serial(fn)`: run a multi-step communicating routine as one serialised op. Calls to the public
//     methods from inside `fn` run inline (no deadlock); do not run two kernels concurrently inside.
//   - `wrap(share)` / `unwrap(secret)`: between SecretTensor and this rank's RingTensor share.
import { AsyncLocalStorage } from 'node:async_hooks';
import { decode, encode, makeTensor, sum as ringSum, type RingTensor } from '@sfw/ring';
import { rowsView } from './mpc/masked-correlations.ts';
import { indicatorRows, scaleColumns } from './mpc/private-dot.ts';
import { codeBytesFor, groupSums } from './mpc/private-group.ts';
import type { Comm } from './comm.ts';
import { resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import type { CorrelationTable } from './mpc/correlation.ts';
import { CorrelationSource } from './mpc/dealer/source.ts';
import { concatShares, reshapeShare, sliceRows, transposeShare } from './layout.ts';
import type { ArithProtocol, KernelEnv } from './mpc/types.ts';
import { protocolOf, type Protocol } from './protocol.ts';
import { SecretTensor, shareOf } from './secret-tensor.ts';
import { BufferPool, type ScratchPool } from './pool.ts';
import { abs, clip, maxMin, relu, sign } from './numerics/compare.ts';
import { Fxp } from './numerics/fxp.ts';
import { inverseNewtonSchulz } from './numerics/inverse.ts';
import { div, exp, log, reciprocal, sqrtRsqrt } from './numerics/numeric.ts';
import { argmax, maxAlong, type ArgmaxOptions } from './numerics/reduce.ts';
import { sigmoid, type SigmoidType } from './numerics/sigmoid.ts';
import { MaskedMatrix, maskedState } from './mpc/masked-matrix.ts';
import { PrivateTensor, privateBits, privateValues } from './private-tensor.ts';

const inSerial = new AsyncLocalStorage<SpuContext>();

export type PublicValues = Float64Array | readonly number[];

/** A comparison operand: a secret, or a public number on one side. */
export type Operand = SecretTensor | number;

/** Rows [start, end) of a masked matrix. */
export type RowRange = readonly [start: number, end: number];

export interface PrivateMatmulOptions {
  /** Rows [start, end) of the blocks to use (default all). */
  readonly rows?: RowRange;
  /** Public division by 2^shift folded into the one truncation (0..16, default 0). */
  readonly shift?: number;
}

export class SpuContext {
  readonly cfg: ResolvedSpuConfig;
  readonly comm: Comm;
  /** The protocol record (kernels, correlations, sharing), chosen once from `cfg.protocol`. */
  readonly protocol: Protocol;
  readonly kernels: ArithProtocol;
  readonly dealer: CorrelationSource | undefined;
  readonly env: KernelEnv;
  #tail: Promise<unknown> = Promise.resolve();

  /** Whether `close()` may clear the pool (not when the host lent its own, see SpuContextOptions). */
  readonly #ownsPool: boolean;
  /** The fixed-point numerics bound to this context's kernels (made on first non-linear use). */
  #fxp: Fxp | undefined;

  constructor(config: SpuConfig | ResolvedSpuConfig, comm: Comm, options: SpuContextOptions = {}) {
    this.cfg = resolveConfig(config);
    this.comm = comm;
    this.protocol = protocolOf(this.cfg);
    this.kernels = this.protocol.arith;
    const correlations = this.protocol.correlations === undefined ? undefined : (options.correlations ?? this.protocol.correlations);
    if (correlations !== undefined && this.cfg.beaverType === 'TFP' && comm.rank === 0)
      this.cfg.onWarning('SPU beaverType TFP: rank 0 generates all correlated randomness and knows every seed, so it can recover every secret. Insecure; use only for debugging.');
    const pool = options.pool ?? new BufferPool();
    this.#ownsPool = options.pool === undefined;
    this.dealer = correlations === undefined ? undefined : new CorrelationSource(this.cfg, comm, correlations, pool);
    this.env = { cfg: this.cfg, comm, corr: this.dealer, pool };
  }

  get rank(): number {
    return this.comm.rank;
  }

  get worldSize(): number {
    return this.comm.worldSize;
  }

  /** Run a communicating routine after all earlier ones (see header). Reentrant. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    if (inSerial.getStore() === this) return fn();
    const run = this.#tail.then(() => inSerial.run(this, fn));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  wrap(share: RingTensor): SecretTensor {
    return new SecretTensor(share);
  }

  unwrap(x: SecretTensor): RingTensor {
    return shareOf(x);
  }

  /** Fixed-point encoding of public values (shape defaults to [values.length]). */
  encodePublic(values: PublicValues, shape?: readonly number[]): RingTensor {
    return encode(values instanceof Float64Array ? values : Float64Array.from(values), this.cfg.field, this.cfg.fxpBits, shape);
  }

  // ---- sharing and revealing ----

  fromPublic(values: PublicValues, shape?: readonly number[]): SecretTensor {
    return this.wrap(this.kernels.p2a(this.env, this.encodePublic(values, shape)));
  }

  /** Reveal to every rank (only for values the algorithm makes public). */
  async revealToAll(x: SecretTensor): Promise<Float64Array> {
    return decode(await this.revealRingToAll(x), this.cfg.fxpBits);
  }

  revealRingToAll(x: SecretTensor): Promise<RingTensor> {
    return this.serial(() => this.kernels.a2p(this.env, shareOf(x)));
  }

  // ---- linear (local) ----

  add(x: SecretTensor, y: SecretTensor): SecretTensor {
    return this.wrap(this.kernels.addAA(this.env, shareOf(x), shareOf(y)));
  }

  sub(x: SecretTensor, y: SecretTensor): SecretTensor {
    return this.wrap(this.kernels.subAA(this.env, shareOf(x), shareOf(y)));
  }

  neg(x: SecretTensor): SecretTensor {
    return this.wrap(this.kernels.negA(this.env, shareOf(x)));
  }

  /** x + p; p is a number, or values of x's size, or a row vector over a 2-D x. */
  addPublic(x: SecretTensor, p: number | PublicValues, pShape?: readonly number[]): SecretTensor {
    const pp = typeof p === 'number' ? this.encodePublic([p], []) : this.encodePublic(p, pShape);
    return this.wrap(this.kernels.addAP(this.env, shareOf(x), typeof p === 'number' ? scalarOf(pp) : pp));
  }

  /** x - p (same forms of p as addPublic). */
  subPublic(x: SecretTensor, p: number | PublicValues, pShape?: readonly number[]): SecretTensor {
    return this.addPublic(x, typeof p === 'number' ? -p : Float64Array.from(p, (v) => -v), pShape);
  }

  /** p - x (same forms of p as addPublic). */
  publicSub(p: number | PublicValues, x: SecretTensor, pShape?: readonly number[]): SecretTensor {
    return this.addPublic(this.neg(x), p, pShape);
  }

  /** x * k for a public integer k (no truncation needed). */
  mulPublicInt(x: SecretTensor, k: number | bigint): SecretTensor {
    if (typeof k === 'number' && !Number.isSafeInteger(k)) throw new RangeError('mulPublicInt needs a safe integer');
    return this.wrap(this.kernels.mulAP(this.env, shareOf(x), BigInt(k)));
  }

  /** Fixed-point x * p for public p (number, same size, or row vector): local product + truncation. */
  mulPublic(x: SecretTensor, p: number | PublicValues, pShape?: readonly number[]): Promise<SecretTensor> {
    const pp = typeof p === 'number' ? this.encodePublic([p], []) : this.encodePublic(p, pShape);
    const prod = this.kernels.mulAP(this.env, shareOf(x), typeof p === 'number' ? scalarOf(pp) : pp);
    return this.serial(async () => this.wrap(await this.kernels.truncA(this.env, prod, this.cfg.fxpBits)));
  }

  /** Fixed-point x (m x k, secret) . p (k x n, public). */
  matmulPublic(x: SecretTensor, p: PublicValues, pShape: readonly number[]): Promise<SecretTensor> {
    const prod = this.kernels.matmulAP(this.env, shareOf(x), this.encodePublic(p, pShape));
    return this.serial(async () => this.wrap(await this.kernels.truncA(this.env, prod, this.cfg.fxpBits)));
  }

  /** Fixed-point p (m x k, public) . x (k x n, secret). */
  publicMatmul(p: PublicValues, pShape: readonly number[], x: SecretTensor): Promise<SecretTensor> {
    const prod = this.kernels.matmulPA(this.env, this.encodePublic(p, pShape), shareOf(x));
    return this.serial(async () => this.wrap(await this.kernels.truncA(this.env, prod, this.cfg.fxpBits)));
  }

  // ---- multiplicative (communicating) ----

  /** Fixed-point elementwise product (Beaver mul + probabilistic truncation). */
  mul(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.mulTruncAA(this.env, shareOf(x), shareOf(y), this.cfg.fxpBits)));
  }

  /** Fixed-point x^2 with a squaring pair (opens n elements, not 2n). */
  square(x: SecretTensor): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.squareTruncA(this.env, shareOf(x), this.cfg.fxpBits)));
  }

  /** Fixed-point matrix product of two secrets. */
  matmul(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.matmulTruncAA(this.env, shareOf(x), shareOf(y), this.cfg.fxpBits)));
  }

  /** Ring product without truncation (integers, or when the caller truncates later). */
  mulRing(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.mulAA(this.env, shareOf(x), shareOf(y))));
  }

  matmulRing(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.matmulAA(this.env, shareOf(x), shareOf(y))));
  }

  /** Signed division by 2^bits (default: the fixed-point fraction bits), error < 1 ulp. */
  truncate(x: SecretTensor, bits: number = this.cfg.fxpBits): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await this.kernels.truncA(this.env, shareOf(x), bits)));
  }

  // ---- shape (local) ----

  /** Sum of all elements (shape []) or along an axis (that dimension removed). */
  sum(x: SecretTensor, axis?: number): SecretTensor {
    return this.wrap(ringSum(shareOf(x), axis));
  }

  transpose(x: SecretTensor): SecretTensor {
    return this.wrap(transposeShare(shareOf(x)));
  }

  reshape(x: SecretTensor, shape: readonly number[]): SecretTensor {
    return this.wrap(reshapeShare(shareOf(x), shape));
  }

  /** Rows [start, end) along axis 0. */
  slice(x: SecretTensor, start: number, end: number): SecretTensor {
    return this.wrap(sliceRows(shareOf(x), start, end));
  }

  concat(xs: readonly SecretTensor[], axis = 0): SecretTensor {
    return this.wrap(concatShares(xs.map(shareOf), axis));
  }

  // ---- comparison (fixed-point 0/1 results, so they mix freely with arithmetic) ----

  /** [x < y] as fixed-point 0/1. Exact for |x - y| < 2^(k-1-f). */
  less(x: Operand, y: Operand): Promise<SecretTensor> {
    return this.#nl(async (F) => F.bitToFxp(await F.msb(this.#diff(F, x, y))));
  }

  greater(x: Operand, y: Operand): Promise<SecretTensor> {
    return this.#nl(async (F) => F.bitToFxp(await F.msb(this.#diff(F, y, x))));
  }

  lessEqual(x: Operand, y: Operand): Promise<SecretTensor> {
    return this.#nl(async (F) => F.bitToFxp(F.oneMinus(await F.msb(this.#diff(F, y, x)))));
  }

  greaterEqual(x: Operand, y: Operand): Promise<SecretTensor> {
    return this.#nl(async (F) => F.bitToFxp(F.oneMinus(await F.msb(this.#diff(F, x, y)))));
  }

  equal(x: Operand, y: Operand): Promise<SecretTensor> {
    return this.#nl(async (F) => F.bitToFxp(await F.eqz(this.#diff(F, x, y))));
  }

  /** cond ? x : y for a fixed-point 0/1 cond (one product). */
  select(cond: SecretTensor, x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.#nl(async (F) => {
      const yy = shareOf(y);
      return F.add(yy, await F.mul(shareOf(cond), F.sub(shareOf(x), yy)));
    });
  }

  abs(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => abs(F, shareOf(x)));
  }

  /** -1 for x < 0, +1 otherwise. */
  sign(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => sign(F, shareOf(x)));
  }

  relu(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => relu(F, shareOf(x)));
  }

  clip(x: SecretTensor, lo: number, hi: number): Promise<SecretTensor> {
    if (!(lo <= hi)) throw new RangeError('clip needs lo <= hi');
    return this.#nl((F) => clip(F, shareOf(x), lo, hi));
  }

  /** Elementwise minimum. */
  min(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.#nl(async (F) => (await maxMin(F, shareOf(x), shareOf(y))).min);
  }

  /** Elementwise maximum. */
  max(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.#nl(async (F) => (await maxMin(F, shareOf(x), shareOf(y))).max);
  }

  /** Max along an axis (tree reduction; default the last axis; 1-D and 2-D inputs). */
  maxAlong(x: SecretTensor, axis?: number): Promise<SecretTensor> {
    return this.#nl((F) => maxAlong(F, shareOf(x), axis));
  }

  /** Index (or one-hot) of a maximum along an axis (tree reduction, secret result). */
  argmax(x: SecretTensor, opts: ArgmaxOptions = {}): Promise<SecretTensor> {
    return this.#nl((F) => argmax(F, shareOf(x), opts));
  }

  // ---- fixed-point numerics ----

  reciprocal(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => reciprocal(F, shareOf(x)));
  }

  div(x: SecretTensor, y: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => div(F, shareOf(x), shareOf(y)));
  }

  sqrt(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => sqrtRsqrt(F, shareOf(x), 'sqrt'));
  }

  rsqrt(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => sqrtRsqrt(F, shareOf(x), 'rsqrt'));
  }

  exp(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => exp(F, shareOf(x)));
  }

  log(x: SecretTensor): Promise<SecretTensor> {
    return this.#nl((F) => log(F, shareOf(x)));
  }

  /** Sigmoid approximation `kind` (SIGMOID_TYPES; default 'real', the most accurate). */
  sigmoid(x: SecretTensor, kind: SigmoidType = 'real'): Promise<SecretTensor> {
    return this.#nl((F) => sigmoid(F, shareOf(x), kind));
  }

  /** Newton-Schulz inverse of a small SPD matrix (default 20 iterations, as SecretFlow VIF). */
  inverse(a: SecretTensor, iters = 20): Promise<SecretTensor> {
    return this.#nl((F) => inverseNewtonSchulz(F, shareOf(a), iters));
  }

  // ---- fixed-mask products (SecureML section 4.1; docs/spu-masked.md) ----

  /**
   * Masks a secret matrix X once: opens E = X - U for a dealer-held uniform U. The result serves any
   * number of maskedMatmul / maskedMatmulT calls on row ranges of X, in this context or later ones
   * on the same cluster. 1 round, (N-1) n d elements per rank.
   */
  fixedMask(x: SecretTensor): Promise<MaskedMatrix> {
    return this.serial(async () => {
      const share = shareOf(x);
      return new MaskedMatrix(await this.protocol.masked.fixedMask(this.env, share));
    });
  }

  /**
   * Fixed point X[rows] . w / 2^shift, w a secret [d, 1] (or [d, k]); result [b, 1] (or [b, k]).
   * 2 rounds, (N-1)(d + b) k elements. `shift` (default 0, at most 16) costs nothing: it joins the
   * one truncation.
   */
  maskedMatmul(m: MaskedMatrix, rows: RowRange, w: SecretTensor, shift = 0): Promise<SecretTensor> {
    return this.#maskedProduct(m, rows, w, 'right', shift);
  }

  /**
   * Fixed point X[rows]^T . r / 2^shift, r a secret [b, 1] (or [b, k]: k vectors in one pass over the
   * mask); result [d, 1] (or [d, k]). 2 rounds, (N-1)(b + d) k elements.
   */
  maskedMatmulT(m: MaskedMatrix, rows: RowRange, r: SecretTensor, shift = 0): Promise<SecretTensor> {
    return this.#maskedProduct(m, rows, r, 'left', shift);
  }

  /** Drops the dealer's copy of U and this handle's buffers. The handle is unusable afterwards. */
  releaseMasked(m: MaskedMatrix): Promise<void> {
    return this.serial(async () => {
      const st = maskedState(m);
      st.released = true;
      await this.protocol.masked.release(this.env, st);
    });
  }

  // ---- products of rank-held plaintext blocks (docs/spu-private.md) ----

  /**
   * A plaintext block held by rank `owner` for its own party: the owner passes the values (row-major
   * [rows, cols] doubles, encoded here as fixed point), every other rank passes none and gets a
   * placeholder with the same public owner and shape. Local; nothing is sent.
   */
  privateInput(owner: number, shape: readonly [number, number], values?: Float64Array): PrivateTensor {
    if (!Number.isInteger(owner) || owner < 0 || owner >= this.worldSize) throw new RangeError(`owner ${String(owner)} is not a rank`);
    const [n, d] = shape;
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || n < 1 || d < 1) throw new RangeError(`private block shape [${shape.join(', ')}] is not a non-empty matrix`);
    if ((values !== undefined) !== (owner === this.rank)) throw new RangeError('exactly the owner rank passes the values of a private block');
    if (values !== undefined && values.length !== n * d) throw new RangeError(`${values.length} values do not fill [${n}, ${d}]`);
    return new PrivateTensor(owner, [n, d], values === undefined ? undefined : encode(values, this.cfg.field, this.cfg.fxpBits, [n, d]));
  }

  /**
   * Fixed point [X_1 | X_2 | ...][rows] . w / 2^shift for rank-held plaintext blocks X_i (same row
   * count) and a secret w of [sum of block columns, k]; result [rows, k], secret. Each owner sends
   * its block masked by a dealer mask (rows x cols elements to each other rank), every rank opens
   * w - B (w-sized) and the rows outputs are truncated once: 2 rounds. Nobody but an owner sees its
   * block; nobody sees w.
   */
  privateMatmul(xs: readonly PrivateTensor[], w: SecretTensor, options: PrivateMatmulOptions = {}): Promise<SecretTensor> {
    return this.serial(async () => {
      const shift = options.shift ?? 0;
      if (!Number.isInteger(shift) || shift < 0 || shift > 16) throw new RangeError(`shift ${String(shift)} is outside [0, 16]`);
      const n = xs[0]?.shape[0];
      if (n === undefined) throw new RangeError('privateMatmul needs at least one block');
      if (xs.some((x) => !(x instanceof PrivateTensor) || x.shape[0] !== n)) throw new RangeError('private blocks must be PrivateTensors with the same row count');
      const [r0, r1] = options.rows ?? [0, n];
      if (r1 > n) throw new RangeError(`rows [${r0}, ${r1}) outside the ${n} block rows`);
      const blocks = xs.map((x) => ({ owner: x.owner, values: privateValues(x), cols: x.shape[1] }));
      const y = await this.protocol.privateProduct.matvec(this.env, blocks, r0, r1, shareOf(w));
      return this.wrap(await this.kernels.truncA(this.env, y, this.cfg.fxpBits + shift));
    });
  }

  /**
   * A 0/1 block held by rank `owner` (one byte per element, nonzero = 1), standing for the ring
   * integers 0 and 1 (not fixed point): reachability or membership indicators. Same contract as
   * privateInput (only the owner passes values; local, nothing is sent); kept as bytes, so
   * privateDotRing builds each row chunk (scaled, with weights) straight from them.
   */
  privateIndicators(owner: number, shape: readonly [number, number], bits?: Uint8Array): PrivateTensor {
    if (!Number.isInteger(owner) || owner < 0 || owner >= this.worldSize) throw new RangeError(`owner ${String(owner)} is not a rank`);
    const [n, d] = shape;
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || n < 1 || d < 1) throw new RangeError(`private block shape [${shape.join(', ')}] is not a non-empty matrix`);
    if ((bits !== undefined) !== (owner === this.rank)) throw new RangeError('exactly the owner rank passes the values of a private block');
    if (bits !== undefined && bits.length !== n * d) throw new RangeError(`${bits.length} values do not fill [${n}, ${d}]`);
    return new PrivateTensor(owner, [n, d], undefined, bits === undefined ? undefined : { field: this.cfg.field, bits });
  }

  /**
   * Row-wise inner products of two rank-held blocks of the same shape [n, d] owned by two different
   * ranks: rowsum(X ⊙ Y) as a secret [n, 1], a ring product (no truncation: exact for ring
   * integers; fixed point times fixed point would carry 2f fraction bits). With `oddWeights` w, a
   * secret [d, 1]: rowsum(X ⊙ Y ⊙ (2w + 1)) (odd weights are what split without leaking; the
   * caller removes the rowsum(X ⊙ Y) part, e.g. when it is public). Each owner sends its block,
   * masked once, to the other owner only (n d elements, one round per row chunk of `chunkRows`);
   * the weighted form adds two rounds of d-sized messages. docs/spu-private.md.
   */
  privateDotRing(x: PrivateTensor, y: PrivateTensor, options: { oddWeights?: SecretTensor; chunkRows?: number } = {}): Promise<SecretTensor> {
    return this.serial(async () => {
      if (!(x instanceof PrivateTensor) || !(y instanceof PrivateTensor)) throw new RangeError('privateDotRing needs two PrivateTensors');
      const [n, d] = x.shape;
      if (y.shape[0] !== n || y.shape[1] !== d) throw new RangeError(`private blocks [${x.shape.join(', ')}] and [${y.shape.join(', ')}] differ in shape`);
      if (x.owner === y.owner) throw new RangeError('privateDotRing needs blocks of two different ranks (one rank can multiply its own block locally)');
      const chunk = options.chunkRows ?? Math.max(1, Math.floor(DOT_CHUNK_ELEMENTS / d));
      if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError(`chunkRows ${String(options.chunkRows)} is not a positive integer`);
      const dot = this.protocol.privateDot;
      let scale: RingTensor | undefined;
      if (options.oddWeights !== undefined) {
        const w = shareOf(options.oddWeights);
        if (w.size !== d) throw new RangeError(`weights of ${w.size} elements do not fit ${d} block columns`);
        scale = await dot.splitOdd(this.env, makeTensor(w.field, [d, 1], w.data), x.owner, y.owner, (p, q) => this.kernels.mulAA(this.env, p, q));
      }
      // Chunk tensors this call makes (from byte blocks, or scaled) go back to the pool after use;
      // views of a caller's block never do.
      const made: RingTensor[] = [];
      const view = (t: PrivateTensor, r0: number, r1: number): RingTensor | undefined => {
        const bits = privateBits(t);
        if (bits !== undefined) {
          const c = indicatorRows(this.cfg.field, bits, r0, r1, d, scale, this.env.pool.take(this.cfg.field, [r1 - r0, d]));
          made.push(c);
          return c;
        }
        const v = privateValues(t);
        if (v === undefined) return undefined;
        const rows = rowsView(v, r0, r1);
        if (scale === undefined) return rows;
        const c = scaleColumns(rows, scale);
        made.push(c);
        return c;
      };
      const parts: RingTensor[] = [];
      for (let r0 = 0; r0 < n; r0 += chunk) {
        const r1 = Math.min(n, r0 + chunk);
        parts.push(await dot.rowDot(this.env, { owner: x.owner, values: view(x, r0, r1) }, { owner: y.owner, values: view(y, r0, r1) }, 0, r1 - r0, d));
        this.env.pool.give(...made.splice(0));
      }
      return this.wrap(parts.length === 1 ? parts[0]! : concatShares(parts, 0));
    });
  }

  /**
   * Grouped sums of a private vector by another rank's private group codes, **learnt by the vector's
   * owner**: `values` [n, 1] (held by rank a) and `codes` [n, F] (held by rank b != a, integers,
   * column f's in [0, groups[f])); the result is, column after column, the sum of `values` over the
   * rows of each group: [sum of groups, 1]. It is returned as a SecretTensor whose value rank a's
   * share carries whole (every other rank holds zeros): a knows it; reveal it to a's party only.
   * b shuffles v obliviously (a permutation per column that only b and the dealer know) and sends a
   * the shuffled v with its codes in the same order (docs/spu-private.md), so a learns, per column,
   * the multiset of pairs (v_i, code_i) and nothing that links rows or columns. For a 0/1 vector that
   * is exactly each group's row count and count of ones; for other values it is more than the sums,
   * so pass 0/1 vectors when the sums are all that may be disclosed. b learns nothing about v.
   * Cost: 2 rounds; n elements a -> b, n F elements and n F codes b -> a, n F from the dealer.
   */
  privateGroupSums(values: PrivateTensor, codes: PrivateTensor, groups: readonly number[]): Promise<SecretTensor> {
    return this.serial(async () => {
      if (!(values instanceof PrivateTensor) || !(codes instanceof PrivateTensor)) throw new RangeError('privateGroupSums needs two PrivateTensors');
      const [n, one] = values.shape;
      const [nc, f] = codes.shape;
      if (one !== 1 || nc !== n) throw new RangeError(`values [${values.shape.join(', ')}] and codes [${codes.shape.join(', ')}] do not fit: expected [n, 1] and [n, F]`);
      if (groups.length !== f || !groups.every((g) => Number.isSafeInteger(g) && g >= 1 && g <= 2 ** 31)) throw new RangeError(`groups must be ${f} positive integers`);
      if (values.owner === codes.owner) throw new RangeError('privateGroupSums needs blocks of two different ranks');
      const maxGroups = Math.max(...groups);
      let ints: Int32Array | undefined;
      const held = privateValues(codes);
      if (held !== undefined) {
        const d = decode(held, this.cfg.fxpBits);
        ints = new Int32Array(d.length);
        for (let i = 0; i < d.length; i++) {
          const c = d[i]!;
          // Checked before anything is sent; the message names no value.
          if (!Number.isInteger(c) || c < 0 || c >= groups[i % f]!) throw new RangeError(`privateGroupSums: a code of column ${i % f} is not an integer in [0, ${groups[i % f]!})`);
          ints[i] = c;
        }
      }
      const s = await this.protocol.privateGroup.shuffle(this.env, { owner: values.owner, values: privateValues(values) }, { owner: codes.owner, codes: ints }, n, f, codeBytesFor(maxGroups));
      const total = groups.reduce((x, g) => x + g, 0);
      return this.wrap(s === undefined ? makeTensor(this.cfg.field, [total, 1]) : groupSums(this.cfg.field, s, n, groups));
    });
  }

  /** One serialised non-linear op over this context's fixed-point numerics. */
  #nl(fn: (F: Fxp) => Promise<RingTensor>): Promise<SecretTensor> {
    return this.serial(async () => this.wrap(await fn((this.#fxp ??= new Fxp(this.env, this.kernels, this.protocol.nonlinear)))));
  }

  /**
   * Fixed point: the protocol's ring product, then one truncation by f + shift bits (a public
   * division by 2^shift folded into the truncation, e.g. the x/4 of SecretFlow's t1 sigmoid).
   */
  #maskedProduct(m: MaskedMatrix, rows: RowRange, v: SecretTensor, side: 'right' | 'left', shift: number): Promise<SecretTensor> {
    return this.serial(async () => {
      if (!Number.isInteger(shift) || shift < 0 || shift > 16) throw new RangeError(`shift ${String(shift)} is outside [0, 16]`);
      const y = await this.protocol.masked.matvec(this.env, maskedState(m), rows[0], rows[1], shareOf(v), side);
      return this.wrap(await this.kernels.truncA(this.env, y, this.cfg.fxpBits + shift));
    });
  }

  /** x - y where either side may be a public number. */
  #diff(F: Fxp, x: Operand, y: Operand): RingTensor {
    if (typeof x === 'number' && typeof y === 'number') throw new TypeError('compare needs at least one secret operand');
    if (typeof y === 'number') return F.addC(shareOf(x as SecretTensor), -y);
    if (typeof x === 'number') return F.addC(F.neg(shareOf(y)), x);
    return F.sub(shareOf(x), shareOf(y));
  }

  /** Ends the dealer session (TTP). Call once the program is done; idempotent. */
  close(): void {
    this.dealer?.close();
    if (this.#ownsPool) this.env.pool.clear();
  }
}

/**
 * Elements per row chunk of privateDotRing (2^21: 16 MiB per FM64 tensor; a chunk's mask, message
 * and product stay a few such tensors however many rows there are).
 */
const DOT_CHUNK_ELEMENTS = 1 << 21;

function scalarOf(t: RingTensor): bigint {
  return t.field === 'FM64' ? t.data[0]! : (t.data[1]! << 64n) | t.data[0]!;
}

export interface SpuContextOptions {
  /**
   * Scratch memory for kernel temporaries. By default each context has its own pool, cleared by
   * `close()`. A host that runs many programs in one thread may lend one pool to all of them so that
   * later runs reuse warm memory (fresh large buffers cost first-touch page faults); the host then
   * clears it itself (at the end of a task). The pool contract is in pool.ts.
   */
  pool?: ScratchPool;
  /**
   * A correlation table to ask the dealer from instead of the protocol's (tests that define extra
   * kinds); the dealer must serve the same table.
   */
  correlations?: CorrelationTable;
}

export function createSpuContext(config: SpuConfig | ResolvedSpuConfig, comm: Comm, options: SpuContextOptions = {}): SpuContext {
  return new SpuContext(config, comm, options);
}
