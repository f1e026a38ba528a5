// What a PYU value must look like to be secret-shared (`obj.to(spu)`) and what a reveal produces.
import { codedError } from './errors.ts';

/** A dense row-major float tensor: the plaintext form of SPU inputs and revealed outputs. */
export interface PlainTensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A ring tensor from @sfw/ring, recognised structurally (the owner may hand pre-encoded values). */
export interface RingTensorLike {
  readonly field: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly data: BigUint64Array;
}

export function isRingTensor(v: unknown): v is RingTensorLike {
  return typeof v === 'object' && v !== null && (v as RingTensorLike).data instanceof BigUint64Array &&
    Array.isArray((v as RingTensorLike).shape) && typeof (v as RingTensorLike).field === 'string';
}

/**
 * Accepts a number, number[], number[][] (rows), a Float64Array (1-D) or a PlainTensor and returns a
 * PlainTensor. Anything else is a BAD_VALUE error that names the type only, never the content.
 */
export function toPlainTensor(v: unknown): PlainTensor {
  if (typeof v === 'number') return { data: Float64Array.of(v), shape: [] };
  if (v instanceof Float64Array) return { data: v, shape: [v.length] };
  if (typeof v === 'object' && v !== null && (v as PlainTensor).data instanceof Float64Array &&
      Array.isArray((v as PlainTensor).shape)) {
    const t = v as PlainTensor;
    if (sizeOf(t.shape) !== t.data.length) throw codedError('BAD_VALUE', 'tensor shape does not match its data length');
    return t;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { data: Float64Array.from(v as number[]), shape: [v.length] };
    if (v.every((r) => Array.isArray(r))) {
      const rows = v as unknown[][];
      const cols = rows[0]?.length ?? 0;
      const data = new Float64Array(rows.length * cols);
      rows.forEach((r, i) => {
        if (r.length !== cols || !r.every((x) => typeof x === 'number')) {
          throw codedError('BAD_VALUE', 'ragged or non-numeric matrix cannot be secret-shared');
        }
        data.set(r as number[], i * cols);
      });
      return { data, shape: [rows.length, cols] };
    }
  }
  throw codedError('BAD_VALUE', `a value of type ${describeType(v)} cannot be secret-shared; use numbers, number[][], Float64Array or { data, shape }`);
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}
