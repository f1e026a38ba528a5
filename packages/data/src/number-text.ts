// Writing a double's shortest round-trip decimal (exactly the text of Number#toString) straight into
// a byte buffer, without a heap string per cell. Two arithmetic paths cover the values tables
// usually hold, in fixed notation (1e-6 <= |v| < 1e15); every other value (exponent notation,
// exact powers of two, results too close to a rounding boundary to decide) is written from
// String(v), so the output never differs from it (property-tested in number-text.test.ts).
//
// - Up to 15 significant digits: any two decimals of at most 15 digits read back as different
//   doubles, so when the 15-digit decimal m / 10^k closest to v reads back as v (the division is
//   correctly rounded, m and 10^k being exact) it is the only one, and without its trailing zeros
//   it is the one Number#toString prints.
// - 16 or 17 digits: v * 10^k is formed exactly as a double-double (both factors are doubles). The
//   closest 16-digit decimal is the answer when it lies inside v's rounding interval (half an ulp
//   either side: symmetric unless v is a power of two, which is left to String), else the closest
//   17-digit decimal is (17 digits always round-trip, and the closest one is the one printed).

import { HI_WORD, LO_WORD, POW10, TWO53, productError } from './float-exact.ts';

const NEG10 = Array.from({ length: 8 }, (_, k) => Number(`1e-${k}`));

// Bit access to a double (which 32-bit word holds the exponent depends on the byte order).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = HI_WORD;
const LO = LO_WORD;

const DIGITS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGITS[2 * i] = 48 + Math.floor(i / 10);
  DIGITS[2 * i + 1] = 48 + (i % 10);
}

/** The largest number of bytes writeNumber may write. */
export const MAX_NUMBER_BYTES = 32;

/** Writes the decimal digits of the integer n (0 <= n < 2^53) at p; returns the end. */
function writeUint(b: Uint8Array, p: number, n: number): number {
  if (n >= 1e9) {
    const hi = Math.floor(n / 1e9);
    const lo = n - hi * 1e9; // exact: integers below 2^53
    p = writeUint(b, p, hi);
    return writePadded(b, p, lo, 9);
  }
  let x = n | 0;
  let len = 1;
  for (let t = 10; t <= x && len < 10; t *= 10) len++;
  const end = p + len;
  let q = end;
  while (x >= 100) {
    const r = x % 100;
    x = (x / 100) | 0;
    b[--q] = DIGITS[2 * r + 1]!;
    b[--q] = DIGITS[2 * r]!;
  }
  if (x >= 10) {
    b[--q] = DIGITS[2 * x + 1]!;
    b[--q] = DIGITS[2 * x]!;
  } else b[--q] = 48 + x;
  return end;
}

/** Writes 0 <= x < 10^width as exactly `width` digits (leading zeros) at p. */
function writePadded(b: Uint8Array, p: number, x: number, width: number): number {
  let v = x | 0;
  for (let q = p + width - 1; q >= p; q--) {
    const r = v % 10;
    v = (v / 10) | 0;
    b[q] = 48 + r;
  }
  return p + width;
}

/** The digits of m (an integer written as `len` digits, leading zeros allowed) with k of them after a point. */
function writeFixed(b: Uint8Array, p: number, digits: Uint8Array, len: number, k: number): number {
  if (k >= len) {
    b[p++] = 48;
    b[p++] = 46;
    for (let z = k - len; z > 0; z--) b[p++] = 48;
    for (let i = 0; i < len; i++) b[p++] = digits[i]!;
    return p;
  }
  for (let i = 0; i < len - k; i++) b[p++] = digits[i]!;
  if (k > 0) {
    b[p++] = 46;
    for (let i = len - k; i < len; i++) b[p++] = digits[i]!;
  }
  return p;
}

const SCRATCH = new Uint8Array(40);

