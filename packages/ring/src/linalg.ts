// Matrix product, transpose and reductions over the ring.
import { kernels } from './backend.ts';
import { LIMBS } from './field.ts';
import { RingError, assertSameField, outFor, zeros, type RingTensor } from './tensor.ts';

/** (m x k) . (k x n) -> (m x n) mod 2^k. 1-D operands are not promoted: pass 2-D shapes. */
export function matmul(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  assertSameField(a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0])
    throw new RingError(`matmul shapes [${a.shape.join(',')}] x [${b.shape.join(',')}] do not fit`);
  const m = a.shape[0] as number, k = a.shape[1] as number, n = b.shape[1] as number;
  const o = outFor(a.field, [m, n], out);
  if (o.data === a.data || o.data === b.data) throw new RingError('matmul out must not alias an input');
  kernels().matmul(a.field, a.data, b.data, o.data, m, k, n);
  return o;
}

/** 2-D transpose (copies). */
export function transpose(a: RingTensor, out?: RingTensor): RingTensor {
  if (a.shape.length !== 2) throw new RingError(`transpose needs 2-D, got [${a.shape.join(',')}]`);
  const m = a.shape[0] as number, n = a.shape[1] as number;
  const o = outFor(a.field, [n, m], out);
  const s = a.data, d = o.data;
  if (a.field === 'FM64') {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[j * m + i] = s[i * n + j] as bigint;
  } else {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        d[2 * (j * m + i)] = s[2 * (i * n + j)] as bigint;
        d[2 * (j * m + i) + 1] = s[2 * (i * n + j) + 1] as bigint;
      }
  }
  return o;
}

/**
 * Sum mod 2^k. No axis: all elements, result shape [] (one element, like numpy).
 * With an axis: that dimension is removed from the shape.
 */
export function sum(a: RingTensor, axis?: number): RingTensor {
  if (axis === undefined) return sumAxis(a, [a.size], 0, []);
  const r = a.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= r) throw new RingError(`axis ${String(axis)} out of range for rank ${r}`);
  return sumAxis(a, a.shape, ax, a.shape.filter((_, i) => i !== ax));
}

function sumAxis(a: RingTensor, shape: readonly number[], ax: number, outShape: number[]): RingTensor {
  const outer = shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const len = shape[ax] as number;
  const inner = shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const o = zeros(a.field, outShape);
  const l = LIMBS[a.field];
  const k = kernels();
  if (inner >= 16) {
    // Accumulate whole blocks with the vector add.
    for (let p = 0; p < outer; p++) {
      const dst = o.data.subarray(p * inner * l, (p + 1) * inner * l);
      for (let q = 0; q < len; q++) {
        const src = a.data.subarray(((p * len + q) * inner) * l, ((p * len + q + 1) * inner) * l);
        k.add(a.field, dst, src, dst, inner);
      }
    }
    return o;
  }
  // Short inner dimension: accumulate in BigInt and reduce once per output element.
  const bits = a.field === 'FM64' ? 64 : 128;
  for (let p = 0; p < outer; p++)
    for (let r = 0; r < inner; r++) {
      let acc = 0n;
      for (let q = 0; q < len; q++) {
        const idx = (p * len + q) * inner + r;
        acc += l === 1 ? (a.data[idx] as bigint) : ((a.data[2 * idx + 1] as bigint) << 64n) + (a.data[2 * idx] as bigint);
      }
      acc = BigInt.asUintN(bits, acc);
      const oi = p * inner + r;
      if (l === 1) o.data[oi] = acc;
      else {
        o.data[2 * oi] = BigInt.asUintN(64, acc);
        o.data[2 * oi + 1] = acc >> 64n;
      }
    }
  return o;
}
