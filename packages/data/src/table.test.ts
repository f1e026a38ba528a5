import { describe, expect, it } from 'vitest';
import { hconcat, makeTable, selectColumns, takeRows, toRowMajor, DataError } from './table.ts';
import { standardize } from './standardize.ts';

const t = makeTable(['id', 'a', 'b'], {
  id: ['r0', 'r1', 'r2'],
  a: Float64Array.of(1, 2, 3),
  b: Float64Array.of(5, 5, 5),
});

describe('table helpers', () => {
  it('selects, takes rows and builds row-major matrices', () => {
    const s = selectColumns(t, ['b', 'a']);
    expect(s.columns).toEqual(['b', 'a']);
    expect(Array.from(toRowMajor(s, ['a', 'b']))).toEqual([1, 5, 2, 5, 3, 5]);
    const r = takeRows(t, [2, 0]);
    expect(r.data.id).toEqual(['r2', 'r0']);
    expect(Array.from(r.data.a as Float64Array)).toEqual([3, 1]);
  });
  it('names every missing column', () => {
    expect(() => selectColumns(t, ['a', 'zz', 'yy'])).toThrow(/'zz', 'yy'/);
    expect(() => selectColumns(t, ['zz'])).toThrow(DataError);
  });
  it('refuses a string column as a matrix and mismatched row counts', () => {
    expect(() => toRowMajor(t, ['id'])).toThrow(/not numeric/);
    expect(() => hconcat(t, makeTable(['c'], { c: Float64Array.of(1) }))).toThrow(/rows/);
  });
});

describe('standardize (StandardScaler semantics)', () => {
  it('uses the population std and maps a constant column to 0', () => {
    const { table, stats } = standardize(t, ['a', 'b']);
    const sd = Math.sqrt(2 / 3);
    expect(stats.std.a).toBeCloseTo(sd, 15);
    expect(Array.from(table.data.a as Float64Array)).toEqual([-1 / sd, 0, 1 / sd]);
    expect(Array.from(table.data.b as Float64Array)).toEqual([0, 0, 0]);
    expect(table.data.id).toBe(t.data.id);
  });
});
