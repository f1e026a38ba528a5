// Matrix product, transpose and reductions over the ring.
import { kernels } from './backend.ts';
import { LIMBS, type FieldType } from './field.ts';
import { SPLIT_MIN_ELEMENTS, allocLimbs, isShared, kernelThreads } from './threads.ts';
import { RingError, assertSameField, outFor, zeros, type RingTensor } from './tensor.ts';

/** (m x k) . (k x n) -> (m x n) mod 2^k. 1-D operands are not promoted: pass 2-D shapes. */
export function matmul(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  const [m, k, n] = matmulShape(a, b);
  const o = outFor(a.field, [m, n], out);
  if (o.data === a.data || o.data === b.data) throw new RingError('matmul out must not alias an input');
  product(a.field, a.data, b.data, o.data, m, k, n, false);
  return o;
}

/**
 * out += a . b mod 2^k (out is m x n and must not alias a or b): the product accumulates into out
 * in the kernel itself, with no separate product array and no extra addition pass.
 */
export function matmulAdd(a: RingTensor, b: RingTensor, out: RingTensor): RingTensor {
  const [m, k, n] = matmulShape(a, b);
  assertSameField(a, out);
  if (out.size !== m * n) throw new RingError(`matmulAdd out has ${out.size} elements, the product ${m * n}`);
  if (out.data === a.data || out.data === b.data) throw new RingError('matmul out must not alias an input');
  product(a.field, a.data, b.data, out.data, m, k, n, true);
  return out;
}

function matmulShape(a: RingTensor, b: RingTensor): [number, number, number] {
  assertSameField(a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0])
    throw new RingError(`matmul shapes [${a.shape.join(',')}] x [${b.shape.join(',')}] do not fit`);
  return [a.shape[0] as number, a.shape[1] as number, b.shape[1] as number];
}

/**
 * Smallest dimension at which one Strassen-Winograd level replaces the direct product (7 half-size
 * products instead of 8, for 15 additions of quarter-size blocks). Measured at 1000^3 FM64: the
 * additions and block copies are O(n^2) and cost far less than the eighth product they save; at
 * 256 the saving is too small to be seen. The identities use only +, - and x, so the result is
 * exact in Z_2^k (bit-identical to the direct product).
 */
export const WINOGRAD_MIN = 512;

function product(f: FieldType, a: BigUint64Array, b: BigUint64Array, o: BigUint64Array, m: number, k: number, n: number, acc: boolean): void {
  if (m % 2 !== 0 || k % 2 !== 0 || n % 2 !== 0 || Math.min(m, k, n) < WINOGRAD_MIN) kernels().matmul(f, a, b, o, m, k, n, acc);
  else winograd(f, a, b, o, m, k, n, acc);
}

// Block buffers of the Winograd level, kept between calls (fresh memory costs a page fault per
// 4 KiB on first touch, which at 1000^3 would cost more than the saved product). Shared memory
// while kernel threads are on, so the half-size products split in place. Held per nesting depth.
const blockCache: BigUint64Array[][] = [];
let depth = 0;

/** Zero and drop the block buffers (they hold blocks of operands, i.e. shares). */
export function wipeMatmulBlocks(): void {
  for (const level of blockCache) for (const buf of level) buf.fill(0n);
  blockCache.length = 0;
}

function blocks(at: number, count: number, limbs: number): BigUint64Array[] {
  const level = (blockCache[at] ??= []);
  const shared = kernelThreads() > 1 && limbs >= SPLIT_MIN_ELEMENTS; // what allocLimbs hands out now
  for (let i = 0; i < count; i++) {
    const cur = level[i];
    if (cur === undefined || cur.length < limbs || isShared(cur) !== shared) level[i] = allocLimbs(limbs);
  }
  return level.slice(0, count).map((buf) => buf.subarray(0, limbs));
}

/** Copy block (qi, qj) of a rows x cols matrix (l limbs per element) into dst, contiguous. */
function gather(src: BigUint64Array, cols: number, l: number, qi: number, qj: number, dst: BigUint64Array, hr: number, hc: number): void {
  const rowL = cols * l, hL = hc * l;
  for (let r = 0; r < hr; r++) {
    const s0 = (qi * hr + r) * rowL + qj * hL;
    dst.set(src.subarray(s0, s0 + hL), r * hL);
  }
}

/** Write (or add, when acc) contiguous block src into block (qi, qj) of dst. */
function scatter(f: FieldType, src: BigUint64Array, dst: BigUint64Array, cols: number, l: number, qi: number, qj: number, hr: number, hc: number, acc: boolean): void {
  const rowL = cols * l, hL = hc * l;
  const kn = kernels();
  for (let r = 0; r < hr; r++) {
    const d0 = (qi * hr + r) * rowL + qj * hL;
    const row = src.subarray(r * hL, (r + 1) * hL);
    if (acc) {
      const d = dst.subarray(d0, d0 + hL);
      kn.add(f, d, row, d, hc);
    } else dst.set(row, d0);
  }
}

