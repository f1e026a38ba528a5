// Fixed-point codec: x -> round(x * 2^f) as a k-bit two's-complement ring element (SPU's encoding
// of FXP values, e.g. `libspu/core/encoding.cc`). No BigInt: values are split into 32-bit words
// with exact double arithmetic (floor division by 2^32 and the remainder are exact in IEEE 754).
// Assumes a little-endian host (x86-64, arm64), as the wire format does.
import { DEFAULT_FXP_BITS, FIELD_BITS, type FieldType } from './field.ts';
import { RingError, makeTensor, type RingTensor } from './tensor.ts';

const TWO32 = 4294967296;

function checkFxp(field: FieldType, fxpBits: number): void {
  if (!Number.isInteger(fxpBits) || fxpBits < 0 || fxpBits >= FIELD_BITS[field] - 1)
    throw new RingError(`fxpBits ${String(fxpBits)} out of range for ${field}`);
}

/**
 * Largest magnitude that encodes: values must satisfy -2^(k-1-f) <= x < 2^(k-1-f) after rounding
 * (FM64/f=18: about ±3.5e13; FM128/f=26: about ±2.5e30).
 */
export function fxpRange(field: FieldType, fxpBits = DEFAULT_FXP_BITS[field]): number {
  return 2 ** (FIELD_BITS[field] - 1 - fxpBits);
}

// Rounding is half away from zero via trunc + exact remainder (no `+0.5`, which would misround
// past 2^52).

/**
 * Encode doubles as fixed point with `fxpBits` fraction bits: round(x * 2^f), rounding half away
 * from zero. Throws RingError (naming the index, never the value) for NaN, infinities and values
 * outside fxpRange. Shape defaults to [x.length]. `out` (same field and size) avoids allocating.
 */
export function encode(
  x: Float64Array | readonly number[],
  field: FieldType,
  fxpBits = DEFAULT_FXP_BITS[field],
  shape?: readonly number[],
  out?: RingTensor,
): RingTensor {
  checkFxp(field, fxpBits);
  const xs = x instanceof Float64Array ? x : Float64Array.from(x);
  const n = xs.length;
  const t = out ?? makeTensor(field, shape ?? [n]);
  if (t.size !== n || t.field !== field) throw new RingError(`${n} values do not fill ${t.field} shape [${t.shape.join(',')}]`);
  const scale = 2 ** fxpBits;
  const limit = 2 ** (FIELD_BITS[field] - 1);
  const w = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);
  const sw = new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);
  if (field === 'FM64') encode64(xs, scale, limit, w, sw);
  else encode128(xs, scale, limit, w, sw);
  return t;
}

function rangeError(i: number, field: FieldType): RingError {
  return new RingError(`value at index ${i} is not finite or outside the ${field} fixed-point range`);
}

// Monomorphic loops (one per ring) so V8 keeps everything in registers.
function encode64(xs: Float64Array, scale: number, limit: number, w: Uint32Array, sw: Int32Array): void {
  for (let i = 0; i < xs.length; i++) {
    const v = (xs[i] as number) * scale;
    let y = Math.trunc(v);
    const d = v - y; // exact
    if (d >= 0.5) y += 1;
    else if (d <= -0.5) y -= 1;
    if (!(y >= -limit && y < limit)) throw rangeError(i, 'FM64');
    const h = Math.floor(y / TWO32); // exact; in [-2^31, 2^31)
    w[2 * i] = y - h * TWO32;
    sw[2 * i + 1] = h;
  }
}

function encode128(xs: Float64Array, scale: number, limit: number, w: Uint32Array, sw: Int32Array): void {
  for (let i = 0; i < xs.length; i++) {
    const v = (xs[i] as number) * scale;
    let y = Math.trunc(v);
    const d = v - y;
    if (d >= 0.5) y += 1;
    else if (d <= -0.5) y -= 1;
    if (!(y >= -limit && y < limit)) throw rangeError(i, 'FM128');
    const b = 4 * i;
    let h = Math.floor(y / TWO32);
    w[b] = y - h * TWO32;
    y = h;
    h = Math.floor(y / TWO32);
    w[b + 1] = y - h * TWO32;
    y = h;
    h = Math.floor(y / TWO32);
    w[b + 2] = y - h * TWO32;
    sw[b + 3] = h;
  }
}

/**
 * Decode to doubles: signed value / 2^f. FM64 rounds once (correctly rounded); FM128 combines
 * four 32-bit words and may be off by a few ulps for values above 2^53 / 2^f. `into` (length
 * t.size) avoids allocating.
 */
export function decode(t: RingTensor, fxpBits = DEFAULT_FXP_BITS[t.field], into?: Float64Array): Float64Array {
  checkFxp(t.field, fxpBits);
  const n = t.size;
  if (into !== undefined && into.length !== n) throw new RingError(`decode target has ${into.length} slots for ${n} elements`);
  const out = into ?? new Float64Array(n);
  const inv = 2 ** -fxpBits;
  const u = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);
  const s = new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);
  if (t.field === 'FM64') {
    for (let i = 0; i < n; i++) out[i] = ((s[2 * i + 1] as number) * TWO32 + (u[2 * i] as number)) * inv;
  } else {
    for (let i = 0; i < n; i++) {
      // Horner from the signed top word: exact while |value| < 2^53 (no cancellation between
      // a large negative high part and a large low part), a few ulps above.
      const b = 4 * i;
      out[i] = ((((s[b + 3] as number) * TWO32 + (u[b + 2] as number)) * TWO32 + (u[b + 1] as number)) * TWO32 + (u[b] as number)) * inv;
    }
  }
  return out;
}
