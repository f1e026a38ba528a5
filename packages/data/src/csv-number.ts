// The one cell rule for numeric columns, on the bytes of a CSV field: ASCII spaces and tabs around
// the value are ignored; a decimal literal ([+-] digits [. digits] [e [+-] digits], or
// [+-]Infinity) gives its number; an empty cell or a missing marker (NA, N/A, NaN, nan, null, NULL,
// None) gives NaN; anything else (words, hex) gives undefined, which makes the column a text column.
//
// Decimal literals are converted without building a string. Up to 15 significant digits with a
// decimal exponent of at most 22 are exact in float64 arithmetic (one correctly rounded multiply or
// divide by an exact power of ten: Clinger's fast path), and so is any mantissa below 2^53 (16
// digits up to 9.007e15: many shortest round-trip forms, which otherwise take the slower path
// below, a third of the time of a 19-byte cell). Longer mantissas
// of up to 19 digits go through double-double arithmetic (about 100 bits)
// and are accepted when the result is provably far from a rounding boundary; the rare rest, and
// exponents beyond 22, are handed to Number() on the field's ASCII text. Every path therefore gives
// exactly Number()'s value (property-tested in csv-number.test.ts).

import { HI_WORD, LO_WORD, POW10, TWO53, productError } from './float-exact.ts';

const MISSING_TEXT = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];
const MISSING = MISSING_TEXT.map((s) => Buffer.from(s, 'latin1'));
const MISSING_SET = new Set(MISSING_TEXT);
const INFINITY = Buffer.from('Infinity', 'latin1');

// Bit access to a double (which word holds the exponent depends on the platform's byte order).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = HI_WORD;
const LO = LO_WORD;

// The exact product a*b = PH + PL, in module slots so the per-cell loop allocates nothing.
let PH = 0;
let PL = 0;
function twoProd(a: number, b: number): void {
  PH = a * b;
  PL = productError(a, b, PH);
}

function equalBytes(b: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[s + k] !== word[k]) return false;
  return true;
}

