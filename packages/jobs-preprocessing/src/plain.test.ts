// Each plaintext preprocessing job at one party against pandas / numpy on the same file:
// fillna vs DataFrame.fillna with the same statistic, one-hot vs pandas.get_dummies in
// first-appearance order, eq_range / quantile bins vs pandas.cut / pandas.qcut(duplicates="drop"),
// feature_calculate ops vs numpy. Errors are absolute, bound 1e-9 (same float64 formulas).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPythonJson } from '@sfw/testkit';
import { fitLocal, writeLocal } from './local.ts';
import type { LocalSpec } from './local.ts';
import { planSteps } from './calculate.ts';
import { calculateRuleSchema, fillnaSchema } from './params.ts';
import type { FillnaConfig } from './params.ts';
import { writeSample } from './__tests__/sample.ts';

let dir: string;
let input: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sfw-prep-plain-'));
  input = join(dir, 'alice.csv');
  await writeSample(input);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runLocal(name: string, spec: LocalSpec): Promise<{ out: string; rule: unknown }> {
  const f = await fitLocal('alice', input, spec);
  expect(f.issues).toEqual([]);
  const out = join(dir, `${name}.csv`), rulePath = join(dir, `${name}.json`);
  await writeLocal(f, out, rulePath);
  return { out, rule: JSON.parse(await readFile(rulePath, 'utf8')) as unknown };
}

const PY_PRELUDE = `
import json, sys, math
import numpy as np, pandas as pd
a = json.load(sys.stdin)
df = pd.read_csv(a['input'], dtype={'id': str})
dfs = pd.read_csv(a['input'], dtype=str, keep_default_na=False)
out = pd.read_csv(a['out'], dtype={'id': str})
outs = pd.read_csv(a['out'], dtype=str, keep_default_na=False)
res = {}
def maxerr(x, y):
    x = np.asarray(x, dtype=float); y = np.asarray(y, dtype=float)
    if x.shape != y.shape: return 1e9
    both = np.isnan(x) & np.isnan(y)
    d = np.where(both, 0.0, np.abs(x - y))
    return float(np.nanmax(np.where(np.isnan(d), 1e9, d))) if len(d) else 0.0
`;

