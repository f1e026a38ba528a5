// The streamed write's column pool hands out zeroed memory of the asked length, and never recycles
// memory a column of the batch as read still uses (a passed-through or cached column).
import { describe, expect, it } from 'vitest';
import { makeTable } from '@sfw/data';
import { ColumnPool } from './columns.ts';

describe('ColumnPool', () => {
  it('recycles written columns only, zeroed, at the asked length', () => {
    const pool = new ColumnPool();
    const kept = Float64Array.from([1, 2, 3, 4]).subarray(0, 3);
    const input = makeTable(['a', 'b'], { a: kept, b: ['x', 'y', 'z'] });
    const made = pool.alloc(3);
    made.set([7, 8, 9]);
    const out = makeTable(['a', 'c', 'd'], { a: kept, c: made, d: new Float64Array(kept.buffer, 8, 3) });
    pool.recycle(out, input);
    const again = pool.alloc(3);
    expect(again.buffer).toBe(made.buffer);
    expect([...again]).toEqual([0, 0, 0]);
    // Nothing else was recycled: the input's memory (and a view of it) stays out of the pool.
    const fresh = pool.alloc(2);
    expect(fresh.buffer).not.toBe(kept.buffer);
    expect(fresh.length).toBe(2);
    expect([...kept]).toEqual([1, 2, 3]);
    expect(pool.alloc(3).buffer).not.toBe(kept.buffer);
    // A recycled array too small for the next batch is replaced.
    pool.recycle(makeTable(['c'], { c: again }), input);
    expect(pool.alloc(100).length).toBe(100);
  });
});
