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
    const mhi = Math.floor(m / 1e9);
    const mlo = m - mhi * 1e9; // exact: integers below 2^53
    return writeDecimal(b, p, mhi, mlo, mhi > 0 ? 9 + digitCount(mhi) : digitCount(mlo), k);
  }
  return writeLong(b, p, a, e);
}

/**
 * 16 or 17 significant digits (1e-6 <= a < 1e15, no 15-digit form; e its decimal exponent), from
 * one exact product: a * 10^k at the 17-digit scale is N17 - dist17. With d the last digit of N17
 * and t = d - dist17, a * 10^(k-1) = (N17 - d) / 10 + t / 10, so the closest 16-digit decimal is
 * (N17 - d) / 10 + (t > 5), at distance |t - 10 (t > 5)| on the 17-digit scale, where the rounding
 * interval is halfUlp * 10^k wide each side. Ties and near-boundary cases go to String.
 */
function writeLong(b: Uint8Array, p: number, a: number, e: number): number {
  F64[0] = a;
  const hiWord = U32[HI]!;
  // A power of two has a closer neighbour below than above: its interval is not symmetric.
  if ((hiWord & 0xfffff) === 0 && U32[LO] === 0) return writeString(b, p, a);
  // Half an ulp of a.
  const ex = (hiWord >>> 20) & 0x7ff;
  if (ex <= 53) return writeString(b, p, a);
  const halfUlp = HALF_ULP[ex]!;
  const k = 16 - e;
  if (k < 1 || k > 22) return writeString(b, p, a);
  // a * 10^k rounded to the nearest integer N17 = nhi * 1e9 + nlo, and dist17 = N17 - a * 10^k (to
  // within ~2^-50). Locals, not module slots: a double stored in a module variable is boxed.
  const t10 = POW10[k]!;
  const ph = a * t10;
  const pl = productError(a, t10, ph); // a * 10^k = ph + pl exactly
  const ip = Math.floor(ph); // exact; ph is an integer already from 2^52 up
  const r = ph - ip + pl; // fraction part plus the low word: within about (-1, 2)
  const c = Math.round(r);
  const f = r - c;
  // Too close to a half-integer to round safely.
  if (Math.abs(Math.abs(f) - 0.5) < 1e-6) return writeString(b, p, a);
  const dist17 = -f;
  let nhi = Math.floor(ip / 1e9);
  // ip - nhi * 1e9 is exact (nhi * 1e9 is a double: nhi * 5^9 < 2^53, and so is the difference);
  // the floor of the quotient may be one off and c is small, so one carry step brings nlo into range.
  let nlo = ip - nhi * 1e9 + c;
  if (nlo < 0) {
    nhi -= 1;
    nlo += 1e9;
  } else if (nlo >= 1e9) {
    nhi += 1;
    nlo -= 1e9;
  }
  // N17 = nhi * 1e9 + nlo must have 17 digits (an estimate of e one off, or a carry: String).
  if (nhi < 1e7 || nhi >= 1e8) return writeString(b, p, a);
  const bound = halfUlp * t10;
  // Integer arithmetic on 32 bits (nlo < 1e9): a double's % is a slow library call.
  const nlo32 = nlo | 0;
  const d = nlo32 - ((nlo32 / 10) | 0) * 10;
  const t = d - dist17; // a * 10^k = (N17 - d) + t
  // Two 16-digit decimals equally close: leave the choice to String.
  if (Math.abs(t - 5) < 1e-5) return writeString(b, p, a);
  const up = t > 5 ? 1 : 0;
  const dist = Math.abs(t - 10 * up);
  if (Math.abs(dist - bound) <= bound * 1e-6) return writeString(b, p, a);
  if (dist < bound) {
    // The 16-digit decimal, as hi (7 digits) * 1e9 + lo.
    let hi = (nhi / 10) | 0;
    let lo = ((nhi - hi * 10) * 1e8 + (nlo32 - d) / 10 + up) | 0;
    if (lo >= 1e9) {
      hi += 1;
      lo -= 1e9;
    }
    // A trailing zero means a shorter form exists that the 15-digit path missed: String decides.
    if (hi >= 1e7 || lo === ((lo / 10) | 0) * 10) return writeString(b, p, a);
    return writeDecimal(b, p, hi, lo, 16, k - 1);
  }
  if (d === 0) return writeString(b, p, a);
  return writeDecimal(b, p, nhi, nlo32, 17, k);
}

/** Half an ulp of a double by its biased exponent field (54 .. 2046): 2^(ex - 1076). */
const HALF_ULP = Float64Array.from({ length: 2048 }, (_, ex) => 2 ** (ex - 1076));

/** The number of decimal digits of the integer 0 <= n < 1e9 (1 for 0). */
function digitCount(n: number): number {
  let len = 1;
  for (let t = 10; t <= n && len < 9; t *= 10) len++;
  return len;
}

/** Writes the n low digits of the integer 0 <= x < 1e9 (zero-padded), two at a time, ending just before q; returns where they start. */
function writeDigitsBefore(b: Uint8Array, q: number, x: number, n: number): number {
  x |= 0;
  for (; n >= 2; n -= 2) {
    const y = (x / 100) | 0;
    const r = x - y * 100;
    x = y;
    b[--q] = DIGITS[2 * r + 1]!;
    b[--q] = DIGITS[2 * r]!;
  }
  if (n === 1) b[--q] = 48 + x;
  return q;
}

/**
 * Writes the integer hi * 1e9 + lo (lo < 1e9; `len` digits in all, so lo is zero-padded to 9 when
 * hi > 0) with k digits after the point (a leading "0." and zeros when k >= len), straight into b:
 * the digits two at a time from the end, then the shorter side of the point moved one byte to make
 * room for it.
 */
function writeDecimal(b: Uint8Array, p: number, hi: number, lo: number, len: number, k: number): number {
  if (k >= len) {
    b[p++] = 48;
    b[p++] = 46;
    for (let z = k - len; z > 0; z--) b[p++] = 48;
    k = 0;
  }
  const intLen = len - k;
  // The integer digits are moved left (written one byte on) when they are the fewer.
  const left = k > 0 && intLen <= k;
  const end = (left ? p + 1 : p) + len;
  const q = writeDigitsBefore(b, end, lo, len > 9 ? 9 : len);
  if (len > 9) writeDigitsBefore(b, q, hi, len - 9);
  if (k === 0) return end;
  if (left) {
    for (let i = p; i < p + intLen; i++) b[i] = b[i + 1]!;
    b[p + intLen] = 46;
    return end;
  }
  for (let i = end; i > end - k; i--) b[i] = b[i - 1]!;
  b[end - k] = 46;
  return end + 1;
}