/** Writes String(v)'s characters (all ASCII) at p. */
function writeString(b: Uint8Array, p: number, v: number): number {
  const s = String(v);
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

/**
 * Writes Number#toString's text of v at b[p..] and returns the end offset: NaN writes nothing (a
 * missing cell), -0 is written "-0". The buffer needs MAX_NUMBER_BYTES bytes of room.
 */
export function writeNumber(b: Uint8Array, p: number, v: number): number {
  if (v !== v) return p;
  let a = v;
  if (v < 0 || (v === 0 && 1 / v < 0)) {
    b[p++] = 45;
    a = -v;
  }
  if (a < TWO53 && Number.isInteger(a)) return writeUint(b, p, a);
  if (!(a >= 1e-6 && a < 1e15)) return writeString(b, p, a);
  // Decimal exponent e (10^e <= a < 10^(e+1)); an estimate one off only sends the value to a
  // slower path below (every path checks its digit count).
  let e = 0;
  if (a >= 1) while (e < 15 && a >= POW10[e + 1]!) e++;
  else {
    e = -1;
    while (e > -6 && a < NEG10[-e]!) e--;
  }
  // Up to 15 significant digits: the candidate with 15, then its trailing zeros dropped.
  const k15 = 14 - e;
  const t15 = POW10[k15]!;
  let m = Math.round(a * t15);
  if (m < 1e15 && m / t15 === a) {
    // Trailing zeros, counted on 32-bit integer parts (a double's % is a slow library call).
    const hi = Math.floor(m / 1e8);
    let x = (m - hi * 1e8) | 0;
    let z = 0;
    if (x === 0) {
      z = 8;
      x = hi | 0;
    }
    while (z < k15 && x !== 0 && x % 10 === 0) {
      x = (x / 10) | 0;
      z++;
    }
    if (z > k15) z = k15;
    m /= POW10[z]!; // exact: 10^z divides m
    const k = k15 - z;
    const len = writeUint(SCRATCH, 0, m);
    return writeFixed(b, p, SCRATCH, len, k);
  }
  return writeLong(b, p, a, e);
}

// Results of roundScaled (module slots: no allocation per cell).
let NHI = 0; // the scaled value rounded to an integer, as NHI * 1e9 + NLO
let NLO = 0;
let DIST = 0; // (that integer) - a * 10^k, to within ~2^-50

/**
 * Rounds a * 10^k (k <= 22, formed exactly as the double-double ph + pl) to the nearest integer, kept as
 * NHI * 1e9 + NLO, and its signed distance DIST from the exact product. False when the product is
 * too close to a half-integer to round safely.
 */
function roundScaled(a: number, k: number): boolean {
  const t = POW10[k]!;
  const ph = a * t;
  const pl = productError(a, t, ph); // a * t = ph + pl exactly
  const ip = Math.floor(ph); // exact; ph is an integer already from 2^52 up
  const r = ph - ip + pl; // fraction part plus the low word: within about (-1, 2)
  const c = Math.round(r);
  const f = r - c;
  if (Math.abs(Math.abs(f) - 0.5) < 1e-6) return false;
  DIST = -f;
  let hi = Math.floor(ip / 1e9);
  // ip - hi * 1e9 is exact (hi * 1e9 is a double: hi * 5^9 < 2^53, and so is the difference); the
  // floor of the quotient may be one off and c is small, so one carry step brings lo into range.
  let lo = ip - hi * 1e9 + c;
  if (lo < 0) {
    hi -= 1;
    lo += 1e9;
  } else if (lo >= 1e9) {
    hi += 1;
    lo -= 1e9;
  }
  NHI = hi;
  NLO = lo;
  return true;
}

/** 16 or 17 significant digits (1e-6 <= a < 1e15, no 15-digit form; e its decimal exponent). */
function writeLong(b: Uint8Array, p: number, a: number, e: number): number {
  F64[0] = a;
  const hiWord = U32[HI]!;
  // A power of two has a closer neighbour below than above: its interval is not symmetric.
  if ((hiWord & 0xfffff) === 0 && U32[LO] === 0) return writeString(b, p, a);
  // Half an ulp of a.
  const ex = (hiWord >>> 20) & 0x7ff;
  if (ex <= 53) return writeString(b, p, a);
  U32[HI] = (ex - 53) << 20;
  U32[LO] = 0;
  const halfUlp = F64[0]!;
  const k16 = 15 - e;
  if (k16 < 0 || k16 + 1 > 22) return writeString(b, p, a);
  // The closest 16-digit decimal, if inside the rounding interval (ties there: leave to String).
  if (!roundScaled(a, k16)) return writeString(b, p, a);
  const bound = halfUlp * POW10[k16]!;
  const d = Math.abs(DIST);
  if (Math.abs(d - bound) <= bound * 1e-6) return writeString(b, p, a);
  let k = k16;
  if (d > bound) {
    k = k16 + 1;
    if (!roundScaled(a, k)) return writeString(b, p, a);
  }
  // NHI * 1e9 + NLO has 16 or 17 digits; anything else (a carry into another digit) goes to String.
  const len = k - k16 + 16;
  if (NHI < (len === 16 ? 1e6 : 1e7) || NHI >= (len === 16 ? 1e7 : 1e8) || NLO % 10 === 0) return writeString(b, p, a);
  let q = writeUint(SCRATCH, 0, NHI);
  q = writePadded(SCRATCH, q, NLO, 9);
  return writeFixed(b, p, SCRATCH, q, k);
}