/** Number() on the field's text: the fallback for inputs the arithmetic paths do not decide. */
function viaString(b: Uint8Array, s: number, e: number): number {
  // A view of the bytes (a cell may be long: no argument spread).
  return Number(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
}

/**
 * The cell rule on `b[s..e)`, written to `out[i]` (NaN for a missing cell); false when the cell is
 * not a number (the column is then text). Writing into the column instead of returning the value
 * keeps the double unboxed: no heap number per cell.
 */
export function cellInto(b: Uint8Array, s: number, e: number, out: Float64Array, i: number): boolean {
  while (s < e && (b[s] === 32 || b[s] === 9)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
  if (s === e) {
    out[i] = NaN;
    return true;
  }
  let p = s;
  let c = b[p]!;
  const neg = c === 45;
  if (c === 45 || c === 43) p++;
  // Significant digits: the first 15 into hi (exact), the next 4 into lo; more than 19 go to
  // Number(). Separate tight loops per part keep the per-byte work to a compare and a multiply-add.
  let hi = 0;
  let lo = 0;
  let nLo = 0;
  let sig = 0;
  let scale = 0; // power of ten of the last significant digit taken
  const intStart = p;
  while (p < e && b[p] === 48) p++; // leading zeros
  let d = 0;
  while (p < e && sig < 15 && (d = b[p]! - 48) >= 0 && d <= 9) {
    hi = hi * 10 + d;
    sig++;
    p++;
  }
  while (p < e && (d = b[p]! - 48) >= 0 && d <= 9) {
    if (sig < 19) {
      lo = lo * 10 + d;
      nLo++;
    }
    sig++;
    p++;
  }
  let digits = p - intStart;
  if (p < e && b[p] === 46) {
    p++;
    const fracStart = p;
    if (sig === 0) while (p < e && b[p] === 48) p++;
    scale -= p - fracStart;
    const sigStart = p;
    while (p < e && sig < 15 && (d = b[p]! - 48) >= 0 && d <= 9) {
      hi = hi * 10 + d;
      sig++;
      p++;
    }
    while (p < e && (d = b[p]! - 48) >= 0 && d <= 9) {
      if (sig < 19) {
        lo = lo * 10 + d;
        nLo++;
      }
      sig++;
      p++;
    }
    scale -= p - sigStart;
    digits += p - fracStart;
  }
  if (p < e) c = b[p]!;
  if (digits === 0) return specialInto(b, s, e, out, i);
  let exp = 0;
  if (p < e) {
    if (c !== 101 && c !== 69) return specialInto(b, s, e, out, i);
    p++;
    let expNeg = false;
    if (p < e && (b[p] === 45 || b[p] === 43)) expNeg = b[p++] === 45;
    if (p === e) return false;
    for (; p < e; p++) {
      c = b[p]!;
      if (c < 48 || c > 57) return false;
      if (exp < 1e6) exp = exp * 10 + (c - 48);
    }
    if (expNeg) exp = -exp;
  }
  if (sig === 0) {
    out[i] = neg ? -0 : 0;
    return true;
  }
  const q = scale + exp;
  let v: number;
  // The mantissa as one double when it is below 2^53: exact, because hi * 10^nLo and the sum are
  // integers below 2^53 then (and a computed m below 2^53 implies the true one is, rounding being
  // monotonic). That covers 16-digit mantissas up to 9.007e15, about half the shortest forms.
  const m = sig <= 15 ? hi : hi * POW10[nLo]! + lo;
  if (sig <= 19 && m < TWO53 && q >= -22 && q <= 22) v = q === 0 ? m : q > 0 ? m * POW10[q]! : m / POW10[-q]!;
  else if (sig <= 19 && q >= -22 && q <= 22 && ddInto(hi, lo, nLo, q, out, i)) v = out[i]!;
  else {
    out[i] = viaString(b, s, e); // the text carries its sign
    return true;
  }
  out[i] = neg ? -v : v;
  return true;
}

/** (hi * 10^nLo + lo) * 10^q rounded to float64 into out[i]; false when too close to call. */
function ddInto(hi: number, lo: number, nLo: number, q: number, out: Float64Array, i: number): boolean {
  // The mantissa exactly as wh + wl (it has at most 19 digits, < 2^64).
  twoProd(hi, POW10[nLo]!);
  const s = PH + lo;
  const bb = s - PH;
  const wh = s;
  const wl = PL + (PH - (s - bb) + (lo - bb));
  let qh: number;
  let ql: number;
  if (q === 0) {
    qh = wh;
    ql = wl;
  } else if (q > 0) {
    twoProd(wh, POW10[q]!);
    qh = PH;
    ql = PL + wl * POW10[q]!;
  } else {
    const d = POW10[-q]!;
    qh = wh / d;
    twoProd(qh, d);
    ql = (wh - PH - PL + wl) / d;
  }
  const x = qh + ql;
  const err = ql - (x - qh); // exact: x + err = qh + ql
  F64[0] = x;
  const hiWord = U32[HI]!;
  const ex = hiWord >>> 20;
  // Powers of two (a closer lower neighbour) and tiny values: let Number() decide.
  if (((hiWord & 0xfffff) === 0 && U32[LO] === 0) || ex <= 53) return false;
  U32[HI] = (ex - 52) << 20;
  U32[LO] = 0;
  const halfUlp = F64[0] * 0.5;
  // qh + ql is within ~2^-100 relative of the true value; x is its correct rounding unless the
  // pair sits next to the midpoint between x and a neighbour.
  if (Math.abs(err) > halfUlp * (1 - 2 ** -30)) return false;
  out[i] = x;
  return true;
}

/** Infinity forms and missing markers (whatever is not a decimal literal). */
function specialInto(b: Uint8Array, s: number, e: number, out: Float64Array, i: number): boolean {
  const c = b[s];
  const sign = c === 45 || c === 43 ? 1 : 0;
  if (equalBytes(b, s + sign, e, INFINITY)) {
    out[i] = c === 45 ? -Infinity : Infinity;
    return true;
  }
  for (const m of MISSING) {
    if (equalBytes(b, s, e, m)) {
      out[i] = NaN;
      return true;
    }
  }
  return false;
}

const one = new Float64Array(1);

/** The cell rule on `b[s..e)` as a value: the number, NaN when missing, undefined when not numeric. */
export function parseCellBytes(b: Uint8Array, s: number, e: number): number | undefined {
  return cellInto(b, s, e, one, 0) ? one[0]! : undefined;
}

const scratch = { bytes: Buffer.alloc(64) };

/**
 * The cell rule for a cell that is already a string (the same rule as the CSV reader applies to
 * bytes): the number, NaN for a missing marker, undefined when the cell is not numeric.
 */
export function cellNumber(cell: string): number | undefined {
  if (cell.length > scratch.bytes.length) scratch.bytes = Buffer.alloc(cell.length * 2);
  const b = scratch.bytes;
  for (let k = 0; k < cell.length; k++) {
    const c = cell.charCodeAt(k);
    if (c > 127) return undefined; // no number or missing marker has a non-ASCII character
    b[k] = c;
  }
  return parseCellBytes(b, 0, cell.length);
}

/** Whether a cell is a missing marker (empty, NA, NaN, null, None, ... with spaces around). */
export function isMissingCell(cell: string): boolean {
  return MISSING_SET.has(cell) || MISSING_SET.has(cell.replace(/^[ \t]+|[ \t]+$/g, ''));
}
