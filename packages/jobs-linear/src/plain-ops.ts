// A float64 mirror of LrOps: the same program on plaintext matrices. Not a secure path; used to
// debug the program logic and to cross-check the secure run step by step.
import type { LrOps } from './ops.ts';
import type { SigmoidType } from '@sfw/runtime';

export interface PlainMatrix {
  readonly data: Float64Array;
  readonly shape: readonly [number, number];
}

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const LS7 = [5.00052959e-1, 2.3517626e-1, -3.97212202e-5, -1.23407424e-2, 4.04588962e-6, 3.94330487e-4, -9.74060972e-8, -4.74674505e-6];
const sr = (x: number): number => 0.5 * (x / Math.sqrt(1 + x * x)) + 0.5;

export function plainSigmoid(x: number, t: SigmoidType): number {
  switch (t) {
    case 't1':
      return clip01(0.5 + 0.25 * x);
    case 't3':
      return x < -2 ? 0 : x > 2 ? 1 : 0.5 + 0.25 * x - (x * x * x) / 48;
    case 't5':
      return clip01(0.5 + 0.25 * x - (x * x * x) / 48 + (x * x * x * x * x) / 480);
    case 'df':
      return 0.5 * (x / (1 + Math.abs(x))) + 0.5;
    case 'sr':
      return sr(x);
    case 'mix': {
      if (x < -4 || x > 4) return sr(x);
      let acc = 0;
      for (let k = LS7.length - 1; k >= 0; k--) acc = acc * x + LS7[k]!;
      return acc;
    }
    case 'real':
      return 1 / (1 + Math.exp(-x));
  }
}

const m = (rows: number, cols: number, data?: Float64Array): PlainMatrix => ({ data: data ?? new Float64Array(rows * cols), shape: [rows, cols] });
const map = (x: PlainMatrix, f: (v: number, i: number) => number): PlainMatrix => m(x.shape[0], x.shape[1], x.data.map(f));

async function plainMatmul(a: PlainMatrix, b: PlainMatrix): Promise<PlainMatrix> {
  const [r, k] = a.shape;
  const c = b.shape[1];
  const out = m(r, c);
  for (let i = 0; i < r; i++)
    for (let t = 0; t < k; t++) {
      const av = a.data[i * k + t]!;
      for (let j = 0; j < c; j++) out.data[i * c + j] = out.data[i * c + j]! + av * b.data[t * c + j]!;
    }
  return out;
}

/** The plain mirror's "masked" matrix is X itself. */
export const plainOps: LrOps<PlainMatrix, PlainMatrix> = {
  shape: (x) => x.shape,
  concat(xs, axis) {
    if (axis === 0) {
      const cols = xs[0]!.shape[1];
      const rows = xs.reduce((a, x) => a + x.shape[0], 0);
      const out = m(rows, cols);
      let off = 0;
      for (const x of xs) {
        out.data.set(x.data, off);
        off += x.data.length;
      }
      return out;
    }
    const rows = xs[0]!.shape[0];
    const cols = xs.reduce((a, x) => a + x.shape[1], 0);
    const out = m(rows, cols);
    let c0 = 0;
    for (const x of xs) {
      const w = x.shape[1];
      for (let i = 0; i < rows; i++) for (let j = 0; j < w; j++) out.data[i * cols + c0 + j] = x.data[i * w + j]!;
      c0 += w;
    }
    return out;
  },
  sliceRows: (x, b, e) => m(e - b, x.shape[1], x.data.slice(b * x.shape[1], e * x.shape[1])),
  transpose(x) {
    const [r, c] = x.shape;
    const out = m(c, r);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[j * r + i] = x.data[i * c + j]!;
    return out;
  },
  add: (a, b) => map(a, (v, i) => v + b.data[i]!),
  sub: (a, b) => map(a, (v, i) => v - b.data[i]!),
  matmul: plainMatmul,
  fixedMask: async (x) => x,
  maskedMatmul: async (x, b, e, w, shift = 0) => map(await plainMatmul(plainOps.sliceRows(x, b, e), w), (v) => v / 2 ** shift),
  maskedMatmulT: (x, b, e, r) => plainMatmul(plainOps.transpose(plainOps.sliceRows(x, b, e)), r),
  releaseMasked: async () => undefined,
  mul: async (a, b) => map(a, (v, i) => v * b.data[i]!),
  mulPublic: async (x, p) => map(x, (v, i) => v * (typeof p === 'number' ? p : p[i % p.length]!)),
  addPublic: (x, p) => map(x, (v) => v + p),
  sigmoid: async (x, t) => map(x, (v) => plainSigmoid(v, t)),
  clip: async (x, lo, hi) => map(x, (v) => Math.min(Math.max(v, lo), hi)),
  sumAll: (x) => m(1, 1, Float64Array.of(x.data.reduce((a, v) => a + v, 0))),
  maxAll: async (x) => m(1, 1, Float64Array.of(Math.max(...x.data))),
  abs: async (x) => map(x, Math.abs),
  rsqrt: async (x) => map(x, (v) => 1 / Math.sqrt(v)),
  less: async (a, b) => map(a, (v, i) => (v < b.data[i]! ? 1 : 0)),
};
