// The operations SS-LR needs from an SPU program context, named after the SpuContext of @sfw/spu
// (docs/contracts.md). The program is written against this narrow interface so that it runs on the
// real secret-sharing context (spu-adapter.ts) and on a float64 mirror (plain-ops.ts) used for
// debugging a divergence step by step. Every method is SPMD: all ranks call the same sequence.

export type SigType = 't1' | 't3' | 't5' | 'df' | 'sr' | 'mix' | 'real';

export interface LrOps<T> {
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
  /** Fixed-point elementwise product of two secrets. */
  mul(a: T, b: T): Promise<T>;
  /** x * public (a scalar, or a vector broadcast along rows of a column vector of the same length). */
  mulPublic(x: T, p: number | Float64Array): Promise<T>;
  addPublic(x: T, p: number): T;
  sigmoid(x: T, type: SigType): Promise<T>;
  /** Sum of all elements as a 1x1 secret. Local. */
  sumAll(x: T): T;
  /** Maximum of all elements as a 1x1 secret (comparison tree). */
  maxAll(x: T): Promise<T>;
  abs(x: T): Promise<T>;
  rsqrt(x: T): Promise<T>;
  /** 1 where a < b else 0 (secret). */
  less(a: T, b: T): Promise<T>;
}
