// The arithmetic kernel interface every protocol implements (names follow SPU libspu/mpc: operand
// visibility A = arithmetic secret share, P = public). Kernels work on this rank's share as a
// RingTensor; local kernels are synchronous, communicating kernels return Promises and must be
// called in the same order on every rank (SpuContext guarantees that).
import type { RingTensor } from '@sfw/ring';
import type { Comm } from '../comm.ts';
import type { ResolvedSpuConfig } from '../config.ts';
import type { CorrelationSource } from '../correlation-source.ts';
import type { ScratchPool } from '../pool.ts';

export interface KernelEnv {
  readonly cfg: ResolvedSpuConfig;
  readonly comm: Comm;
  /** Dealer access (SEMI2K only; undefined for REF2K). */
  readonly corr: CorrelationSource | undefined;
  /** Scratch tensors for temporaries (see pool.ts for the ownership rules). */
  readonly pool: ScratchPool;
}

export interface ArithProtocol {
  readonly name: 'SEMI2K' | 'REF2K';
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

/** Whether this rank adds public constants (exactly one rank must, in SEMI2K). */
export function holdsConstants(env: KernelEnv): boolean {
  return env.comm.rank === 0;
}
