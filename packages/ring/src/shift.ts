// Shifts and bit extraction. shr is arithmetic (sign-propagating, two's complement): SPU's
// local truncation of fixed-point shares uses it (SecureML/ABY3-style probabilistic truncation,
// Mohassel & Zhang 2017, §4.1). lshr is logical (unsigned): bit decomposition and B2A use it.
import { FIELD_BITS } from './field.ts';
import { kernels } from './backend.ts';
import { RingError, outFor, type RingTensor } from './tensor.ts';

function checkBits(t: RingTensor, bits: number): void {
  const k = FIELD_BITS[t.field];
  if (!Number.isInteger(bits) || bits < 0 || bits > k) throw new RingError(`shift ${String(bits)} out of [0, ${k}] for ${t.field}`);
}

/** Arithmetic right shift (floor(x / 2^bits) for the signed value). bits = k gives 0 or -1. */
export function shr(a: RingTensor, bits: number, out?: RingTensor): RingTensor {
  checkBits(a, bits);
  const o = outFor(a.field, a.shape, out);
  const k = FIELD_BITS[a.field];
  kernels().shr(a.field, a.data, Math.min(bits, k - 1), o.data, a.size);
  return o;
}

/** Logical right shift. bits = k gives 0. */
export function lshr(a: RingTensor, bits: number, out?: RingTensor): RingTensor {
  checkBits(a, bits);
  const o = outFor(a.field, a.shape, out);
  if (bits === FIELD_BITS[a.field]) o.data.fill(0n);
  else kernels().lshr(a.field, a.data, bits, o.data, a.size);
  return o;
}

/** Left shift (multiply by 2^bits mod 2^k). bits = k gives 0. */
export function shl(a: RingTensor, bits: number, out?: RingTensor): RingTensor {
  checkBits(a, bits);
  const o = outFor(a.field, a.shape, out);
  if (bits === FIELD_BITS[a.field]) o.data.fill(0n);
  else kernels().shl(a.field, a.data, bits, o.data, a.size);
  return o;
}

/** Bit `i` (0 = least significant) of every element, as ring elements 0 or 1. */
export function bitAt(a: RingTensor, i: number, out?: RingTensor): RingTensor {
  return extractBits(a, i, 1, out);
}

/** (x >>> lo) & (2^count - 1) for every element, as ring elements. */
export function extractBits(a: RingTensor, lo: number, count: number, out?: RingTensor): RingTensor {
  const k = FIELD_BITS[a.field];
  if (!Number.isInteger(lo) || !Number.isInteger(count) || lo < 0 || count < 0 || lo + count > k)
    throw new RingError(`bit range [${String(lo)}, ${String(lo + count)}) outside ${a.field}`);
  const o = outFor(a.field, a.shape, out);
  if (lo === k) o.data.fill(0n);
  else kernels().lshr(a.field, a.data, lo, o.data, a.size);
  if (count < k) {
    // Mask on 32-bit words: word j keeps min(32, max(0, count - 32j)) low bits.
    const words = k / 32;
    const w = new Uint32Array(o.data.buffer, o.data.byteOffset, o.data.length * 2);
    const masks = Array.from({ length: words }, (_, j) => {
      const keep = Math.min(32, Math.max(0, count - 32 * j));
      return keep === 32 ? 0xffffffff : (1 << keep) - 1;
    });
    for (let j = 0; j < words; j++) {
      const m = masks[j] as number;
      if (m === 0xffffffff) continue;
      for (let i = j; i < w.length; i += words) w[i] = (w[i] as number) & m;
    }
  }
  return o;
}

/** Most significant bit (1 for negative values in two's complement). */
export function msb(a: RingTensor, out?: RingTensor): RingTensor {
  return bitAt(a, FIELD_BITS[a.field] - 1, out);
}

/**
 * Bit `i` of every element packed one per byte (0/1) - the compact form for bit-sliced boolean
 * circuits that only need the bit, not a ring element.
 */
export function bitsAt(a: RingTensor, i: number): Uint8Array {
  const k = FIELD_BITS[a.field];
  if (!Number.isInteger(i) || i < 0 || i >= k) throw new RingError(`bit ${String(i)} outside ${a.field}`);
  const out = new Uint8Array(a.size);
  const w = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length * 2);
  const words = a.field === 'FM64' ? 2 : 4;
  const wi = i >>> 5, sh = i & 31;
  for (let j = 0; j < a.size; j++) out[j] = ((w[j * words + wi] as number) >>> sh) & 1;
  return out;
}
