// RingTensor: a shaped vector of ring elements stored in a BigUint64Array.
// FM64: one u64 per element. FM128: two u64 limbs per element, data[2i] low, data[2i+1] high.
// The storage is a plain JS typed array (not WASM memory) so tensors can be transferred between
// threads and viewed as bytes without copies; kernels copy into WASM scratch memory when they run
// there (see docs/ring.md for the measurement behind this choice).
import { isArenaBuffer } from './arena-registry.ts';
import { ELEMENT_BYTES, FIELD_BITS, LIMBS, ringMask, type FieldType } from './field.ts';

export interface RingTensor {
  readonly field: FieldType;
  readonly shape: readonly number[];
  readonly size: number;
  readonly data: BigUint64Array;
}

export class RingError extends Error {
  override readonly name = 'RingError';
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RingError(`invalid shape dimension ${String(d)}`);
    n *= d;
  }
  return n;
}

/** Wrap existing limbs (no copy). `data.length` must be size * limbs. */
export function makeTensor(field: FieldType, shape: readonly number[], data?: BigUint64Array): RingTensor {
  const size = shapeSize(shape);
  const len = size * LIMBS[field];
  const d = data ?? new BigUint64Array(len);
  if (d.length !== len) throw new RingError(`data has ${d.length} limbs, shape [${shape.join(',')}] of ${field} needs ${len}`);
  return { field, shape: [...shape], size, data: d };
}

export function zeros(field: FieldType, shape: readonly number[]): RingTensor {
  return makeTensor(field, shape);
}

/** Every element set to `value` (taken mod 2^k; negative values wrap as two's complement). */
export function fill(field: FieldType, shape: readonly number[], value: bigint): RingTensor {
  const t = zeros(field, shape);
  const v = BigInt.asUintN(FIELD_BITS[field], value);
  if (field === 'FM64') t.data.fill(v);
  else {
    const lo = BigInt.asUintN(64, v);
    const hi = v >> 64n;
    for (let i = 0; i < t.size; i++) {
      t.data[2 * i] = lo;
      t.data[2 * i + 1] = hi;
    }
  }
  return t;
}

/** Test helper: build a tensor from bigints (reduced mod 2^k). Shape defaults to [values.length]. */
export function fromBigInts(field: FieldType, values: readonly bigint[], shape?: readonly number[]): RingTensor {
  const t = zeros(field, shape ?? [values.length]);
  if (t.size !== values.length) throw new RingError(`${values.length} values do not fill shape [${t.shape.join(',')}]`);
  const bits = FIELD_BITS[field];
  for (let i = 0; i < values.length; i++) {
    const v = BigInt.asUintN(bits, values[i] ?? 0n);
    if (field === 'FM64') t.data[i] = v;
    else {
      t.data[2 * i] = BigInt.asUintN(64, v);
      t.data[2 * i + 1] = v >> 64n;
    }
  }
  return t;
}

/** Test helper: elements as bigints in [0, 2^k), or two's-complement signed if `signed`. */
export function toBigInts(t: RingTensor, signed = false): bigint[] {
  const out = new Array<bigint>(t.size);
  const bits = FIELD_BITS[t.field];
  for (let i = 0; i < t.size; i++) {
    const v = t.field === 'FM64' ? (t.data[i] ?? 0n) : ((t.data[2 * i + 1] ?? 0n) << 64n) | (t.data[2 * i] ?? 0n);
    out[i] = signed ? BigInt.asIntN(bits, v) : v;
  }
  return out;
}

export function getBigInt(t: RingTensor, i: number): bigint {
  return t.field === 'FM64' ? (t.data[i] ?? 0n) : ((t.data[2 * i + 1] ?? 0n) << 64n) | (t.data[2 * i] ?? 0n);
}

export function clone(t: RingTensor): RingTensor {
  return makeTensor(t.field, t.shape, t.data.slice());
}

/** Same storage, new shape (no copy). */
export function reshape(t: RingTensor, shape: readonly number[]): RingTensor {
  if (shapeSize(shape) !== t.size) throw new RingError(`cannot reshape [${t.shape.join(',')}] to [${shape.join(',')}]`);
  return makeTensor(t.field, shape, t.data);
}

/**
 * Zero-copy byte view over the tensor's memory (little-endian limbs, as sent on SPU links).
 * Exception: a RingArena tensor gives a copy (a view would carry the whole arena if cloned).
 */
export function toBytes(t: RingTensor): Uint8Array {
  const view = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return isArenaBuffer(t.data.buffer) ? view.slice() : view;
}

/**
 * Tensor over received bytes. Zero-copy when `bytes.byteOffset` is 8-aligned (always true for a
 * buffer from toBytes or a fresh ArrayBuffer); otherwise the bytes are copied once.
 * Shape defaults to a vector of all elements.
 */
export function fromBytes(field: FieldType, bytes: Uint8Array, shape?: readonly number[]): RingTensor {
  const eb = ELEMENT_BYTES[field];
  if (bytes.byteLength % eb !== 0) throw new RingError(`${bytes.byteLength} bytes is not a whole number of ${field} elements`);
  const n = bytes.byteLength / eb;
  const limbs = n * LIMBS[field];
  const data =
    bytes.byteOffset % 8 === 0
      ? new BigUint64Array(bytes.buffer, bytes.byteOffset, limbs)
      : new BigUint64Array(bytes.slice().buffer, 0, limbs);
  return makeTensor(field, shape ?? [n], data);
}

export function assertSameField(a: RingTensor, b: RingTensor): void {
  if (a.field !== b.field) throw new RingError(`field mismatch: ${a.field} vs ${b.field}`);
}

export function assertSameSize(a: RingTensor, b: RingTensor): void {
  assertSameField(a, b);
  if (a.size !== b.size) throw new RingError(`size mismatch: [${a.shape.join(',')}] vs [${b.shape.join(',')}]`);
}

/** The output tensor: the caller's `out` (checked) or a fresh zero tensor. */
export function outFor(field: FieldType, shape: readonly number[], out?: RingTensor): RingTensor {
  if (out === undefined) return zeros(field, shape);
  if (out.field !== field || out.size !== shapeSize(shape)) throw new RingError(`out tensor does not match ${field} [${shape.join(',')}]`);
  return out;
}

export { ringMask };