describe('plaintext preprocessing vs pandas', { timeout: 60_000 }, () => {
  it('fillna: mean, median, most_frequent, constant per value type; rounded int fills; id unchanged', async () => {
    for (const [strategy, strStrategy] of [['mean', 'most_frequent'], ['median', 'constant'], ['most_frequent', 'most_frequent']] as const) {
      const cfg: FillnaConfig = fillnaSchema.parse({
        input_ds: { alice: input }, output_ds: { alice: 'x' }, output_rule: { alice: 'x' },
        features: ['f1', 'i1', 's1', 'b1'], float_fill_strategy: strategy, int_fill_strategy: strategy,
        str_fill_strategy: strStrategy, bool_fill_strategy: 'most_frequent', fill_value_str: 'NONE', float_outliers: [], int_outliers: [18],
      });
      const { out } = await runLocal(`fillna-${strategy}`, { kind: 'fillna', cfg });
      const r = await runPythonJson<Record<string, number | boolean>>(PY_PRELUDE + `
s = a['strategy']
def stat(col, outliers):
    x = df[col].mask(df[col].isin(outliers))
    v = {'mean': x.mean(), 'median': x.median(), 'most_frequent': x.mode()[0]}[s]
    return x, v
x, v = stat('f1', [])
res['f1'] = maxerr(out['f1'], x.fillna(v))
x, v = stat('i1', [18])
res['i1'] = maxerr(out['i1'], x.fillna(round(v)))
sx = dfs['s1'].replace('', np.nan)
sv = sx.mode()[0] if a['str'] == 'most_frequent' else 'NONE'
res['s1'] = bool((outs['s1'] == sx.fillna(sv)).all())
bx = dfs['b1'].replace('', np.nan)
res['b1'] = bool((outs['b1'] == bx.fillna(bx.mode()[0])).all())
res['id'] = bool((outs['id'] == dfs['id']).all())
res['untouched'] = bool((outs['txt'] == dfs['txt']).all() and (outs['pos'] == dfs['pos']).all())
print(json.dumps(res))
`, { input, out, strategy, str: strStrategy });
      expect(r, strategy).toEqual({ f1: expect.any(Number), i1: expect.any(Number), s1: true, b1: true, id: true, untouched: true });
      expect(r['f1'] as number, strategy).toBeLessThan(1e-9);
      expect(r['i1'] as number, strategy).toBe(0);
    }
  });

  it('onehot_encode: no_drop equals get_dummies columns in first-appearance order; drop first / mode', async () => {
    for (const drop of ['no_drop', 'first', 'mode'] as const) {
      const { out, rule } = await runLocal(`onehot-${drop}`, { kind: 'onehot_encode', features: ['s1', 'i1'], drop, min_frequency: 0 });
      const r = await runPythonJson<Record<string, unknown>>(PY_PRELUDE + `
for col in ['s1', 'i1']:
    src = dfs[col].replace('', np.nan)
    cats = list(pd.unique(src.dropna()))
    d = pd.get_dummies(src).astype(float)[cats]
    if a['drop'] == 'first': d = d.drop(columns=[cats[0]])
    if a['drop'] == 'mode': d = d.drop(columns=[src.value_counts(sort=False).reindex(cats).idxmax()])
    names = [c for c in out.columns if c.startswith(col + '_')]
    keep = [i for i, c in enumerate(cats) if c in d.columns]
    res[col] = {'names': names, 'expected': [f'{col}_{i}' for i in keep], 'err': maxerr(out[names].values, d.values) if len(names) == d.shape[1] else 1e9}
res['dropped'] = 's1' not in out.columns and 'i1' not in out.columns
print(json.dumps(res))
`, { input, out, drop });
      for (const col of ['s1', 'i1']) {
        const c = r[col] as { names: string[]; expected: string[]; err: number };
        expect(c.names, `${drop} ${col}`).toEqual(c.expected);
        expect(c.err, `${drop} ${col}`).toBe(0);
      }
      expect(r['dropped']).toBe(true);
      expect((rule as { kind: string }).kind).toBe('onehot_encode');
    }
  });

  it('vert_binning: eq_range = pandas.cut, quantile = pandas.qcut(duplicates="drop"), strings by sorted category', async () => {
    for (const method of ['eq_range', 'quantile'] as const) {
      for (const bins of [2, 5, 10]) {
        const { out } = await runLocal(`bin-${method}-${bins}`, { kind: 'binning', features: ['f1', 'i1', 'pos', 's1'], method, bin_num: bins });
        const r = await runPythonJson<Record<string, number | boolean>>(PY_PRELUDE + `
for col in ['f1', 'i1', 'pos']:
    x = df[col]
    codes = (pd.cut(x, a['bins'], labels=False) if a['method'] == 'eq_range' else pd.qcut(x, a['bins'], labels=False, duplicates='drop'))
    # empty bins are removed: compare the dense rank of the used codes
    used = sorted(set(codes.dropna().astype(int)))
    rank = {c: i for i, c in enumerate(used)}
    exp = codes.map(lambda c: -1 if pd.isna(c) else rank[int(c)])
    res[col] = maxerr(out[col], exp)
cats = sorted(set(dfs['s1']) - {''})
res['s1'] = maxerr(out['s1'], dfs['s1'].map(lambda s: -1 if s == '' else cats.index(s)))
print(json.dumps(res))
`, { input, out, method, bins });
        expect(r, `${method} ${bins}`).toEqual({ f1: 0, i1: 0, pos: 0, s1: 0 });
      }
    }
  });

  it('feature_calculate: every op against numpy', async () => {
    const rules = [
      { op: 'STANDARDIZE', features: ['f1', 'const1'] },
      { op: 'NORMALIZATION', features: ['i1'] },
      { op: 'RANGE_LIMIT', features: ['pos'], operands: [10, 500] },
      { op: 'UNARY', features: ['pos'], operands: ['-', '/', 1000] },
      { op: 'LENGTH', features: ['txt'] },
    ].map((r) => calculateRuleSchema.parse(r));
    const { out } = await runLocal('calc1', { kind: 'feature_calculate', steps: planSteps(rules, ['f1', 'const1', 'i1', 'pos', 'txt']) });
    const rules2 = [
      { op: 'LOG', features: ['pos'], operands: ['e', 1] },
      { op: 'SQRT', features: ['i1'] },
      { op: 'LOG_ROUND', features: ['f1'], operands: [31] },
      { op: 'SUBSTR', features: ['txt'], operands: [1, 3] },
      { op: 'RECIPROCAL', features: ['const1'] },
    ].map((r) => calculateRuleSchema.parse(r));
    const out2 = (await runLocal('calc2', { kind: 'feature_calculate', steps: planSteps(rules2, ['f1', 'const1', 'i1', 'pos', 'txt']) })).out;
    const rules3 = [{ op: 'EXP', features: ['const1'] }, { op: 'ROUND', features: ['f1'] }, { op: 'LOG', features: ['pos'], operands: [10, 0] }, { op: 'UNARY', features: ['i1'], operands: ['+', '*', 2.5] }].map((r) => calculateRuleSchema.parse(r));
    const out3 = (await runLocal('calc3', { kind: 'feature_calculate', steps: planSteps(rules3, ['f1', 'const1', 'i1', 'pos']) })).out;
    const r = await runPythonJson<Record<string, number | boolean>>(PY_PRELUDE + `
o2 = pd.read_csv(a['out2'], dtype=str, keep_default_na=False)
o2n = pd.read_csv(a['out2'])
o3 = pd.read_csv(a['out3'])
f1 = df['f1'].values; i1 = df['i1'].values; pos = df['pos'].values; c = df['const1'].values
res['standardize'] = maxerr(out['f1'], (f1 - np.nanmean(f1)) / np.nanstd(f1))
res['constant'] = maxerr(out['const1'], np.zeros(len(c)))
res['normalization'] = maxerr(out['i1'], (i1 - np.nanmin(i1)) / (np.nanmax(i1) - np.nanmin(i1)))
res['range_unary'] = maxerr(out['pos'], 1000 / np.clip(pos, 10, 500))
res['length'] = maxerr(out['txt'], dfs['txt'].str.len())
res['log'] = maxerr(o2n['pos'], np.log(pos + 1))
res['sqrt'] = maxerr(o2n['i1'], np.sqrt(i1))
res['log_round'] = maxerr(o2n['f1'], np.round(np.log2(f1 + 31)))
res['substr'] = bool((o2['txt'] == dfs['txt'].str.slice(1, 4)).all())
res['reciprocal'] = maxerr(o2n['const1'], 1 / c)
res['exp'] = maxerr(o3['const1'], np.exp(c))
res['round'] = maxerr(o3['f1'], np.round(f1))
res['log10'] = maxerr(o3['pos'], np.log(pos) / np.log(10))
res['unary_mul'] = maxerr(o3['i1'], i1 * 2.5)
print(json.dumps(res))
`, { input, out, out2, out3 });
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'boolean') expect(v, k).toBe(true);
      else expect(v, k).toBeLessThan(1e-9);
    }
  });
});

