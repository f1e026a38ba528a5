// Installs the non-linear library on SpuContext (module augmentation + prototype assignment, so
// the arithmetic layer's files stay untouched). Every method runs as one serialised op
// (`ctx.serial`), takes and returns fixed-point SecretTensors, and works for SEMI2K and REF2K.
// Comparison results are fixed-point 0/1 (so they mix freely with arithmetic).
import { makeTensor, transpose, type RingTensor } from '@sfw/ring';
import { SpuContext } from '../context.ts';
import type { SecretTensor } from '../secret-tensor.ts';
import { abs, clip, maxMin, relu, sign } from './compare.ts';
import { Fxp } from './fxp.ts';
import { inverseNewtonSchulz } from './inverse.ts';
import { nlKernelsFor } from './kernels.ts';
import { div, exp, log, reciprocal, sqrtRsqrt } from './numeric.ts';
import { oneHot, rowMaxArgmax } from './reduce.ts';
import { sigmoid, type SigmoidType } from './sigmoid.ts';

export type Operand = SecretTensor | number;

export interface ArgmaxOptions {
  /** Axis to reduce (default: the last). Only 1-D and 2-D inputs. */
  axis?: number;
  /** 'index' (default): fixed-point index; 'onehot': fixed-point 0/1 of the input's shape. */
  output?: 'index' | 'onehot';
}

declare module '../context.ts' {
  interface SpuContext {
    /** [x < y] as fixed-point 0/1. Exact for |x - y| < 2^(k-1-f). */
    less(x: Operand, y: Operand): Promise<SecretTensor>;
    greater(x: Operand, y: Operand): Promise<SecretTensor>;
    lessEqual(x: Operand, y: Operand): Promise<SecretTensor>;
    greaterEqual(x: Operand, y: Operand): Promise<SecretTensor>;
    equal(x: Operand, y: Operand): Promise<SecretTensor>;
    /** cond ? x : y for a fixed-point 0/1 cond (one product). */
    select(cond: SecretTensor, x: SecretTensor, y: SecretTensor): Promise<SecretTensor>;
    abs(x: SecretTensor): Promise<SecretTensor>;
    /** -1 for x < 0, +1 otherwise. */
    sign(x: SecretTensor): Promise<SecretTensor>;
    relu(x: SecretTensor): Promise<SecretTensor>;
    clip(x: SecretTensor, lo: number, hi: number): Promise<SecretTensor>;
    /** Elementwise min / max. */
    min(x: SecretTensor, y: SecretTensor): Promise<SecretTensor>;
    max(x: SecretTensor, y: SecretTensor): Promise<SecretTensor>;
    /** Max along an axis (tree reduction). */
    maxAlong(x: SecretTensor, axis?: number): Promise<SecretTensor>;
    /** Index (or one-hot) of a maximum along an axis (tree reduction, secret result). */
    argmax(x: SecretTensor, opts?: ArgmaxOptions): Promise<SecretTensor>;
    reciprocal(x: SecretTensor): Promise<SecretTensor>;
    div(x: SecretTensor, y: SecretTensor): Promise<SecretTensor>;
    sqrt(x: SecretTensor): Promise<SecretTensor>;
    rsqrt(x: SecretTensor): Promise<SecretTensor>;
    exp(x: SecretTensor): Promise<SecretTensor>;
    log(x: SecretTensor): Promise<SecretTensor>;
    sigmoid(x: SecretTensor, type?: SigmoidType): Promise<SecretTensor>;
    /** Newton-Schulz inverse of a small SPD matrix (default 20 iterations, as SecretFlow VIF). */
    inverse(a: SecretTensor, iters?: number): Promise<SecretTensor>;
  }
}

const fxps = new WeakMap<SpuContext, Fxp>();
function fxpOf(ctx: SpuContext): Fxp {
  let F = fxps.get(ctx);
  if (F === undefined) {
    F = new Fxp(ctx.env, ctx.kernels, nlKernelsFor(ctx.env));
    fxps.set(ctx, F);
  }
  return F;
}

type Proto = SpuContext;
const P = SpuContext.prototype as Proto;

function op(ctx: SpuContext, fn: (F: Fxp) => Promise<RingTensor>): Promise<SecretTensor> {
  return ctx.serial(async () => ctx.wrap(await fn(fxpOf(ctx))));
}

/** x - y where either side may be a public number. */
function diff(ctx: SpuContext, F: Fxp, x: Operand, y: Operand): RingTensor {
  if (typeof x === 'number' && typeof y === 'number') throw new TypeError('compare needs at least one secret operand');
  if (typeof y === 'number') return F.addC(ctx.unwrap(x as SecretTensor), -y);
  if (typeof x === 'number') return F.addC(F.neg(ctx.unwrap(y)), x);
  return F.sub(ctx.unwrap(x), ctx.unwrap(y));
}

