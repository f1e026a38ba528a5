// The arithmetic kernel interface every protocol implements (names follow SPU libspu/mpc: operand
// visibility A = arithmetic secret share, P = public). Kernels work on this rank's share as a
// RingTensor; local kernels are synchronous, communicating kernels return Promises and must be
// called in the same order on every rank (SpuContext guarantees that).
import type { RingTensor } from '@sfw/ring';
import type { Comm } from '../comm.ts';
import type { ResolvedSpuConfig } from '../config.ts';
import type { CorrelationSource } from './dealer/source.ts';
import type { ScratchPool } from '../pool.ts';
import type { MaskedState } from './masked-matrix.ts';

/**
 * The one rank environment every kernel of every protocol runs in (arithmetic, boolean, fixed-mask):
 * this rank's config, its links to the other ranks, its dealer connection and its scratch pool.
 */
export interface KernelEnv {
  readonly cfg: ResolvedSpuConfig;
  readonly comm: Comm;
  /** Dealer access (protocols whose record has a correlation table; undefined otherwise). */
  readonly corr: CorrelationSource | undefined;
  /** Scratch tensors for temporaries (see pool.ts for the ownership rules). */
  readonly pool: ScratchPool;
}

export interface ArithProtocol {
  /** Public -> share (no communication). */
  p2a(env: KernelEnv, p: RingTensor): RingTensor;
  /** Open a share to every rank. */
  a2p(env: KernelEnv, x: RingTensor): Promise<RingTensor>;
  addAA(env: KernelEnv, x: RingTensor, y: RingTensor): RingTensor;
  subAA(env: KernelEnv, x: RingTensor, y: RingTensor): RingTensor;
  negA(env: KernelEnv, x: RingTensor): RingTensor;
  /** x + p; p has x's size, or broadcasts as a row vector [n] over an [m, n] x, or is a scalar. */
  addAP(env: KernelEnv, x: RingTensor, p: RingTensor | bigint): RingTensor;
  /** x * p in the ring (no truncation); same broadcasting as addAP. */
  mulAP(env: KernelEnv, x: RingTensor, p: RingTensor | bigint): RingTensor;
  mulAA(env: KernelEnv, x: RingTensor, y: RingTensor): Promise<RingTensor>;
  /** x * x in the ring with a squaring pair (opens n elements instead of 2n). */
  squareA(env: KernelEnv, x: RingTensor): Promise<RingTensor>;
  /** x (m x k, secret) . p (k x n, public). */
  matmulAP(env: KernelEnv, x: RingTensor, p: RingTensor): RingTensor;
  /** p (m x k, public) . x (k x n, secret). */
  matmulPA(env: KernelEnv, p: RingTensor, x: RingTensor): RingTensor;
  matmulAA(env: KernelEnv, x: RingTensor, y: RingTensor): Promise<RingTensor>;
  /** Signed x / 2^bits, rounded down or up (see docs/spu.md for the error bound and range). */
  truncA(env: KernelEnv, x: RingTensor, bits: number): Promise<RingTensor>;
  /** mulAA then truncA, with the correlations requested together (one dealer round trip). */
  mulTruncAA(env: KernelEnv, x: RingTensor, y: RingTensor, bits: number): Promise<RingTensor>;
  squareTruncA(env: KernelEnv, x: RingTensor, bits: number): Promise<RingTensor>;
  matmulTruncAA(env: KernelEnv, x: RingTensor, y: RingTensor, bits: number): Promise<RingTensor>;
}

/**
 * The protocol-specific core of the non-linear library (nonlinear.ts): everything in numerics/ is
 * written once over these and the arithmetic kernels.
 */
export interface NlKernels {
  msbA(env: KernelEnv, x: RingTensor): Promise<RingTensor>;
  eqzA(env: KernelEnv, x: RingTensor): Promise<RingTensor>;
  /**
   * For x whose top set bit among the low kk bits is e, with d = kk-1-e = G j + i: integer 0/1
   * shares of [j == j'] for j' < ceil(kk/G) (all 0 when x = 0), then of [i == i'] for i' < G - 1:
   * the last low digit, [i == G - 1], is 1 minus their sum for x != 0 (one bit conversion fewer), so
   * a table built as a sum over the high digits times a sum over the low ones is still 0 at x = 0.
   * `signed`: x may be negative (the sign comes from the same opening); the digits are then those of
   * (|x| - 1) | 1 for x < 0 (whose top bit puts |x| 2^-e in (1, 2]), followed by one more share,
   * of [x < 0].
   */
  topBitOneHotA(env: KernelEnv, x: RingTensor, kk: number, G: number, signed?: boolean): Promise<RingTensor[]>;
  /** msbA(x - o) for several public ring offsets o of ONE secret x (one mask, one opening). */
  msbOffsetsA(env: KernelEnv, x: RingTensor, offsets: readonly bigint[]): Promise<RingTensor[]>;
  /**
   * msbOffsetsA with the bits kept in the protocol's own bit form (for bitMulA; one round fewer).
   * With `fuzzBits` = j > 0 (even) a bit may come out either way where x - o lies in [-2^j, 0)
   * (in ring units; exact elsewhere, but for x - o within 2^j of the ring's ends): SEMI2K then runs its carry circuit over ring bits j..k-1
   * only, (k-j)/k of the AND gates. For callers whose result is continuous across the threshold.
   */
  msbOffsetsB(env: KernelEnv, x: RingTensor, offsets: readonly bigint[], fuzzBits?: number): Promise<SecretBits>;
  /**
   * b_q (v + t_q) per term q (b_q the XOR of the bit blocks `blocks`, a local operation; t_q a public
   * ring shift): ring products, exact (no truncation), in one round whatever the number of terms.
   */
  bitMulA(env: KernelEnv, bits: SecretBits, v: RingTensor, terms: readonly BitTerm[]): Promise<RingTensor[]>;
}

/** One product of bitMulA: the XOR of bit blocks `blocks` times (v + shift), shift a public ring value. */
export interface BitTerm {
  readonly blocks: readonly number[];
  readonly shift: bigint;
}

/**
 * Secret bits in a protocol's own form, `J` blocks of `n` elements: XOR-shared plane words
 * (SEMI2K; block j = words [j W, (j+1) W), W = ceil(n/32)) or plaintext 0/1 tensors (REF2K).
 */
export interface SecretBits {
  readonly n: number;
  readonly J: number;
  readonly planes?: Uint32Array;
  readonly plain?: readonly RingTensor[];
}

/** Fixed-mask matrix products (SecureML section 4.1; masked.ts). Ring products: no truncation. */
export interface MaskedKernels {
  /** Masks a 2-D X once (opens E = X - U for SEMI2K). */
  fixedMask(env: KernelEnv, x: RingTensor): Promise<MaskedState>;
  /** X[r0:r1] . w ('right') or X[r0:r1]^T . w ('left'), 2f fraction bits for fixed point. */
  matvec(env: KernelEnv, m: MaskedState, r0: number, r1: number, w: RingTensor, side: 'right' | 'left'): Promise<RingTensor>;
  /** Drops the dealer's copy of U (a no-op where there is no dealer). */
  release(env: KernelEnv, m: MaskedState): Promise<void>;
}

/** Whether this rank adds public constants (exactly one rank must, in SEMI2K). */
export function holdsConstants(env: KernelEnv): boolean {
  return env.comm.rank === 0;
}
