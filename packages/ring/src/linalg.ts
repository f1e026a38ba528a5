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
  // Copy 32-bit words (no BigInt boxing per element).
  const words = a.field === 'FM64' ? 2 : 4;
  const s = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length * 2);
  const d = new Uint32Array(o.data.buffer, o.data.byteOffset, o.data.length * 2);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const src = (i * n + j) * words, dst = (j * m + i) * words;
      for (let q = 0; q < words; q++) d[dst + q] = s[src + q] as number;
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
  // Short inner dimension: add 32-bit words as exact doubles (up to 2^20 terms stay below 2^53),
  // then fold the word sums with carries into one bigint per output element.
  const words = 2 * l;
  const w = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length * 2);
  const bits = BigInt(64 * l);
  const acc = new Float64Array(words);
  const CHUNK = 1 << 20;
  for (let p = 0; p < outer; p++)
    for (let r = 0; r < inner; r++) {
      let total = 0n;
      for (let q0 = 0; q0 < len; q0 += CHUNK) {
        acc.fill(0);
        const q1 = Math.min(len, q0 + CHUNK);
        for (let q = q0; q < q1; q++) {
          const base = ((p * len + q) * inner + r) * words;
          for (let j = 0; j < words; j++) acc[j] = (acc[j] as number) + (w[base + j] as number);
        }
        for (let j = 0; j < words; j++) total += BigInt(acc[j] as number) << BigInt(32 * j);
      }
      total = BigInt.asUintN(Number(bits), total);
      const oi = p * inner + r;
      if (l === 1) o.data[oi] = total;
      else {
        o.data[2 * oi] = BigInt.asUintN(64, total);
        o.data[2 * oi + 1] = total >> 64n;
      }
    }
  return o;
}
