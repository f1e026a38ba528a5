// Elementwise ring arithmetic mod 2^64 / 2^128. Two's complement throughout: a ring element x
// represents the signed value x - 2^k when its top bit is set (SPU's convention for fixed point).
import { FIELD_BITS, type FieldType } from './field.ts';
import { kernels } from './backend.ts';
import { RingError, assertSameSize, outFor, type RingTensor } from './tensor.ts';

export function add(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  assertSameSize(a, b);
  const o = outFor(a.field, a.shape, out);
  kernels().add(a.field, a.data, b.data, o.data, a.size);
  return o;
}

export function sub(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  assertSameSize(a, b);
  const o = outFor(a.field, a.shape, out);
  kernels().sub(a.field, a.data, b.data, o.data, a.size);
  return o;
}

export function neg(a: RingTensor, out?: RingTensor): RingTensor {
  const o = outFor(a.field, a.shape, out);
  kernels().neg(a.field, a.data, o.data, a.size);
  return o;
}

/** Elementwise product mod 2^k. */
export function mul(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  assertSameSize(a, b);
  const o = outFor(a.field, a.shape, out);
  kernels().mul(a.field, a.data, b.data, o.data, a.size);
  return o;
}

/** out = a*b + c mod 2^k (the Beaver recombination step; one pass over memory). */
export function mulAdd(a: RingTensor, b: RingTensor, c: RingTensor, out?: RingTensor): RingTensor {
  assertSameSize(a, b);
  assertSameSize(a, c);
  const o = outFor(a.field, a.shape, out);
  kernels().mulAdd(a.field, a.data, b.data, c.data, o.data, a.size);
  return o;
}

/** Multiply by one public scalar (any bigint, reduced mod 2^k; negative wraps). */
export function mulScalar(a: RingTensor, s: bigint, out?: RingTensor): RingTensor {
  const o = outFor(a.field, a.shape, out);
  kernels().mulScalar(a.field, a.data, BigInt.asUintN(FIELD_BITS[a.field], s), o.data, a.size);
  return o;
}

/** Add one public scalar to every element. */
export function addScalar(a: RingTensor, s: bigint, out?: RingTensor): RingTensor {
  const o = outFor(a.field, a.shape, out);
  kernels().addScalar(a.field, a.data, BigInt.asUintN(FIELD_BITS[a.field], s), o.data, a.size);
  return o;
}

/**
 * Multiply by a public tensor `v` with numpy-style broadcasting, limited to the cases SPU needs:
 * - same size as `a`: elementwise;
 * - a is [m, n] and v has n elements (shape [n] or [1, n]): every row of a times v;
 * - a is [m, n] and v has shape [m, 1]: row i of a times v[i].
 */
export function mulPublicVec(a: RingTensor, v: RingTensor, out?: RingTensor): RingTensor {
  return broadcastOp(a, v, out, 'mul');
}

/** Add a public tensor with the same broadcasting rules as mulPublicVec. */
export function addPublicVec(a: RingTensor, v: RingTensor, out?: RingTensor): RingTensor {
  return broadcastOp(a, v, out, 'add');
}

function broadcastOp(a: RingTensor, v: RingTensor, out: RingTensor | undefined, op: 'mul' | 'add'): RingTensor {
  if (a.field !== v.field) throw new RingError(`field mismatch: ${a.field} vs ${v.field}`);
  const o = outFor(a.field, a.shape, out);
  const k = kernels();
  if (v.size === a.size) {
    if (op === 'mul') k.mul(a.field, a.data, v.data, o.data, a.size);
    else k.add(a.field, a.data, v.data, o.data, a.size);
    return o;
  }
  if (a.shape.length !== 2) throw new RingError(`cannot broadcast [${v.shape.join(',')}] over [${a.shape.join(',')}]`);
  const m = a.shape[0] ?? 0;
  const n = a.shape[1] ?? 0;
  const l = a.field === 'FM64' ? 1 : 2;
  const colVec = v.shape.length === 2 && v.shape[0] === m && v.shape[1] === 1;
  if (!colVec && v.size === n) {
    k.rowBroadcast(a.field, op, a.data, v.data, o.data, m, n);
    return o;
  }
  if (colVec || (v.size === m && v.shape.length === 2)) {
    for (let i = 0; i < m; i++) {
      const row = a.data.subarray(i * n * l, (i + 1) * n * l);
      const s = l === 1 ? (v.data[i] ?? 0n) : ((v.data[2 * i + 1] ?? 0n) << 64n) | (v.data[2 * i] ?? 0n);
      const dst = o.data.subarray(i * n * l, (i + 1) * n * l);
      if (op === 'mul') k.mulScalar(a.field, row, s, dst, n);
      else k.addScalar(a.field, row, s, dst, n);
    }
    return o;
  }
  throw new RingError(`cannot broadcast [${v.shape.join(',')}] over [${a.shape.join(',')}]`);
}

/** Bitwise ops (for boolean shares, where XOR is the share addition); run on 32-bit views. */
export function xor(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  return bitwise(a, b, out, 0);
}

export function and(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  return bitwise(a, b, out, 1);
}

export function or(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor {
  return bitwise(a, b, out, 2);
}

export function not(a: RingTensor, out?: RingTensor): RingTensor {
  const o = outFor(a.field, a.shape, out);
  const x = u32(a.data), d = u32(o.data);
  for (let i = 0; i < d.length; i++) d[i] = ~(x[i] as number);
  return o;
}

function u32(d: BigUint64Array): Uint32Array {
  return new Uint32Array(d.buffer, d.byteOffset, d.length * 2);
}

function bitwise(a: RingTensor, b: RingTensor, out: RingTensor | undefined, op: 0 | 1 | 2): RingTensor {
  assertSameSize(a, b);
  const o = outFor(a.field, a.shape, out);
  const x = u32(a.data), y = u32(b.data), d = u32(o.data);
  const n = d.length;
  if (op === 0) for (let i = 0; i < n; i++) d[i] = (x[i] as number) ^ (y[i] as number);
  else if (op === 1) for (let i = 0; i < n; i++) d[i] = (x[i] as number) & (y[i] as number);
  else for (let i = 0; i < n; i++) d[i] = (x[i] as number) | (y[i] as number);
  return o;
}

export type { FieldType };
