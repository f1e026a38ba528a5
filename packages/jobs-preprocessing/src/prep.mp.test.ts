// The preprocessing jobs on a real Cluster (party threads, two SEMI2K ranks, TTP dealer):
// secure WOE binning against the plaintext WOE/IV formulas on the same bins (1e-6), substitution
// round trips for every rule kind, a rule on a table missing its column, row-aligned
// train_test_split, and bad input failing with ParameterValidationError before anything is written.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '@sfw/runtime';
import type { JobContext } from '@sfw/executor';
import { ParameterValidationError, parseOrThrow } from '@sfw/executor';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { runPythonJson } from '@sfw/testkit';
import {
  PREP_DEVICE_MODULE, featureCalculateSchema, fillnaSchema, onehotSchema, substitutionSchema, trainTestSplitSchema, vertBinningSchema, vertWoeBinningSchema, featureFilterSchema,
} from './index.ts';
import {
  featureCalculateTask, featureFilterTask, fillnaTask, onehotEncodeTask, substitutionTask, trainTestSplitTask, vertBinningTask, vertWoeBinningTask,
} from './tasks.ts';
import type { WoeResult } from './woe-job.ts';
import { prepJobContext } from './__tests__/job-context.ts';
import { writeAligned } from './__tests__/aligned.ts';

let cluster: Cluster;
let ctx: JobContext;
let files: { alice: string; bob: string };

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [PREP_DEVICE_MODULE],
  });
  ctx = await prepJobContext(cluster);
  files = await writeAligned(ctx.workDir);
});

afterAll(async () => {
  await cluster?.shutdown();
  if (ctx !== undefined) await rm(ctx.workDir, { recursive: true, force: true });
});

let taskNo = 0;
async function inTask<T>(f: () => Promise<T>): Promise<T> {
  await cluster.beginTask(`prep-${++taskNo}`);
  try {
    return await f();
  } finally {
    await cluster.endTask();
  }
}

const out = (name: string, ext = 'csv'): { alice: string; bob: string } => ({ alice: join(ctx.workDir, `${name}-alice.${ext}`), bob: join(ctx.workDir, `${name}-bob.${ext}`) });

async function pve(p: Promise<unknown>): Promise<ParameterValidationError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ParameterValidationError);
  return e as ParameterValidationError;
}
const fieldsOf = (e: ParameterValidationError): string[] => (e.details as { fields: string[] }).fields;

const WOE_REF = `
import json, sys, math
import numpy as np, pandas as pd
a = json.load(sys.stdin)
A = pd.read_csv(a['alice']); B = pd.read_csv(a['bob'], keep_default_na=True)
Bs = pd.read_csv(a['bob'], dtype=str, keep_default_na=False)
df = pd.concat([A, B.drop(columns=['id'])], axis=1)
y = (df['y'] == 1).astype(int).values
P, N = y.sum(), len(y) - y.sum()
def woe(p, n):
    if p == 0 or n == 0: p, n = p + 0.5, n + 0.5
    return math.log((p / P) / (n / N))
res = {'woe': 0.0, 'iv': 0.0, 'counts': 0.0}
ivs = {}
for rule in a['rules']:
    for v in rule['variables']:
        name = v['name']
        if v['type'] == 'numeric':
            x = df[name].values.astype(float)
            codes = np.where(np.isnan(x), -1, np.searchsorted(np.array(v['split_points'], dtype=float), x, side='left'))
            nb = len(v['split_points']) + 1
        else:
            src = (Bs if name in Bs.columns else A.astype(str))[name]
            cats = v['categories']
            codes = np.array([-1 if s == '' else cats.index(s) for s in src])
            nb = len(cats)
        iv = 0.0
        for b in list(range(nb)) + [-1]:
            m = codes == b
            t = int(m.sum())
            if t == 0: continue
            p = int(y[m].sum()); n = t - p
            w = woe(p, n)
            iv += (p / P - n / N) * w
            got = v['else_filling_value'] if b == -1 else v['filling_values'][b]
            res['woe'] = max(res['woe'], abs(got - w))
            if b >= 0: res['counts'] = max(res['counts'], abs(v['total_counts'][b] - t))
        ivs[name] = iv
for e in a['iv_info']:
    res['iv'] = max(res['iv'], abs(e['iv'] - ivs[e['name']]))
res['features'] = sorted(ivs)
print(json.dumps(res))
`;

