// table_statistics against pandas (describe / skew / kurt / quantile and the raw and central moments
// as SecretFlow defines them), on the bundled data and on a table with missing values and a string
// column; once with the in-memory quartiles and once forced through the refinement passes.
import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPythonJson, sampleDir, seededRng } from '@sfw/testkit';
import { tableStatistics } from './table-stats.ts';
import type { PartyTableStats } from './table-stats.ts';
import { NUMERIC_STAT_COLUMNS } from './moments.ts';

const PANDAS = `
import json, sys
import pandas as pd, numpy as np
a = json.load(sys.stdin)
df = pd.read_csv(a['path'])
out = {}
for c in df.columns:
    if c == 'id': continue
    s = df[c]
    if pd.api.types.is_numeric_dtype(s):
        x = s.dropna()
        n = len(x)
        m = x.mean() if n else float('nan')
        f = lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)
        out[c] = {'datatype': str(s.dtype), 'total_count': len(s), 'count': int(n), 'count_na': int(s.isna().sum()),
          'na_ratio': float(s.isna().sum() / len(s)), 'min': f(x.min()), 'max': f(x.max()), 'mean': f(m),
          'var': f(s.var()), 'std': f(s.std()), 'sem': f(s.sem()), 'skew': f(s.skew()), 'kurtosis': f(s.kurtosis()),
          'q1': f(s.quantile(0.25)), 'q2': f(s.quantile(0.5)), 'q3': f(s.quantile(0.75)),
          'moment_2': f((x**2).mean()), 'moment_3': f((x**3).mean()), 'moment_4': f((x**4).mean()),
          'central_moment_2': f(((x-m)**2).mean()), 'central_moment_3': f(((x-m)**3).mean()), 'central_moment_4': f(((x-m)**4).mean()),
          'sum': f(x.sum()), 'sum_2': f((x**2).sum()), 'sum_3': f((x**3).sum()), 'sum_4': f((x**4).sum())}
    else:
        out[c] = {'datatype': str(s.dtype), 'count': int(s.count()), 'nunique': int(s.nunique())}
print(json.dumps(out))
`;

type Ref = Record<string, Record<string, number | string | null>>;

/** Relative 1e-9, with an absolute floor at the column's scale for figures that are ~0 (e.g. an odd central moment). */
function expectClose(got: PartyTableStats, ref: Ref): void {
  expect(Object.keys({ ...got.numeric, ...got.categorical }).sort()).toEqual(Object.keys(ref).sort());
  for (const [col, r] of Object.entries(ref)) {
    if (got.categorical[col] !== undefined) {
      expect(got.categorical[col], col).toEqual(r);
      continue;
    }
    const g = got.numeric[col]!;
    const std = typeof r['std'] === 'number' ? r['std'] : 1;
    const mean = typeof r['mean'] === 'number' ? Math.abs(r['mean']) : 0;
    const scale: Record<string, number> = { central_moment_3: std ** 3, central_moment_4: std ** 4, skew: 1, kurtosis: 1, mean: std, sum: std * Number(r['count']) };
    for (const k of NUMERIC_STAT_COLUMNS) {
      const want = r[k];
      const have = g[k];
      if (typeof want !== 'number' || typeof have !== 'number') {
        expect(have, `${col}.${k}`).toEqual(want);
        continue;
      }
      const floor = (scale[k] ?? 0) + (k === 'mean' ? mean : 0);
      expect(Math.abs(have - want), `${col}.${k}: ${have} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(want), floor));
    }
  }
}

async function pandasRef(path: string): Promise<Ref> {
  return runPythonJson<Ref>(PANDAS, { path });
}

async function messyTable(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-stats-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const rng = seededRng('table-stats');
  const lines = ['id,a,b,"c, quoted",name,ints,const,late_str,few'];
  for (let i = 0; i < 3000; i++) {
    const a = rng() < 0.1 ? '' : String(1e6 + rng() * 3 - 1.5);
    const b = rng() < 0.05 ? 'NA' : (rng() ** 3 * 1000).toFixed(3);
    const c = String(Math.round(rng() * 20) - 10);
    const name = rng() < 0.1 ? '' : `"n${Math.floor(rng() * 40)}"`;
    const late = i === 2999 ? 'x' : String(i % 7);
    const few = i < 2 ? String(i) : '';
    lines.push(`u${i},${a},${b},${c},${name},${i % 13},5,${late},${few}`);
  }
  const path = join(dir, 'messy.csv');
  await writeFile(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

describe('table_statistics equals pandas', () => {
  for (const [name, party] of [['breast_cancer', 'alice'], ['breast_cancer', 'bob'], ['diabetes', 'alice'], ['diabetes', 'bob']] as const) {
    it(`${name}/${party}`, async () => {
      const path = join(sampleDir(name), `${party}.csv`);
      const got = await tableStatistics(path);
      expect(got.passes).toBe(1);
      expectClose(got, await pandasRef(path));
    });
  }

  it('a table with missing values, a quoted header, a string column and CRLF ends', async () => {
    const path = await messyTable();
    const got = await tableStatistics(path, { chunkBytes: 4096 });
    expect(got.categorical['name']).toBeDefined();
    expect(got.numeric['a']!.count_na).toBeGreaterThan(0);
    expectClose(got, await pandasRef(path));
  });

  it('past the memory budget: quartiles by refinement passes, distinct counts by a second pass, same figures', async () => {
    const path = await messyTable();
    const got = await tableStatistics(path, { chunkBytes: 4096, memoryBudgetBytes: 1024, distinctCap: 3 });
    expect(got.quantiles).toBe('refinement passes');
    expect(got.passes).toBeGreaterThan(1);
    expectClose(got, await pandasRef(path));
  });
});
