// Newton-Schulz inverse of SPD matrices (the VIF use case: X^T X of standardised columns) against
// a float64 Gauss-Jordan inverse; bound on max |inv - ref| / max |ref|.
import { describe, expect, it } from 'vitest';
import { cfgOf, runFloat } from '../__tests__/nl-testutil.ts';

function gaussJordan(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((r) => r.slice(n));
}

/** A correlation-like SPD matrix: B^T B / rows + ridge. */
function spd(d: number, seed: number): number[][] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const rows = 3 * d;
  const b = Array.from({ length: rows }, () => Array.from({ length: d }, rnd));
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => b.reduce((acc, r) => acc + r[i]! * r[j]!, 0) / rows + (i === j ? 0.05 : 0)));
}

describe.each([
  ['SEMI2K', 'FM64', 2, 2e-3],
  ['SEMI2K', 'FM128', 3, 1e-5],
  ['REF2K', 'FM64', 2, 2e-3],
] as const)('%s %s %i parties: inverse', (proto, field, N, tol) => {
  it('8x8 SPD matrix, 20 Newton-Schulz iterations', async () => {
    const d = 8;
    const a = spd(d, 42);
    const ref = gaussJordan(a);
    const { out } = await runFloat(cfgOf(proto, field), N, [{ values: Float64Array.from(a.flat()), shape: [d, d] }], (c, [x]) => c.inverse(x!));
    const scale = Math.max(...ref.flat().map(Math.abs));
    let worst = 0;
    for (let i = 0; i < d * d; i++) worst = Math.max(worst, Math.abs(out[i]! - ref[Math.floor(i / d)]![i % d]!) / scale);
    expect(worst).toBeLessThan(tol);
  });
});
