// max / argmax along an axis by tree reduction (SPU's `argmax` lowers to the same pairwise
// tournament): ceil(log2 n) levels, each one batched comparison + one batched product over all
// surviving pairs, so rounds grow with log n and bytes with n. The index is carried as a secret
// fixed-point integer next to the value; a one-hot is produced at the end by n equality tests
// against public indices (n EQZ are far cheaper than carrying a one-hot through log n levels).
import { LIMBS, makeTensor, transpose, type RingTensor } from '@sfw/ring';
import { cat, type Fxp } from './fxp.ts';

/**
 * Max and argmax of each row of a [m, n] share (reduce along the last axis).
 * Returns the max [m] and the index [m] as a fixed-point integer. Pairing is column j against
 * column j + half (contiguous slices after a local transpose); among equal maxima the index
 * returned is one of them, not necessarily the first.
 */
export async function rowMaxArgmax(F: Fxp, x: RingTensor, m: number, n: number): Promise<{ max: RingTensor; index: RingTensor }> {
  const r = await rowTournament(F, x, m, n, true);
  return { max: r.max, index: r.index! };
}

/** The tournament behind rowMaxArgmax; without `withIndex` only values are carried (half the product width). */
async function rowTournament(F: Fxp, x: RingTensor, m: number, n: number, withIndex: boolean): Promise<{ max: RingTensor; index: RingTensor | undefined }> {
  const L = LIMBS[x.field];
  let V = transpose(makeTensor(x.field, [m, n], x.data)); // [n, m]: column j = rows j*m..(j+1)*m
  let I: RingTensor | undefined;
  if (withIndex) {
    const idxPub = makeTensor(x.field, [n, m]);
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) setConst(idxPub, j * m + i, F.enc(j), L);
    I = F.ak.p2a(F.env, idxPub);
  }
  let c = n;
  while (c > 1) {
    const half = c >> 1;
    const sl = (t: RingTensor, a: number, b: number): RingTensor => makeTensor(x.field, [(b - a) * m], t.data.subarray(a * m * L, b * m * L));
    const A = sl(V, 0, half), B = sl(V, half, 2 * half);
    const b = await F.msb(F.sub(A, B)); // A < B -> take B
    if (I === undefined) {
      let nV = F.add(A, await F.mulRing(b, F.sub(B, A)));
      if (c & 1) nV = cat([nV, sl(V, c - 1, c)]);
      V = nV;
    } else {
      const IA = sl(I, 0, half), IB = sl(I, half, 2 * half);
      const [dv, di] = await F.mulMany([[b, F.sub(B, A)], [b, F.sub(IB, IA)]], null);
      let nV = F.add(A, dv!), nI = F.add(IA, di!);
      if (c & 1) {
        nV = cat([nV, sl(V, c - 1, c)]);
        nI = cat([nI, sl(I, c - 1, c)]);
      }
      V = nV;
      I = nI;
    }
    c = half + (c & 1);
  }
  return { max: makeTensor(x.field, [m], V.data.slice()), index: I === undefined ? undefined : makeTensor(x.field, [m], I.data.slice()) };
}

/** One-hot [m, n] (fixed-point 0/1) of a fixed-point index [m]. */
export async function oneHot(F: Fxp, index: RingTensor, m: number, n: number): Promise<RingTensor> {
  const L = LIMBS[index.field];
  const rep = makeTensor(index.field, [m, n]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < L; l++) rep.data[(i * n + j) * L + l] = index.data[i * L + l]!;
  const pub = makeTensor(index.field, [m, n]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) setConst(pub, i * n + j, F.enc(-j), L);
  const diff = F.ak.addAP(F.env, rep, pub);
  return F.bitToFxp(await F.eqz(diff));
}

function setConst(t: RingTensor, i: number, v: bigint, L: number): void {
  const u = BigInt.asUintN(64 * L, v);
  t.data[i * L] = u;
  if (L === 2) t.data[i * L + 1] = u >> 64n;
}

/** How `maxAlong` / `argmax` reduce: the axis to reduce and, for argmax, the output form. */
export interface ArgmaxOptions {
  /** Axis to reduce (default: the last). Only 1-D and 2-D inputs. */
  axis?: number;
  /** 'index' (default): fixed-point index; 'onehot': fixed-point 0/1 of the input's shape. */
  output?: 'index' | 'onehot';
}

/** View x as [m, n] rows reduced along `axis` (transposing locally when axis = 0 of a 2-D input). */
function rowsOf(x: RingTensor, axis: number | undefined): { t: RingTensor; m: number; n: number } {
  if (x.shape.length <= 1) return { t: x, m: 1, n: x.size };
  if (x.shape.length !== 2) throw new RangeError('argmax/maxAlong support 1-D and 2-D inputs');
  const ax = axis === undefined || axis === -1 ? 1 : axis;
  if (ax === 1) return { t: x, m: x.shape[0]!, n: x.shape[1]! };
  if (ax === 0) return { t: transpose(x), m: x.shape[1]!, n: x.shape[0]! };
  throw new RangeError(`axis ${String(axis)} is out of range`);
}

/** Max along an axis of a 1-D or 2-D share (the axis is removed; a 1-D input gives a scalar). */
export async function maxAlong(F: Fxp, x: RingTensor, axis: number | undefined): Promise<RingTensor> {
  const { t, m, n } = rowsOf(x, axis);
  const { max } = await rowTournament(F, t, m, n, false);
  return x.shape.length <= 1 ? makeTensor(max.field, [], max.data) : max;
}

/** Index (or one-hot of x's shape) of a maximum along an axis. */
export async function argmax(F: Fxp, x: RingTensor, opts: ArgmaxOptions): Promise<RingTensor> {
  const { t, m, n } = rowsOf(x, opts.axis);
  const { index } = await rowMaxArgmax(F, t, m, n);
  if (opts.output !== 'onehot') return x.shape.length <= 1 ? makeTensor(index.field, [], index.data) : index;
  const oh = await oneHot(F, index, m, n); // [m, n]
  if (x.shape.length <= 1) return makeTensor(oh.field, [n], oh.data);
  const ax = opts.axis === undefined || opts.axis === -1 ? 1 : opts.axis;
  return ax === 1 ? oh : transpose(oh);
}