describe('preprocessing jobs on a cluster', () => {
  for (const method of ['quantile', 'eq_range', 'chimerge'] as const) {
    it(`vert_woe_binning ${method}: WOE and IV equal the plaintext formulas on the same bins (1e-6); IVs only at the label holder`, async () => {
      const rule = out(`woe-${method}`, 'json');
      const cfg = vertWoeBinningSchema.parse({
        input_ds: files, feature_selects: ['a_num', 'a_cat', 'b_num', 'b_int', 'b_cat', 'b_const'], label: 'y',
        binning_method: method, bin_num: 6, chimerge_init_bins: 20, chimerge_target_bins: 4, output_rule: rule,
      });
      const r = (await inTask(() => runWithUncheckedFiles(vertWoeBinningTask, ctx, cfg))) as WoeResult;
      expect(r.label_party).toBe('alice');
      expect(r.feature_parties).toEqual(['bob']);
      const ra = JSON.parse(await readFile(rule.alice, 'utf8')) as { kind: string; variables: { name: string }[]; feature_iv_info: { name: string; party: string }[] };
      const rb = JSON.parse(await readFile(rule.bob, 'utf8')) as Record<string, unknown> & { variables: { name: string; filling_values: number[] }[] };
      expect(ra.kind).toBe('woe_binning');
      expect(ra.variables.map((v) => v.name)).toEqual(['a_num', 'a_cat']);
      expect(rb.variables.map((v) => v.name)).toEqual(['b_num', 'b_int', 'b_cat', 'b_const']);
      expect(ra.feature_iv_info.map((e) => `${e.party}:${e.name}`).sort()).toEqual(['alice:a_cat', 'alice:a_num', 'bob:b_cat', 'bob:b_const', 'bob:b_int', 'bob:b_num']);
      expect(rb['feature_iv_info']).toBeUndefined();
      expect(JSON.stringify(rb)).not.toMatch(/"iv"|positive|postive/);
      if (method === 'chimerge') expect(rb.variables[0]!.filling_values.length).toBeLessThanOrEqual(4);
      const ref = await runPythonJson<{ woe: number; iv: number; counts: number; features: string[] }>(WOE_REF, { ...files, rules: [ra, rb], iv_info: ra.feature_iv_info });
      expect(ref.features.length).toBe(6);
      expect(ref.counts).toBe(0);
      expect(ref.woe).toBeLessThan(1e-6);
      expect(ref.iv).toBeLessThan(1e-6);
    });
  }

  it('substitution reproduces every fitting job output exactly (fillna, feature_calculate, onehot, binning, woe_binning)', async () => {
    const jobs: [string, (o: { ds: { alice: string; bob: string }; rule: { alice: string; bob: string } }) => Promise<unknown>][] = [
      ['fillna', (o) => runWithUncheckedFiles(fillnaTask, ctx, fillnaSchema.parse({ input_ds: files, features: ['a_num', 'b_num', 'b_cat'], float_fill_strategy: 'median', str_fill_strategy: 'most_frequent', output_ds: o.ds, output_rule: o.rule }))],
      ['calc', (o) => runWithUncheckedFiles(featureCalculateTask, ctx, featureCalculateSchema.parse({ input_ds: files, rules: [{ op: 'STANDARDIZE', features: ['a_num', 'b_int'] }, { op: 'NORMALIZATION', features: ['b_int'] }, { op: 'UNARY', features: ['b_num'], operands: ['+', '*', 3] }], output_ds: o.ds, output_rule: o.rule }))],
      ['onehot', (o) => runWithUncheckedFiles(onehotEncodeTask, ctx, onehotSchema.parse({ input_ds: files, features: ['a_cat', 'b_cat'], drop: 'first', min_frequency: 0.2, output_ds: o.ds, output_rule: o.rule }))],
      ['bin', (o) => runWithUncheckedFiles(vertBinningTask, ctx, vertBinningSchema.parse({ input_ds: files, feature_selects: ['a_num', 'b_num', 'b_cat'], binning_method: 'quantile', bin_num: 4, output_ds: o.ds, output_rule: o.rule }))],
      ['woe', (o) => runWithUncheckedFiles(vertWoeBinningTask, ctx, vertWoeBinningSchema.parse({ input_ds: files, feature_selects: ['a_num', 'b_num', 'b_cat'], label: 'y', output_ds: o.ds, output_rule: o.rule }))],
    ];
    for (const [name, job] of jobs) {
      const o = { ds: out(`${name}-fit`), rule: out(`${name}-rule`, 'json') };
      await inTask(() => job(o));
      const again = out(`${name}-sub`);
      await inTask(() => runWithUncheckedFiles(substitutionTask, ctx, substitutionSchema.parse({ input_ds: files, input_rule: o.rule, output_ds: again })));
      for (const p of ['alice', 'bob'] as const) {
        const [a, b] = [await readFile(o.ds[p], 'utf8'), await readFile(again[p], 'utf8')];
        expect(b, `${name} ${p}`).toBe(a);
        expect(a, `${name} ${p}`).not.toBe(await readFile(files[p], 'utf8'));
      }
    }
  });

  it('a rule applied to a table without one of its columns fails naming the column; nothing written', async () => {
    const rule = out('miss-rule', 'json');
    await inTask(() => runWithUncheckedFiles(vertBinningTask, ctx, vertBinningSchema.parse({ input_ds: files, feature_selects: ['b_num'], output_rule: rule })));
    const filtered = out('miss-filtered');
    await inTask(() => runWithUncheckedFiles(featureFilterTask, ctx, featureFilterSchema.parse({ input_ds: files, drop_features: ['b_num'], output_ds: filtered })));
    const target = out('miss-sub');
    const e = await pve(inTask(() => runWithUncheckedFiles(substitutionTask, ctx, substitutionSchema.parse({ input_ds: filtered, input_rule: rule, output_ds: target }))));
    expect(fieldsOf(e)).toEqual(['task_config.input_rule.bob']);
    expect(e.message).toContain("'b_num'");
    expect(existsSync(target.alice) || existsSync(target.bob)).toBe(false);
  });

  it('train_test_split: same ids in the same order at both parties, sizes as asked', async () => {
    const [train, test] = [out('train'), out('test')];
    const r = await inTask(() => runWithUncheckedFiles(trainTestSplitTask, ctx, trainTestSplitSchema.parse({ input_ds: files, train_size: 0.6, test_size: 0.3, train_ds: train, test_ds: test })));
    expect(r).toEqual({ rows: 400, train_rows: 240, test_rows: 120 });
    const ids = async (p: string): Promise<string[]> => (await readFile(p, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',')[0]!.replaceAll('"', ''));
    const [ta, tb, sa, sb] = await Promise.all([ids(train.alice), ids(train.bob), ids(test.alice), ids(test.bob)]);
    expect(ta).toEqual(tb);
    expect(sa).toEqual(sb);
    expect(ta.length).toBe(240);
    expect(sa.length).toBe(120);
    expect(new Set([...ta, ...sa]).size).toBe(360);
    expect(ta).not.toEqual([...ta].sort()); // shuffled
    // The same seed gives the same split again.
    const again = out('train2');
    await inTask(() => runWithUncheckedFiles(trainTestSplitTask, ctx, trainTestSplitSchema.parse({ input_ds: files, train_size: 0.6, test_size: 0.3, train_ds: again, test_ds: out('test2') })));
    expect(await ids(again.bob)).toEqual(tb);
  });

  it('bad input: unknown op, bin_num 1, label at two parties, a text column given to STANDARDIZE, 100+ categories; nothing written', async () => {
    const s1 = (() => { try { parseOrThrow(featureCalculateSchema, { input_ds: files, rules: [{ op: 'CUBE', features: ['a_num'] }], output_ds: files, output_rule: files }, 'task_config'); } catch (e) { return e; } return undefined; })();
    expect(s1).toBeInstanceOf(ParameterValidationError);
    expect(fieldsOf(s1 as ParameterValidationError)).toEqual(['task_config.rules.0.op']);
    const s2 = (() => { try { parseOrThrow(vertBinningSchema, { input_ds: files, feature_selects: ['a_num'], bin_num: 1, output_rule: files }, 'task_config'); } catch (e) { return e; } return undefined; })();
    expect(fieldsOf(s2 as ParameterValidationError)).toEqual(['task_config.bin_num']);

    const two = await writeAligned(ctx.workDir, 50, 'two-labels', { labelAtBob: true });
    const rule = out('two-rule', 'json');
    const e3 = await pve(inTask(() => runWithUncheckedFiles(vertWoeBinningTask, ctx, vertWoeBinningSchema.parse({ input_ds: two, feature_selects: ['a_num', 'b_num'], label: 'y', output_rule: rule }))));
    expect(fieldsOf(e3)).toEqual(['task_config.label']);
    expect(existsSync(rule.alice) || existsSync(rule.bob)).toBe(false);

    const o = { ds: out('std-bad'), rule: out('std-bad-rule', 'json') };
    const e4 = await pve(inTask(() => runWithUncheckedFiles(featureCalculateTask, ctx, featureCalculateSchema.parse({ input_ds: files, rules: [{ op: 'NORMALIZATION', features: ['a_num'] }, { op: 'STANDARDIZE', features: ['b_int', 'b_cat'] }], output_ds: o.ds, output_rule: o.rule }))));
    expect(fieldsOf(e4)).toEqual(['task_config.rules.1.features']);
    expect(e4.message).toContain("'b_cat'");
    for (const p of [o.ds.alice, o.ds.bob, o.rule.alice, o.rule.bob]) expect(existsSync(p), p).toBe(false);

    // b_num has hundreds of distinct values: too many categories for one-hot.
    const oh = { ds: out('oh-bad'), rule: out('oh-bad-rule', 'json') };
    const e5 = await pve(inTask(() => runWithUncheckedFiles(onehotEncodeTask, ctx, onehotSchema.parse({ input_ds: files, features: ['b_cat', 'b_num'], output_ds: oh.ds, output_rule: oh.rule }))));
    expect(fieldsOf(e5)).toEqual(['task_config.features']);
    expect(e5.message).toContain("'b_num' has 100 or more categories");
    for (const p of [oh.ds.alice, oh.ds.bob, oh.rule.alice, oh.rule.bob]) expect(existsSync(p), p).toBe(false);
  });
});
