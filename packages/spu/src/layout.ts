// Shape manipulation of shares: all local (linear maps commute with additive sharing).
import { LIMBS, RingError, makeTensor, shapeSize, transpose as ringTranspose, type RingTensor } from '@sfw/ring';

export function reshapeShare(x: RingTensor, shape: readonly number[]): RingTensor {
  if (shapeSize(shape) !== x.size) throw new RangeError(`cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
  return makeTensor(x.field, shape, x.data);
}

/** 2-D transpose; a 1-D vector becomes a column [n, 1]. */
export function transposeShare(x: RingTensor): RingTensor {
  if (x.shape.length === 1) return makeTensor(x.field, [x.size, 1], x.data);
  return ringTranspose(x);
}

/** Rows [start, end) along axis 0 (copy). */
export function sliceRows(x: RingTensor, start: number, end: number): RingTensor {
  const rows = x.shape[0] ?? 1;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > rows || start > end)
    throw new RangeError(`slice [${start}, ${end}) outside ${rows} rows`);
  const row = rows === 0 ? 0 : (x.size / rows) * LIMBS[x.field];
  return makeTensor(x.field, [end - start, ...x.shape.slice(1)], x.data.slice(start * row, end * row));
}

/** Concatenate along axis 0 (any rank) or axis 1 (2-D). */
export function concatShares(xs: readonly RingTensor[], axis: number): RingTensor {
  const first = xs[0];
  if (first === undefined) throw new RangeError('concat of nothing');
  const l = LIMBS[first.field];
  for (const t of xs) if (t.field !== first.field) throw new RingError('concat: field mismatch');
  if (axis === 0) {
    const tail = first.shape.slice(1);
    for (const t of xs) if (t.shape.slice(1).join(',') !== tail.join(',')) throw new RangeError('concat axis 0: trailing shapes differ');
    const rows = xs.reduce((s, t) => s + (t.shape[0] ?? 1), 0);
    const out = makeTensor(first.field, [rows, ...tail]);
    let off = 0;
    for (const t of xs) {
      out.data.set(t.data, off);
      off += t.data.length;
    }
    return out;
  }
  if (axis === 1) {
    const m = first.shape[0]!;
    for (const t of xs) if (t.shape.length !== 2 || t.shape[0] !== m) throw new RangeError('concat axis 1: needs 2-D with equal rows');
    const n = xs.reduce((s, t) => s + t.shape[1]!, 0);
    const out = makeTensor(first.field, [m, n]);
    for (let i = 0; i < m; i++) {
      let col = 0;
      for (const t of xs) {
        const w = t.shape[1]! * l;
        out.data.set(t.data.subarray(i * w, (i + 1) * w), (i * n) * l + col);
        col += w;
      }
    }
    return out;
  }
  throw new RangeError(`concat axis ${axis} is not supported (0 or 1)`);
}
