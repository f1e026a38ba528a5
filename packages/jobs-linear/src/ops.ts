// The operations SS-LR needs from an SPU program context, named after the SpuContext of @sfw/spu
// (docs/contracts.md). The program is written against this narrow interface so that it runs on the
// real secret-sharing context (spu-adapter.ts) and on a float64 mirror (plain-ops.ts) used for
// debugging a divergence step by step. Every method is SPMD: all ranks call the same sequence.
import type { SigmoidType } from '@sfw/runtime';

/**
 * M is a fixed-mask handle for the feature matrix (SecureML, Mohassel & Zhang 2017, section 4.1):
 * X is masked once by the SPU and every batch product reuses that mask (docs/spu-masked.md).
 */
export interface LrOps<T, M = unknown> {
  shape(x: T): readonly number[];
  /** Concatenation along `axis` (0 = rows, 1 = columns). Local. */
  concat(xs: T[], axis: 0 | 1): T;
  /** Rows [begin, end) of a matrix. Local. */
  sliceRows(x: T, begin: number, end: number): T;
  transpose(x: T): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  /** Fixed-point matrix product of two secrets (Beaver matmul + truncation). */
  matmul(a: T, b: T): Promise<T>;
  /** Masks X once (opens E = X - U; U stays with the dealer). Setup for the two products below. */
  fixedMask(x: T): Promise<M>;
  /** X[begin:end] . w / 2^shift for a secret column w ((d+1) x 1); fixed point (shift is free). */
  maskedMatmul(m: M, begin: number, end: number, w: T, shift?: number): Promise<T>;
  /** X[begin:end]^T . r for a secret column r (b x 1); fixed point. */
  maskedMatmulT(m: M, begin: number, end: number, r: T): Promise<T>;
  /** Frees the mask (the dealer's copy of U). */
  releaseMasked(m: M): Promise<void>;
  /** Fixed-point elementwise product of two secrets. */
  mul(a: T, b: T): Promise<T>;
  /** x * public (a scalar, or a vector broadcast along rows of a column vector of the same length). */
  mulPublic(x: T, p: number | Float64Array): Promise<T>;
  addPublic(x: T, p: number): T;
  sigmoid(x: T, type: SigmoidType): Promise<T>;
  /** min(max(x, lo), hi) elementwise (secret comparisons). */
  clip(x: T, lo: number, hi: number): Promise<T>;
  /** Sum of all elements as a 1x1 secret. Local. */
  sumAll(x: T): T;
  /** Maximum of all elements as a 1x1 secret (comparison tree). */
  maxAll(x: T): Promise<T>;
  abs(x: T): Promise<T>;
  rsqrt(x: T): Promise<T>;
  /** 1 where a < b else 0 (secret). */
  less(a: T, b: T): Promise<T>;
}