describe('streamed fit and write (two passes over small batches) equal the whole-file path', () => {
  it('fillna, feature_calculate, onehot_encode: identical output bytes and rules', async () => {
    const big = join(dir, 'big.csv');
    await writeSample(big, 5000, 'stream');
    const steps = planSteps([
      { op: 'STANDARDIZE', features: ['f1'] }, { op: 'NORMALIZATION', features: ['f1'] }, { op: 'LOG', features: ['pos'], operands: ['e', 1] },
    ].map((r) => calculateRuleSchema.parse(r)), ['f1', 'pos']);
    const specs: [string, LocalSpec][] = [
      ['fillna', { kind: 'fillna', cfg: fillnaSchema.parse({ input_ds: { a: big }, output_ds: { a: 'x' }, output_rule: { a: 'x' }, features: ['f1', 'i1', 's1'], float_fill_strategy: 'median', int_fill_strategy: 'mean', str_fill_strategy: 'most_frequent' }) }],
      ['calc', { kind: 'feature_calculate', steps }],
      ['onehot', { kind: 'onehot_encode', features: ['s1', 'b1'], drop: 'mode', min_frequency: 0.1 }],
    ];
    for (const [name, spec] of specs) {
      const outs: string[] = [];
      // Streamed with the fit's parsed columns kept for the write (all, none, or the first batches
      // only: a budget of a few dozen batch columns).
      const modes = [{ stream: false }, { stream: true, chunkBytes: 16_384 }, { stream: true, chunkBytes: 16_384, parsedCacheBytes: 0 }, { stream: true, chunkBytes: 16_384, parsedCacheBytes: 40_000 }];
      for (const [k, mode] of modes.entries()) {
        const f = await fitLocal('alice', big, spec, mode);
        expect(f.issues).toEqual([]);
        expect(f.table === undefined).toBe(mode.stream);
        const o = join(dir, `${name}-${k}.csv`), r = join(dir, `${name}-${k}.json`);
        await writeLocal(f, o, r);
        outs.push((await readFile(o, 'utf8')) + (await readFile(r, 'utf8')));
      }
      for (let k = 1; k < modes.length; k++) expect(outs[k], `${name} ${JSON.stringify(modes[k])}`).toBe(outs[0]);
    }
  });
});