// One Strassen-Winograd level (Winograd's form: 7 products, 15 additions). With A, B split into
// 2 x 2 blocks:
//   S1 = A21 + A22, S2 = S1 - A11, S3 = A11 - A21, S4 = A12 - S2
//   T1 = B12 - B11, T2 = B22 - T1, T3 = B22 - B12, T4 = T2 - B21
//   M1 = A11 B11, M2 = A12 B21, M3 = S4 B22, M4 = A22 T4, M5 = S1 T1, M6 = S2 T2, M7 = S3 T3
//   C11 = M1 + M2, U = M1 + M6, V = U + M7, C12 = U + M5 + M3, C21 = V - M4, C22 = V + M5.
// Products that are only summed accumulate in the kernel (matmul with acc) instead of being added.
function winograd(f: FieldType, a: BigUint64Array, b: BigUint64Array, o: BigUint64Array, m: number, k: number, n: number, acc: boolean): void {
  const l = f === 'FM64' ? 1 : 2;
  const h = m / 2, kh = k / 2, nh = n / 2;
  const aN = h * kh, bN = kh * nh, cN = h * nh;
  const kn = kernels();
  // On one thread, a backend that can keep every block in its own memory runs the level there (no
  // copies in and out per addition or product); with kernel threads the products split instead.
  const nests = h % 2 === 0 && kh % 2 === 0 && nh % 2 === 0 && Math.min(h, kh, nh) >= WINOGRAD_MIN;
  if (!nests && kernelThreads() === 1 && kn.winograd?.(f, a, b, o, m, k, n, acc) === true) return;
  // With kernel threads, a backend whose split product takes its Winograd levels per row range in
  // the threads' own memory runs the whole product there (two levels at 1000^3 instead of this
  // one, and no block copies or additions in JS).
  if (!nests && kernelThreads() > 1 && kn.splitLevels === true) {
    kn.matmul(f, a, b, o, m, k, n, acc);
    return;
  }
  const d0 = depth;
  try {
    const [a11, a12, a21, a22, s1, s2, s3, s4] = blocks(d0, 8, aN * l) as [BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array];
    const [b11, b12, b21, b22, t1, t2, t3, t4] = blocks(d0 + 1, 8, bN * l) as [BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array];
    const [c11, c12, c21, c22, u, v, w] = blocks(d0 + 2, 7, cN * l) as [BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array, BigUint64Array];
    gather(a, k, l, 0, 0, a11, h, kh);
    gather(a, k, l, 0, 1, a12, h, kh);
    gather(a, k, l, 1, 0, a21, h, kh);
    gather(a, k, l, 1, 1, a22, h, kh);
    gather(b, n, l, 0, 0, b11, kh, nh);
    gather(b, n, l, 0, 1, b12, kh, nh);
    gather(b, n, l, 1, 0, b21, kh, nh);
    gather(b, n, l, 1, 1, b22, kh, nh);
    kn.add(f, a21, a22, s1, aN);
    kn.sub(f, s1, a11, s2, aN);
    kn.sub(f, a11, a21, s3, aN);
    kn.sub(f, a12, s2, s4, aN);
    kn.sub(f, b12, b11, t1, bN);
    kn.sub(f, b22, t1, t2, bN);
    kn.sub(f, b22, b12, t3, bN);
    kn.sub(f, t2, b21, t4, bN);
    // The half-size products may themselves take a Winograd level: their block buffers are one
    // nesting level further down.
    depth = d0 + 3;
    product(f, a11, b11, u, h, kh, nh, false); // u = M1
    c11.set(u);
    product(f, a12, b21, c11, h, kh, nh, true); // C11 = M1 + M2
    product(f, s2, t2, u, h, kh, nh, true); // u = M1 + M6
    v.set(u);
    product(f, s3, t3, v, h, kh, nh, true); // v = M1 + M6 + M7
    product(f, s1, t1, w, h, kh, nh, false); // w = M5
    kn.add(f, v, w, c22, cN);
    kn.add(f, u, w, c12, cN);
    product(f, s4, b22, c12, h, kh, nh, true); // C12 = U + M5 + M3
    product(f, a22, t4, w, h, kh, nh, false); // w = M4
    kn.sub(f, v, w, c21, cN);
    scatter(f, c11, o, n, l, 0, 0, h, nh, acc);
    scatter(f, c12, o, n, l, 0, 1, h, nh, acc);
    scatter(f, c21, o, n, l, 1, 0, h, nh, acc);
    scatter(f, c22, o, n, l, 1, 1, h, nh, acc);
  } finally {
    depth = d0;
  }
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
