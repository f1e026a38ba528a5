// Bit slicing: n ring elements of k bits <-> k bit planes of W = ceil(n/32) u32 words each
// (plane j holds bit j of every element; element e sits in bit e%32 of word e/32). One boolean
// gate on a plane word evaluates 32 elements at once, which is what makes GMW-style circuits
// (Goldreich-Micali-Wigderson 1987) affordable in JavaScript.
import { FIELD_BITS, type FieldType } from '@sfw/ring';

type Field = FieldType;
const ringBits = (f: Field): number => FIELD_BITS[f];

/** Planes: k planes back to back, plane j = words [j*W, (j+1)*W). */
export interface Planes {
  readonly k: number;
  readonly n: number;
  readonly W: number;
  readonly words: Uint32Array;
}

export const planeWords = (n: number): number => (n + 31) >>> 5;

export function emptyPlanes(k: number, n: number): Planes {
  const W = planeWords(n);
  return { k, n, W, words: new Uint32Array(k * W) };
}

/** In-place transpose of a 32x32 bit matrix held in a[o..o+31] (Hacker's Delight, sec. 7-3). */
function transpose32(a: Uint32Array, o: number): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = ((a[o + k]! >>> j) ^ a[o + k + j]!) & m;
      a[o + k] = a[o + k]! ^ (t << j);
      a[o + k + j] = a[o + k + j]! ^ t;
    }
  }
}

/** Bit-slices the low `k` bits (k <= ring bits, multiple of 32 or not) of every element. */
export function toPlanes(field: Field, data: BigUint64Array, n: number, k = ringBits(field)): Planes {
  const wordsPerEl = ringBits(field) >>> 5;
  const src = new Uint32Array(data.buffer, data.byteOffset, n * wordsPerEl);
  const p = emptyPlanes(k, n);
  const blk = new Uint32Array(32);
  for (let b = 0; b < p.W; b++) {
    const e0 = b << 5;
    const cnt = Math.min(32, n - e0);
    for (let w = 0; w * 32 < k; w++) {
      for (let e = 0; e < cnt; e++) blk[e] = src[(e0 + e) * wordsPerEl + w]!;
      blk.fill(0, cnt);
      transpose32(blk, 0);
      const top = Math.min(32, k - w * 32);
      for (let j = 0; j < top; j++) p.words[(w * 32 + j) * p.W + b] = blk[j]!;
    }
  }
  return p;
}

/** Inverse of toPlanes: planes of k bits -> ring elements (bits >= k are zero). */
export function fromPlanes(field: Field, p: Planes): BigUint64Array {
  const wordsPerEl = ringBits(field) >>> 5;
  const out = new BigUint64Array((p.n * wordsPerEl) / 2);
  const dst = new Uint32Array(out.buffer);
  if (p.k === 1) {
    // one plane (single-bit B2A, bit pairs): direct extraction beats 32x32 transposes
    for (let i = 0; i < p.n; i++) dst[i * wordsPerEl] = (p.words[i >>> 5]! >>> (i & 31)) & 1;
    return out;
  }
  const blk = new Uint32Array(32);
  for (let b = 0; b < p.W; b++) {
    const e0 = b << 5;
    const cnt = Math.min(32, p.n - e0);
    for (let w = 0; w * 32 < p.k; w++) {
      const top = Math.min(32, p.k - w * 32);
      for (let j = 0; j < 32; j++) blk[j] = j < top ? p.words[(w * 32 + j) * p.W + b]! : 0;
      transpose32(blk, 0);
      for (let e = 0; e < cnt; e++) dst[(e0 + e) * wordsPerEl + w] = blk[e]!;
    }
  }
  return out;
}

/** Plane j as a subarray view. */
export const plane = (p: Planes, j: number): Uint32Array => p.words.subarray(j * p.W, (j + 1) * p.W);

/** Mask of valid element bits for the last word (padding bits must stay 0 in public values). */
export function tailMask(n: number): number {
  const r = n & 31;
  return r === 0 ? 0xffffffff : (1 << r) - 1;
}

/** Unpacks one plane to 0/1 bytes (tests, B2A of single bits). */
export function planeBits(words: Uint32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (words[i >>> 5]! >>> (i & 31)) & 1;
  return out;
}
