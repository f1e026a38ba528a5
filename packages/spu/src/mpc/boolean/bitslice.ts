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

/**
 * 32x32 bit transpose of the words s[so + i*ss] (i < 32) into d[do_ + j*ds] (j < 32): the same
 * exchanges as transpose32, unrolled over locals (no memory traffic between the five stages), which
 * is what the bit slicing of every comparison's opened value spends most of its time on.
 */
function transpose32To(s: Uint32Array, so: number, ss: number, d: Uint32Array, do_: number, ds: number): void {
  let a0 = s[so + 0 * ss]!; let a1 = s[so + 1 * ss]!; let a2 = s[so + 2 * ss]!; let a3 = s[so + 3 * ss]!;
  let a4 = s[so + 4 * ss]!; let a5 = s[so + 5 * ss]!; let a6 = s[so + 6 * ss]!; let a7 = s[so + 7 * ss]!;
  let a8 = s[so + 8 * ss]!; let a9 = s[so + 9 * ss]!; let a10 = s[so + 10 * ss]!; let a11 = s[so + 11 * ss]!;
  let a12 = s[so + 12 * ss]!; let a13 = s[so + 13 * ss]!; let a14 = s[so + 14 * ss]!; let a15 = s[so + 15 * ss]!;
  let a16 = s[so + 16 * ss]!; let a17 = s[so + 17 * ss]!; let a18 = s[so + 18 * ss]!; let a19 = s[so + 19 * ss]!;
  let a20 = s[so + 20 * ss]!; let a21 = s[so + 21 * ss]!; let a22 = s[so + 22 * ss]!; let a23 = s[so + 23 * ss]!;
  let a24 = s[so + 24 * ss]!; let a25 = s[so + 25 * ss]!; let a26 = s[so + 26 * ss]!; let a27 = s[so + 27 * ss]!;
  let a28 = s[so + 28 * ss]!; let a29 = s[so + 29 * ss]!; let a30 = s[so + 30 * ss]!; let a31 = s[so + 31 * ss]!;
  let t: number;
  t = ((a0 >>> 16) ^ a16) & 0x0000ffff; a0 ^= t << 16; a16 ^= t; t = ((a1 >>> 16) ^ a17) & 0x0000ffff; a1 ^= t << 16; a17 ^= t;
  t = ((a2 >>> 16) ^ a18) & 0x0000ffff; a2 ^= t << 16; a18 ^= t; t = ((a3 >>> 16) ^ a19) & 0x0000ffff; a3 ^= t << 16; a19 ^= t;
  t = ((a4 >>> 16) ^ a20) & 0x0000ffff; a4 ^= t << 16; a20 ^= t; t = ((a5 >>> 16) ^ a21) & 0x0000ffff; a5 ^= t << 16; a21 ^= t;
  t = ((a6 >>> 16) ^ a22) & 0x0000ffff; a6 ^= t << 16; a22 ^= t; t = ((a7 >>> 16) ^ a23) & 0x0000ffff; a7 ^= t << 16; a23 ^= t;
  t = ((a8 >>> 16) ^ a24) & 0x0000ffff; a8 ^= t << 16; a24 ^= t; t = ((a9 >>> 16) ^ a25) & 0x0000ffff; a9 ^= t << 16; a25 ^= t;
  t = ((a10 >>> 16) ^ a26) & 0x0000ffff; a10 ^= t << 16; a26 ^= t; t = ((a11 >>> 16) ^ a27) & 0x0000ffff; a11 ^= t << 16; a27 ^= t;
  t = ((a12 >>> 16) ^ a28) & 0x0000ffff; a12 ^= t << 16; a28 ^= t; t = ((a13 >>> 16) ^ a29) & 0x0000ffff; a13 ^= t << 16; a29 ^= t;
  t = ((a14 >>> 16) ^ a30) & 0x0000ffff; a14 ^= t << 16; a30 ^= t; t = ((a15 >>> 16) ^ a31) & 0x0000ffff; a15 ^= t << 16; a31 ^= t;
  t = ((a0 >>> 8) ^ a8) & 0x00ff00ff; a0 ^= t << 8; a8 ^= t; t = ((a1 >>> 8) ^ a9) & 0x00ff00ff; a1 ^= t << 8; a9 ^= t;
  t = ((a2 >>> 8) ^ a10) & 0x00ff00ff; a2 ^= t << 8; a10 ^= t; t = ((a3 >>> 8) ^ a11) & 0x00ff00ff; a3 ^= t << 8; a11 ^= t;
  t = ((a4 >>> 8) ^ a12) & 0x00ff00ff; a4 ^= t << 8; a12 ^= t; t = ((a5 >>> 8) ^ a13) & 0x00ff00ff; a5 ^= t << 8; a13 ^= t;
  t = ((a6 >>> 8) ^ a14) & 0x00ff00ff; a6 ^= t << 8; a14 ^= t; t = ((a7 >>> 8) ^ a15) & 0x00ff00ff; a7 ^= t << 8; a15 ^= t;
  t = ((a16 >>> 8) ^ a24) & 0x00ff00ff; a16 ^= t << 8; a24 ^= t; t = ((a17 >>> 8) ^ a25) & 0x00ff00ff; a17 ^= t << 8; a25 ^= t;
  t = ((a18 >>> 8) ^ a26) & 0x00ff00ff; a18 ^= t << 8; a26 ^= t; t = ((a19 >>> 8) ^ a27) & 0x00ff00ff; a19 ^= t << 8; a27 ^= t;
  t = ((a20 >>> 8) ^ a28) & 0x00ff00ff; a20 ^= t << 8; a28 ^= t; t = ((a21 >>> 8) ^ a29) & 0x00ff00ff; a21 ^= t << 8; a29 ^= t;
  t = ((a22 >>> 8) ^ a30) & 0x00ff00ff; a22 ^= t << 8; a30 ^= t; t = ((a23 >>> 8) ^ a31) & 0x00ff00ff; a23 ^= t << 8; a31 ^= t;
  t = ((a0 >>> 4) ^ a4) & 0x0f0f0f0f; a0 ^= t << 4; a4 ^= t; t = ((a1 >>> 4) ^ a5) & 0x0f0f0f0f; a1 ^= t << 4; a5 ^= t;
  t = ((a2 >>> 4) ^ a6) & 0x0f0f0f0f; a2 ^= t << 4; a6 ^= t; t = ((a3 >>> 4) ^ a7) & 0x0f0f0f0f; a3 ^= t << 4; a7 ^= t;
  t = ((a8 >>> 4) ^ a12) & 0x0f0f0f0f; a8 ^= t << 4; a12 ^= t; t = ((a9 >>> 4) ^ a13) & 0x0f0f0f0f; a9 ^= t << 4; a13 ^= t;
  t = ((a10 >>> 4) ^ a14) & 0x0f0f0f0f; a10 ^= t << 4; a14 ^= t; t = ((a11 >>> 4) ^ a15) & 0x0f0f0f0f; a11 ^= t << 4; a15 ^= t;
  t = ((a16 >>> 4) ^ a20) & 0x0f0f0f0f; a16 ^= t << 4; a20 ^= t; t = ((a17 >>> 4) ^ a21) & 0x0f0f0f0f; a17 ^= t << 4; a21 ^= t;
  t = ((a18 >>> 4) ^ a22) & 0x0f0f0f0f; a18 ^= t << 4; a22 ^= t; t = ((a19 >>> 4) ^ a23) & 0x0f0f0f0f; a19 ^= t << 4; a23 ^= t;
  t = ((a24 >>> 4) ^ a28) & 0x0f0f0f0f; a24 ^= t << 4; a28 ^= t; t = ((a25 >>> 4) ^ a29) & 0x0f0f0f0f; a25 ^= t << 4; a29 ^= t;
  t = ((a26 >>> 4) ^ a30) & 0x0f0f0f0f; a26 ^= t << 4; a30 ^= t; t = ((a27 >>> 4) ^ a31) & 0x0f0f0f0f; a27 ^= t << 4; a31 ^= t;
  t = ((a0 >>> 2) ^ a2) & 0x33333333; a0 ^= t << 2; a2 ^= t; t = ((a1 >>> 2) ^ a3) & 0x33333333; a1 ^= t << 2; a3 ^= t;
  t = ((a4 >>> 2) ^ a6) & 0x33333333; a4 ^= t << 2; a6 ^= t; t = ((a5 >>> 2) ^ a7) & 0x33333333; a5 ^= t << 2; a7 ^= t;
  t = ((a8 >>> 2) ^ a10) & 0x33333333; a8 ^= t << 2; a10 ^= t; t = ((a9 >>> 2) ^ a11) & 0x33333333; a9 ^= t << 2; a11 ^= t;
  t = ((a12 >>> 2) ^ a14) & 0x33333333; a12 ^= t << 2; a14 ^= t; t = ((a13 >>> 2) ^ a15) & 0x33333333; a13 ^= t << 2; a15 ^= t;
  t = ((a16 >>> 2) ^ a18) & 0x33333333; a16 ^= t << 2; a18 ^= t; t = ((a17 >>> 2) ^ a19) & 0x33333333; a17 ^= t << 2; a19 ^= t;
  t = ((a20 >>> 2) ^ a22) & 0x33333333; a20 ^= t << 2; a22 ^= t; t = ((a21 >>> 2) ^ a23) & 0x33333333; a21 ^= t << 2; a23 ^= t;
  t = ((a24 >>> 2) ^ a26) & 0x33333333; a24 ^= t << 2; a26 ^= t; t = ((a25 >>> 2) ^ a27) & 0x33333333; a25 ^= t << 2; a27 ^= t;
  t = ((a28 >>> 2) ^ a30) & 0x33333333; a28 ^= t << 2; a30 ^= t; t = ((a29 >>> 2) ^ a31) & 0x33333333; a29 ^= t << 2; a31 ^= t;
  t = ((a0 >>> 1) ^ a1) & 0x55555555; a0 ^= t << 1; a1 ^= t; t = ((a2 >>> 1) ^ a3) & 0x55555555; a2 ^= t << 1; a3 ^= t;
  t = ((a4 >>> 1) ^ a5) & 0x55555555; a4 ^= t << 1; a5 ^= t; t = ((a6 >>> 1) ^ a7) & 0x55555555; a6 ^= t << 1; a7 ^= t;
  t = ((a8 >>> 1) ^ a9) & 0x55555555; a8 ^= t << 1; a9 ^= t; t = ((a10 >>> 1) ^ a11) & 0x55555555; a10 ^= t << 1; a11 ^= t;
  t = ((a12 >>> 1) ^ a13) & 0x55555555; a12 ^= t << 1; a13 ^= t; t = ((a14 >>> 1) ^ a15) & 0x55555555; a14 ^= t << 1; a15 ^= t;
  t = ((a16 >>> 1) ^ a17) & 0x55555555; a16 ^= t << 1; a17 ^= t; t = ((a18 >>> 1) ^ a19) & 0x55555555; a18 ^= t << 1; a19 ^= t;
  t = ((a20 >>> 1) ^ a21) & 0x55555555; a20 ^= t << 1; a21 ^= t; t = ((a22 >>> 1) ^ a23) & 0x55555555; a22 ^= t << 1; a23 ^= t;
  t = ((a24 >>> 1) ^ a25) & 0x55555555; a24 ^= t << 1; a25 ^= t; t = ((a26 >>> 1) ^ a27) & 0x55555555; a26 ^= t << 1; a27 ^= t;
  t = ((a28 >>> 1) ^ a29) & 0x55555555; a28 ^= t << 1; a29 ^= t; t = ((a30 >>> 1) ^ a31) & 0x55555555; a30 ^= t << 1; a31 ^= t;
  d[do_ + 0 * ds] = a0; d[do_ + 1 * ds] = a1; d[do_ + 2 * ds] = a2; d[do_ + 3 * ds] = a3;
  d[do_ + 4 * ds] = a4; d[do_ + 5 * ds] = a5; d[do_ + 6 * ds] = a6; d[do_ + 7 * ds] = a7;
  d[do_ + 8 * ds] = a8; d[do_ + 9 * ds] = a9; d[do_ + 10 * ds] = a10; d[do_ + 11 * ds] = a11;
  d[do_ + 12 * ds] = a12; d[do_ + 13 * ds] = a13; d[do_ + 14 * ds] = a14; d[do_ + 15 * ds] = a15;
  d[do_ + 16 * ds] = a16; d[do_ + 17 * ds] = a17; d[do_ + 18 * ds] = a18; d[do_ + 19 * ds] = a19;
  d[do_ + 20 * ds] = a20; d[do_ + 21 * ds] = a21; d[do_ + 22 * ds] = a22; d[do_ + 23 * ds] = a23;
  d[do_ + 24 * ds] = a24; d[do_ + 25 * ds] = a25; d[do_ + 26 * ds] = a26; d[do_ + 27 * ds] = a27;
  d[do_ + 28 * ds] = a28; d[do_ + 29 * ds] = a29; d[do_ + 30 * ds] = a30; d[do_ + 31 * ds] = a31;
}

