import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { selectNth, selectRanks } from './select.ts';

// Columns with many ties, zeros of both signs and sorted runs: where selection could go wrong.
const column = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, Infinity, -Infinity)), { minLength: 1, maxLength: 300 });

describe('selection', () => {
  it('selectNth and selectRanks give the sorted array values at the ranks', () => {
    fc.assert(
      fc.property(column, fc.boolean(), (xs, presort) => {
        const v = Float64Array.from(xs);
        if (presort) v.sort();
        const sorted = Float64Array.from(v).sort();
        const k = (xs.length * 7) >> 3;
        const one = Float64Array.from(v);
        // Equal as numbers: a zero's sign may differ from the sort's (callers re-sort when a zero is picked).
        expect(selectNth(one, k) === sorted[k]!).toBe(true);
        const ranks = [0, k >> 1, k, xs.length - 1].filter((r, i, a) => a.indexOf(r) === i).sort((a, b) => a - b);
        const many = Float64Array.from(v);
        selectRanks(many, ranks);
        for (const r of ranks) expect(many[r]! === sorted[r]!).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
