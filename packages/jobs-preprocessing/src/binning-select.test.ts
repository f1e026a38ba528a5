import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitVariable, numericBin, rawSplitPoints } from './binning.ts';

// Columns with many ties, zeros of both signs and sorted runs: where selection could go wrong.
const column = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, Infinity, -Infinity)), { minLength: 1, maxLength: 300 });

describe('binning by selection', () => {
  it('binning split points equal those from a full sort', () => {
    fc.assert(
      fc.property(column, fc.constantFrom(2, 3, 10, 50), fc.constantFrom('quantile' as const, 'eq_range' as const), (xs, bins, method) => {
        const col = Float64Array.from(xs, (x, i) => (i % 9 === 4 ? NaN : x));
        const got = fitVariable('x', col, method, bins).variable.split_points!;
        // The reference: split points of the fully sorted values, then empty bins dropped.
        const sorted = col.filter((x) => !Number.isNaN(x)).sort();
        const raw = rawSplitPoints(sorted, method, bins);
        const counts = new Array<number>(raw.length + 1).fill(0);
        for (const x of sorted) counts[numericBin(raw, x)]!++;
        const ref = raw.filter((_, i) => counts[i]! > 0);
        if (counts[raw.length] === 0 && ref.length > 0 && ref[ref.length - 1] === raw[raw.length - 1]) ref.pop();
        expect(got.length).toBe(ref.length);
        got.forEach((s, i) => expect(Object.is(s, ref[i])).toBe(true));
      }),
      { numRuns: 2000 },
    );
  });
});
