// A seeded party table with every value type the preprocessing jobs meet: floats and ints with
// nulls, text categories with nulls, booleans, positive values for LOG/SQRT, free text, and an id
// column that looks numeric ("00017") and must pass through unchanged.
import { makeTable, writeCsv } from '@sfw/data';
import type { Column } from '@sfw/data';
import { seededRng } from '@sfw/testkit';

export async function writeSample(path: string, n = 600, seed = 'prep'): Promise<void> {
  const rng = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const nul = (p: number): boolean => rng() < p;
  const data: Record<string, Column> = {
    id: Array.from({ length: n }, (_, i) => String(i).padStart(5, '0')),
    f1: Float64Array.from({ length: n }, () => (nul(0.1) ? NaN : Math.round((rng() * 100 - 30) * 1000) / 1000)),
    i1: Float64Array.from({ length: n }, () => (nul(0.1) ? NaN : Math.floor(rng() * 40) + 18)),
    pos: Float64Array.from({ length: n }, () => (nul(0.05) ? NaN : rng() * 1000 + 0.5)),
    const1: new Float64Array(n).fill(3),
    s1: Array.from({ length: n }, () => (nul(0.1) ? '' : pick(['rent', 'owner', 'parents', 'other', 'priv', 'ignore']))),
    b1: Array.from({ length: n }, () => (nul(0.1) ? '' : pick(['true', 'false', 'false']))),
    txt: Array.from({ length: n }, () => pick(['alpha', 'be', 'gamma-ray', 'δέλτα', 'x'])),
    y: Float64Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0)),
  };
  await writeCsv(path, makeTable(Object.keys(data), data));
}
