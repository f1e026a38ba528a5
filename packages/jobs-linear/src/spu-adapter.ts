// Maps LrOps onto the SPU program context. Everything here is SS-LR's own composition of the
// context's methods: the argument order of the masked products, how a public vector scales a
// column, and "the maximum of all elements" as a 1x1 for the convergence test.
import type { MaskedMatrix, SecretTensor, SpuContext } from '@sfw/runtime';
import type { LrOps } from './ops.ts';

export function spuLrOps(ctx: SpuContext): LrOps<SecretTensor, MaskedMatrix> {
  return {
    shape: (x) => x.shape,
    concat: (xs, axis) => ctx.concat(xs, axis),
    sliceRows: (x, b, e) => ctx.slice(x, b, e),
    transpose: (x) => ctx.transpose(x),
    add: (a, b) => ctx.add(a, b),
    sub: (a, b) => ctx.sub(a, b),
    matmul: (a, b) => ctx.matmul(a, b),
    mul: (a, b) => ctx.mul(a, b),
    fixedMask: (x) => ctx.fixedMask(x),
    maskedMatmul: (m, b, e, w, shift) => ctx.maskedMatmul(m, [b, e], w, shift),
    maskedMatmulT: (m, b, e, r) => ctx.maskedMatmulT(m, [b, e], r),
    releaseMasked: (m) => ctx.releaseMasked(m),
    // A vector p scales the rows of a column vector x (n x 1): p has x's size, elementwise.
    mulPublic: (x, p) => (typeof p === 'number' ? ctx.mulPublic(x, p) : ctx.mulPublic(x, p, x.shape)),
    addPublic: (x, p) => ctx.addPublic(x, p),
    sigmoid: (x, t) => ctx.sigmoid(x, t),
    clip: (x, lo, hi) => ctx.clip(x, lo, hi),
    sumAll: (x) => ctx.reshape(ctx.sum(x), [1, 1]),
    maxAll: async (x) => ctx.reshape(await ctx.maxAlong(ctx.reshape(x, [x.shape.reduce((a, b) => a * b, 1)])), [1, 1]),
    abs: (x) => ctx.abs(x),
    rsqrt: (x) => ctx.rsqrt(x),
    less: (a, b) => ctx.less(a, b),
  };
}