/** Bit-slices the low `k` bits (k <= ring bits, multiple of 32 or not) of every element. */
export function toPlanes(field: Field, data: BigUint64Array, n: number, k = ringBits(field)): Planes {
  const wordsPerEl = ringBits(field) >>> 5;
  const src = new Uint32Array(data.buffer, data.byteOffset, n * wordsPerEl);
  const p = emptyPlanes(k, n);
  const W = p.W, out = p.words;
  const blk = new Uint32Array(32), tb = new Uint32Array(32);
  for (let b = 0; b < W; b++) {
    const e0 = b << 5;
    const cnt = Math.min(32, n - e0);
    for (let w = 0; w * 32 < k; w++) {
      const top = Math.min(32, k - w * 32);
      let s = src, so = e0 * wordsPerEl + w, ss = wordsPerEl;
      if (cnt < 32) {
        for (let e = 0; e < cnt; e++) blk[e] = src[(e0 + e) * wordsPerEl + w]!;
        blk.fill(0, cnt);
        s = blk; so = 0; ss = 1;
      }
      if (top === 32) transpose32To(s, so, ss, out, w * 32 * W + b, W);
      else {
        transpose32To(s, so, ss, tb, 0, 1);
        for (let j = 0; j < top; j++) out[(w * 32 + j) * W + b] = tb[j]!;
      }
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
      if (top === 32 && cnt === 32) {
        transpose32To(p.words, w * 32 * p.W + b, p.W, dst, e0 * wordsPerEl + w, wordsPerEl);
        continue;
      }
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