P.less = function (x, y) {
  return op(this, async (F) => F.bitToFxp(await F.msb(diff(this, F, x, y))));
};
P.greater = function (x, y) {
  return op(this, async (F) => F.bitToFxp(await F.msb(diff(this, F, y, x))));
};
P.lessEqual = function (x, y) {
  return op(this, async (F) => F.bitToFxp(F.oneMinus(await F.msb(diff(this, F, y, x)))));
};
P.greaterEqual = function (x, y) {
  return op(this, async (F) => F.bitToFxp(F.oneMinus(await F.msb(diff(this, F, x, y)))));
};
P.equal = function (x, y) {
  return op(this, async (F) => F.bitToFxp(await F.eqz(diff(this, F, x, y))));
};
P.select = function (cond, x, y) {
  return op(this, async (F) => {
    const yy = this.unwrap(y);
    return F.add(yy, await F.mul(this.unwrap(cond), F.sub(this.unwrap(x), yy)));
  });
};
P.abs = function (x) {
  return op(this, (F) => abs(F, this.unwrap(x)));
};
P.sign = function (x) {
  return op(this, (F) => sign(F, this.unwrap(x)));
};
P.relu = function (x) {
  return op(this, (F) => relu(F, this.unwrap(x)));
};
P.clip = function (x, lo, hi) {
  if (!(lo <= hi)) throw new RangeError('clip needs lo <= hi');
  return op(this, (F) => clip(F, this.unwrap(x), lo, hi));
};
P.min = function (x, y) {
  return op(this, async (F) => (await maxMin(F, this.unwrap(x), this.unwrap(y))).min);
};
P.max = function (x, y) {
  return op(this, async (F) => (await maxMin(F, this.unwrap(x), this.unwrap(y))).max);
};

/** View x as [m, n] rows reduced along `axis` (transposing locally when axis = 0 of a 2-D input). */
function rowsOf(x: RingTensor, axis: number | undefined): { t: RingTensor; m: number; n: number } {
  if (x.shape.length <= 1) return { t: x, m: 1, n: x.size };
  if (x.shape.length !== 2) throw new RangeError('argmax/maxAlong support 1-D and 2-D inputs');
  const ax = axis === undefined || axis === -1 ? 1 : axis;
  if (ax === 1) return { t: x, m: x.shape[0]!, n: x.shape[1]! };
  if (ax === 0) return { t: transpose(x), m: x.shape[1]!, n: x.shape[0]! };
  throw new RangeError(`axis ${String(axis)} is out of range`);
}

P.maxAlong = function (x, axis) {
  return op(this, async (F) => {
    const { t, m, n } = rowsOf(this.unwrap(x), axis);
    const { max } = await rowMaxArgmax(F, t, m, n);
    return x.shape.length <= 1 ? makeTensor(max.field, [], max.data) : max;
  });
};
P.argmax = function (x, opts = {}) {
  return op(this, async (F) => {
    const { t, m, n } = rowsOf(this.unwrap(x), opts.axis);
    const { index } = await rowMaxArgmax(F, t, m, n);
    if (opts.output !== 'onehot') return x.shape.length <= 1 ? makeTensor(index.field, [], index.data) : index;
    const oh = await oneHot(F, index, m, n); // [m, n]
    if (x.shape.length <= 1) return makeTensor(oh.field, [n], oh.data);
    const ax = opts.axis === undefined || opts.axis === -1 ? 1 : opts.axis;
    return ax === 1 ? oh : transpose(oh);
  });
};
P.reciprocal = function (x) {
  return op(this, (F) => reciprocal(F, this.unwrap(x)));
};
P.div = function (x, y) {
  return op(this, (F) => div(F, this.unwrap(x), this.unwrap(y)));
};
P.sqrt = function (x) {
  return op(this, (F) => sqrtRsqrt(F, this.unwrap(x), 'sqrt'));
};
P.rsqrt = function (x) {
  return op(this, (F) => sqrtRsqrt(F, this.unwrap(x), 'rsqrt'));
};
P.exp = function (x) {
  return op(this, (F) => exp(F, this.unwrap(x)));
};
P.log = function (x) {
  return op(this, (F) => log(F, this.unwrap(x)));
};
P.sigmoid = function (x, type = 'real') {
  return op(this, (F) => sigmoid(F, this.unwrap(x), type));
};
P.inverse = function (a, iters = 20) {
  return op(this, (F) => inverseNewtonSchulz(F, this.unwrap(a), iters));
};

