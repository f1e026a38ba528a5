// Maps LrOps onto the SPU program context (the SpuContext of @sfw/spu, seen structurally: jobs do
// not import the protocol package, docs/contracts.md). Linear ops are local share arithmetic;
// matmul/mul are Beaver products with probabilistic truncation; comparisons and the sigmoid
// approximations come from the non-linear library that extends the context.
import type { LrOps, SigType } from './ops.ts';

/** An opaque secret handle (SecretTensor): only its public shape is visible. */
export interface Secret {
  readonly shape: readonly number[];
}

/** The part of the SPU context SS-LR uses (linear part: @sfw/spu context.ts; non-linear: issue 4). */
export interface SpuCtx {
  readonly rank: number;
  readonly worldSize: number;
  readonly cfg: { readonly field: 'FM64' | 'FM128'; readonly fxpBits: number; readonly protocol: string };
  fromPublic(values: Float64Array | readonly number[], shape?: readonly number[]): Secret;
  add(x: Secret, y: Secret): Secret;
  sub(x: Secret, y: Secret): Secret;
  addPublic(x: Secret, p: number): Secret;
  mulPublic(x: Secret, p: number | Float64Array, pShape?: readonly number[]): Promise<Secret>;
  mul(x: Secret, y: Secret): Promise<Secret>;
  matmul(x: Secret, y: Secret): Promise<Secret>;
  sum(x: Secret, axis?: number): Secret;
  transpose(x: Secret): Secret;
  reshape(x: Secret, shape: readonly number[]): Secret;
  slice(x: Secret, start: number, end: number): Secret;
  concat(xs: readonly Secret[], axis?: number): Secret;
  unwrap(x: Secret): { field: 'FM64' | 'FM128'; shape: readonly number[]; size: number; data: BigUint64Array };
  wrap(share: { field: 'FM64' | 'FM128'; shape: readonly number[]; size: number; data: BigUint64Array }): Secret;
}

/** Non-linear operations (the SPU non-linear library augments the context with these). */
export interface SpuNonlinear {
  sigmoid(x: Secret, type: SigType): Promise<Secret>;
  less(x: Secret, y: Secret): Promise<Secret>;
  abs(x: Secret): Promise<Secret>;
  rsqrt(x: Secret): Promise<Secret>;
  max(x: Secret, y: Secret): Promise<Secret>;
  clip(x: Secret, lo: number, hi: number): Promise<Secret>;
}

/** A fixed-mask handle of @sfw/spu (`MaskedMatrix`): opaque, public shape only. */
export interface MaskedHandle {
  readonly shape: readonly number[];
}

/** Fixed-mask products (@sfw/spu src/masked, SecureML section 4.1), installed on the context. */
export interface SpuMasked {
  fixedMask(x: Secret): Promise<MaskedHandle>;
  maskedMatmul(m: MaskedHandle, rows: readonly [number, number], w: Secret, shift?: number): Promise<Secret>;
  maskedMatmulT(m: MaskedHandle, rows: readonly [number, number], r: Secret): Promise<Secret>;
  releaseMasked(m: MaskedHandle): Promise<void>;
}

function masked(ctx: SpuCtx): SpuMasked {
  const c = ctx as unknown as Partial<SpuMasked>;
  if (!c.fixedMask || !c.maskedMatmul || !c.maskedMatmulT || !c.releaseMasked)
    throw new Error('the SPU context has no fixed-mask products: @sfw/spu src/masked is not loaded');
  return {
    fixedMask: (x) => c.fixedMask!.call(ctx, x),
    maskedMatmul: (m, rows, w, shift) => c.maskedMatmul!.call(ctx, m, rows, w, shift),
    maskedMatmulT: (m, rows, r) => c.maskedMatmulT!.call(ctx, m, rows, r),
    releaseMasked: (m) => c.releaseMasked!.call(ctx, m),
  };
}

function nonlinear(ctx: SpuCtx): SpuNonlinear {
  const c = ctx as unknown as Partial<SpuNonlinear>;
  const need = (name: keyof SpuNonlinear): never => {
    throw new Error(`the SPU context has no ${name}(): the non-linear library is not loaded`);
  };
  return {
    sigmoid: (x, t) => (c.sigmoid ? c.sigmoid.call(ctx, x, t) : need('sigmoid')),
    less: (x, y) => (c.less ? c.less.call(ctx, x, y) : need('less')),
    abs: (x) => (c.abs ? c.abs.call(ctx, x) : need('abs')),
    rsqrt: (x) => (c.rsqrt ? c.rsqrt.call(ctx, x) : need('rsqrt')),
    max: (x, y) => (c.max ? c.max.call(ctx, x, y) : need('max')),
    clip: (x, lo, hi) => (c.clip ? c.clip.call(ctx, x, lo, hi) : need('clip')),
  };
}

export function spuLrOps(ctx: SpuCtx): LrOps<Secret, MaskedHandle> {
  const nl = nonlinear(ctx);
  const mk = masked(ctx);
  const as2d = (x: Secret): Secret => (x.shape.length === 2 ? x : ctx.reshape(x, [1, 1]));
  return {
    shape: (x) => x.shape,
    concat: (xs, axis) => ctx.concat(xs, axis),
    sliceRows: (x, b, e) => ctx.slice(x, b, e),
    transpose: (x) => ctx.transpose(x),
    add: (a, b) => ctx.add(a, b),
    sub: (a, b) => ctx.sub(a, b),
    matmul: (a, b) => ctx.matmul(a, b),
    mul: (a, b) => ctx.mul(a, b),
    fixedMask: (x) => mk.fixedMask(x),
    maskedMatmul: (m, b, e, w, shift) => mk.maskedMatmul(m, [b, e], w, shift),
    maskedMatmulT: (m, b, e, r) => mk.maskedMatmulT(m, [b, e], r),
    releaseMasked: (m) => mk.releaseMasked(m),
    // A vector p scales the rows of a column vector x (n x 1): p has x's size, elementwise.
    mulPublic: (x, p) => (typeof p === 'number' ? ctx.mulPublic(x, p) : ctx.mulPublic(x, p, x.shape)),
    addPublic: (x, p) => ctx.addPublic(x, p),
    sigmoid: (x, t) => nl.sigmoid(x, t),
    clip: (x, lo, hi) => nl.clip(x, lo, hi),
    sumAll: (x) => ctx.reshape(ctx.sum(x), [1, 1]),
    async maxAll(x) {
      // Tournament of elementwise max over halves: ceil(log2 n) comparison rounds.
      let v = ctx.reshape(x, [x.shape.reduce((a, b) => a * b, 1), 1]);
      while (v.shape[0]! > 1) {
        const n = v.shape[0]!;
        const half = Math.floor(n / 2);
        const m = await nl.max(ctx.slice(v, 0, half), ctx.slice(v, half, 2 * half));
        v = n % 2 === 1 ? ctx.concat([m, ctx.slice(v, n - 1, n)], 0) : m;
      }
      return as2d(v);
    },
    abs: (x) => nl.abs(x),
    rsqrt: (x) => nl.rsqrt(x),
    less: (a, b) => nl.less(a, b),
  };
}
