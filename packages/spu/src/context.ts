// SpuContext: what an SPU program receives on every rank (SPMD). Secret values are SecretTensors,
// public values Float64Arrays (fixed-point encoded on the fly). Local ops are synchronous; ops that
// communicate return Promises and are SERIALISED per context: every rank runs its communicating ops
// in program-call order, which keeps the rank-to-rank FIFO channels and the dealer PRG streams
// aligned even if a program fires several ops without awaiting them.
//
// Extending (the boolean/non-linear library does this by module augmentation from its own files):
//   - `kernels` / `env`: the protocol's arithmetic kernels (kernels/types.ts) on RingTensor shares;
//   - `dealer`: the correlation source (SEMI2K; undefined for REF2K): `dealer.take(kind, params)`;
//   - `serial(fn)`: run a multi-step communicating routine as one serialised op. Calls to the public
//     methods from inside `fn` run inline (no deadlock); do not run two kernels concurrently inside.
//   - `wrap(share)` / `unwrap(secret)`: between SecretTensor and this rank's RingTensor share.
import { AsyncLocalStorage } from 'node:async_hooks';
import { decode, encode, sum as ringSum, type RingTensor } from '@sfw/ring';
import type { Comm } from './comm.ts';
import { resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import { CorrelationSource } from './correlation-source.ts';
import { concatShares, reshapeShare, sliceRows, transposeShare } from './layout.ts';
import { ref2k } from './kernels/ref2k.ts';
import { semi2k } from './kernels/semi2k.ts';
import type { ArithProtocol, KernelEnv } from './kernels/types.ts';
import { SecretTensor, shareOf } from './secret-tensor.ts';
import { BufferPool, type ScratchPool } from './pool.ts';

const inSerial = new AsyncLocalStorage<SpuContext>();

export type PublicValues = Float64Array | readonly number[];

export class SpuContext {
  readonly cfg: ResolvedSpuConfig;
  readonly comm: Comm;
  readonly kernels: ArithProtocol;
  readonly dealer: CorrelationSource | undefined;
  readonly env: KernelEnv;
  #tail: Promise<unknown> = Promise.resolve();

  /** Whether `close()` may clear the pool (not when the host lent its own, see SpuContextOptions). */
  readonly #ownsPool: boolean;

  constructor(config: SpuConfig | ResolvedSpuConfig, comm: Comm, options: SpuContextOptions = {}) {
    this.cfg = resolveConfig(config);
    this.comm = comm;
    this.kernels = this.cfg.protocol === 'SEMI2K' ? semi2k : ref2k;
    if (this.cfg.protocol === 'SEMI2K' && this.cfg.beaverType === 'TFP' && comm.rank === 0)
      this.cfg.onWarning('SPU beaverType TFP: rank 0 generates all correlated randomness and knows every seed, so it can recover every secret. Insecure; use only for debugging.');
    const pool = options.pool ?? new BufferPool();
    this.#ownsPool = options.pool === undefined;
    this.dealer = this.cfg.protocol === 'SEMI2K' ? new CorrelationSource(this.cfg, comm, pool) : undefined;
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

  /** Ends the dealer session (TTP). Call once the program is done; idempotent. */
  close(): void {
    this.dealer?.close();
    if (this.#ownsPool) this.env.pool.clear();
  }
}

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
}

export function createSpuContext(config: SpuConfig | ResolvedSpuConfig, comm: Comm, options: SpuContextOptions = {}): SpuContext {
  return new SpuContext(config, comm, options);
}
