// The statistics jobs end to end on a real Cluster (party threads, 2 SPU ranks, TTP dealer, FM128
// with 40 fraction bits as SecretFlow's statistics run), each against its plaintext reference:
// numpy corrcoef / inverse correlation, pandas groupby, the Wald formula and statsmodels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '@sfw/runtime';
import type { JobContext } from '@sfw/executor';
import { ParameterValidationError } from '@sfw/executor';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { SSLR_DEVICE_MODULE, ssLrTrainSchema, ssLrTrainTask } from '@sfw/jobs-linear';
import { runPythonJson } from '@sfw/testkit';
import { STATS_DEVICE_MODULE, groupbyStatisticsTask, ssPearsonrTask, ssPvalueTask, ssVifTask, tableStatisticsTask } from './tasks.ts';
import { groupbyStatisticsSchema, ssPearsonrSchema, ssPvalueSchema, ssVifSchema, tableStatisticsSchema } from './params.ts';
import { INTERCEPT } from './pvalue-job.ts';
import { statsJobContext, writeAlignedSample } from './__tests__/job-context.ts';

let cluster: Cluster;
let ctx: JobContext;
let files: Record<'breast_cancer' | 'diabetes', { alice: string; bob: string }>;
const SPU = { protocol: 'SEMI2K' as const, field: 'FM128' as const, fxpFractionBits: 40, beaverType: 'TTP' as const };

beforeAll(async () => {
  cluster = await Cluster.start({ parties: ['alice', 'bob'], spu: SPU, modules: [STATS_DEVICE_MODULE, SSLR_DEVICE_MODULE] });
  ctx = await statsJobContext(cluster, SPU);
  files = {
    breast_cancer: await writeAlignedSample('breast_cancer', ctx.workDir),
    diabetes: await writeAlignedSample('diabetes', ctx.workDir),
  };
});

afterAll(async () => {
  await cluster?.shutdown();
  if (ctx !== undefined) rmSync(ctx.workDir, { recursive: true, force: true });
});

let taskNo = 0;
async function inTask<T>(f: () => Promise<T>): Promise<T> {
  await cluster.beginTask(`stats-${taskNo++}`);
  try {
    return await f();
  } finally {
    await cluster.endTask();
  }
}

const NUMPY_CORR = `
import json, sys
import numpy as np, pandas as pd
a = json.load(sys.stdin)
d = pd.concat([pd.read_csv(a['alice']), pd.read_csv(a['bob'])], axis=1)
X = d[a['features']].values.astype(float)
R = np.corrcoef(X.T)
print(json.dumps({'r': R.tolist(), 'vif': np.diag(np.linalg.inv(R)).tolist()}))
`;

async function numericFeatures(name: 'breast_cancer' | 'diabetes'): Promise<string[]> {
  const r = await runPythonJson<string[]>(
    `import json,sys\nimport pandas as pd\na=json.load(sys.stdin)\nprint(json.dumps([c for f in (a['alice'],a['bob']) for c in pd.read_csv(f).columns if c not in ('id','y')]))`,
    files[name],
  );
  return r;
}

async function expectInvalid(p: Promise<unknown>, field: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParameterValidationError);
  expect((err as ParameterValidationError).fields).toContain(`task_config.${field}`);
}

describe('ss_pearsonr and ss_vif', () => {
  for (const name of ['breast_cancer', 'diabetes'] as const) {
    it(`${name}: r within 1e-4 of numpy.corrcoef, VIF within 1% of diag(inv(R))`, async () => {
      const features = await numericFeatures(name);
      const ref = await runPythonJson<{ r: number[][]; vif: number[] }>(NUMPY_CORR, { ...files[name], features });
      const cfg = { input_ds: files[name], feature_selects: features, block_rows: 128 };
      const pr = await inTask(() => runWithUncheckedFiles(ssPearsonrTask, ctx, ssPearsonrSchema.parse(cfg)));
      expect(pr.features).toEqual(features);
      let worst = 0;
      pr.matrix.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ref.r[i]![j]!)))));
      expect(worst).toBeLessThan(1e-4);
      pr.matrix.forEach((row, i) => expect(row[i]).toBe(1));
      const vif = await inTask(() => runWithUncheckedFiles(ssVifTask, ctx, ssVifSchema.parse(cfg)));
      features.forEach((f, j) => expect(Math.abs(vif.vif[f]! / ref.vif[j]! - 1), `${f}: ${vif.vif[f]} vs ${ref.vif[j]}`).toBeLessThan(0.01));
      expect(vif.report.tabs[0]!.divs[0]!.children[0]!.type).toBe('descriptions');
    });
  }

  it('bad input names the field: a feature at no party, a single feature, a constant column', async () => {
    await expectInvalid(inTask(() => runWithUncheckedFiles(ssPearsonrTask, ctx, ssPearsonrSchema.parse({ input_ds: files.diabetes, feature_selects: ['age', 'nope'] }))), 'feature_selects');
    expect(ssVifSchema.safeParse({ input_ds: files.diabetes, feature_selects: ['age'] }).error?.issues[0]?.path).toEqual(['feature_selects']);
    await expectInvalid(inTask(() => runWithUncheckedFiles(tableStatisticsTask, ctx, tableStatisticsSchema.parse({ input_ds: files.diabetes, features: ['age', 'nope'] }))), 'features');
  });
});

describe('ss_vif on exactly collinear and constant columns', () => {
  it('a column that is a linear function of another: a very large finite VIF or a clear error, never NaN; a constant column fails on feature_selects', async () => {
    const src = readFileSync(files.diabetes.bob, 'utf8').trimEnd().split('\n');
    const bmi = readFileSync(files.diabetes.alice, 'utf8').trimEnd().split('\n').map((l) => l.split(',')[3]!);
    const bob = join(ctx.workDir, 'collinear-bob.csv');
    writeFileSync(bob, `${src.map((l, i) => `${l},${i === 0 ? 'bmi2' : String(2 * Number(bmi[i]) + 1)},${i === 0 ? 'k' : '7'}`).join('\n')}\n`);
    const input = { alice: files.diabetes.alice, bob };
    const outcome = await inTask(() => runWithUncheckedFiles(ssVifTask, ctx, ssVifSchema.parse({ input_ds: input, feature_selects: ['age', 'bmi', 's5', 'bmi2'] }))).then(
      (r) => r.vif,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    if (typeof outcome === 'string') expect(outcome).toMatch(/singular or too ill-conditioned/);
    else {
      expect(Object.values(outcome).every((v) => Number.isFinite(v))).toBe(true);
      expect(outcome['bmi']!).toBeGreaterThan(1000);
      expect(outcome['bmi2']!).toBeGreaterThan(1000);
    }
    await expectInvalid(inTask(() => runWithUncheckedFiles(ssVifTask, ctx, ssVifSchema.parse({ input_ds: input, feature_selects: ['age', 'k'] }))), 'feature_selects');
  });
});

describe('table_statistics job', () => {
  it('each party describes its own columns; a SecretFlow-shaped report', async () => {
    const r = await inTask(() => runWithUncheckedFiles(tableStatisticsTask, ctx, tableStatisticsSchema.parse({ input_ds: files.diabetes })));
    expect(Object.keys(r.stats).sort()).toEqual(['alice', 'bob']);
    expect(Object.keys(r.stats['alice']!)).toEqual(['age', 'sex', 'bmi', 'bp', 's1']);
    const headers = r.report.tabs[0]!.divs[0]!.children[0]!;
    expect(headers.type === 'table' && headers.table.headers.map((h) => h.name).slice(0, 5)).toEqual(['datatype', 'total_count', 'count', 'count_na', 'na_ratio']);
  });
});

describe('groupby_statistics', () => {
  it('keys at two parties, values at both: equals pandas groupby().agg() to fixed-point precision', async () => {
    const fns = ['SUM', 'MEAN', 'VAR', 'MIN', 'MAX', 'COUNT'] as const;
    const aggregations = [...fns.map((f) => ({ column: 'bmi', function: f })), ...fns.map((f) => ({ column: 'y', function: f }))];
    const cfg = groupbyStatisticsSchema.parse({ input_ds: files.diabetes, by: ['sex', 's4'], aggregations, receiver: 'bob' });
    const r = await inTask(() => runWithUncheckedFiles(groupbyStatisticsTask, ctx, cfg));
    const ref = await runPythonJson<{ keys: Array<[number, number]>; values: Record<string, Array<number | null>> }>(
      `import json,sys,math\nimport pandas as pd\na=json.load(sys.stdin)\nd=pd.concat([pd.read_csv(a['alice']),pd.read_csv(a['bob'])],axis=1)\ng=d.groupby(['sex','s4'])\nm={'SUM':'sum','MEAN':'mean','VAR':'var','MIN':'min','MAX':'max','COUNT':'count'}\nout={}\nfor c in ['bmi','y']:\n  for f in ${JSON.stringify(fns)}:\n    out[c+'_'+f]=[None if (isinstance(v,float) and math.isnan(v)) else float(v) for v in g[c].agg(m[f]).tolist()]\nprint(json.dumps({'keys':[list(map(float,k)) for k in g.size().index.tolist()],'values':out}))`,
      files.diabetes,
    );
    expect(r.groups).toEqual(ref.keys);
    for (const [k, want] of Object.entries(ref.values)) {
      const got = r.values[k]!;
      expect(got.length, k).toBe(want.length);
      want.forEach((w, g) => {
        if (w === null) expect(got[g], `${k}[${g}]`).toBeNull();
        else expect(Math.abs(got[g]! - w), `${k}[${g}]: ${got[g]} vs ${w}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w)));
      });
    }
  });

  it('more groups than max_group_size, a key at no party, an unknown receiver', async () => {
    const base = { input_ds: files.diabetes, aggregations: [{ column: 'y', function: 'SUM' }], receiver: 'bob' };
    await expectInvalid(inTask(() => runWithUncheckedFiles(groupbyStatisticsTask, ctx, groupbyStatisticsSchema.parse({ ...base, by: ['age'], max_group_size: 10 }))), 'max_group_size');
    await expectInvalid(inTask(() => runWithUncheckedFiles(groupbyStatisticsTask, ctx, groupbyStatisticsSchema.parse({ ...base, by: ['nope'] }))), 'by');
    await expectInvalid(inTask(() => runWithUncheckedFiles(groupbyStatisticsTask, ctx, groupbyStatisticsSchema.parse({ ...base, by: ['sex'], receiver: 'carol' }))), 'receiver');
  });
});

const WALD = `
import json, sys
import numpy as np, pandas as pd
from scipy import stats
import statsmodels.api as sm
a = json.load(sys.stdin)
d = pd.concat([pd.read_csv(a['alice']), pd.read_csv(a['bob'])], axis=1)
feats = a['features']
sc = {}
for p in ('alice', 'bob'):
    try:
        s = json.load(open(a['model'] + '/' + p + '.scaler.json'))
        for f in s['mean']: sc[f] = (s['mean'][f], s['std'][f])
    except FileNotFoundError: pass
X = np.column_stack([(d[f].values - sc[f][0]) / sc[f][1] for f in feats] + [np.ones(len(d))])
y = d['y'].values.astype(float)
w = np.array([a['weights'][f] for f in feats] + [a['weights']['_intercept_']])
n, p = X.shape
if a['reg'] == 'logistic':
    s = 1 / (1 + np.exp(-X @ w))
    H = X.T @ (X * (s * (1 - s))[:, None])
    z = w / np.sqrt(np.diag(np.linalg.inv(H)))
    pv = 2 * stats.norm.sf(np.abs(z))
    sm_p = sm.Logit(y, X).fit(disp=0).pvalues
else:
    r = y - X @ w
    s2 = r @ r / (n - p)
    z = w / np.sqrt(s2 * np.diag(np.linalg.inv(X.T @ X)))
    pv = 2 * stats.t.sf(np.abs(z), n - p)
    sm_p = sm.OLS(y, X).fit().pvalues
print(json.dumps({'z': np.abs(z).tolist(), 'p': pv.tolist(), 'sm': list(map(float, sm_p))}))
`;

describe('ss_pvalue', () => {
  const cases = [
    { name: 'breast_cancer' as const, reg: 'logistic' as const, features: ['mean_texture', 'mean_smoothness', 'worst_radius'], epochs: 100, lr: 3, sig: 'real' as const, batch: 545 },
    { name: 'diabetes' as const, reg: 'linear' as const, features: ['age', 'sex', 'bmi', 'bp', 's5', 's6'], epochs: 200, lr: 0.3, sig: 't1' as const, batch: 419 },
  ];
  for (const c of cases) {
    it(`${c.name} ${c.reg}: the Wald formula at the model's weights to 1e-3, statsmodels to 0.01 once converged`, async () => {
      const model = join(ctx.workDir, `${c.name}-model`);
      const train = await inTask(() =>
        runWithUncheckedFiles(
          ssLrTrainTask,
          ctx,
          ssLrTrainSchema.parse({
            input_ds: files[c.name], feature_selects: c.features, label: 'y', reg_type: c.reg, epochs: c.epochs, learning_rate: c.lr,
            batch_size: c.batch, sig_type: c.sig, eps: 1e-7, standardize: true, report_weights: true, output_model: model,
          }),
        ),
      );
      const r = await inTask(() => runWithUncheckedFiles(ssPvalueTask, ctx, ssPvalueSchema.parse({ model, input_ds: files[c.name] })));
      const ref = await runPythonJson<{ z: number[]; p: number[]; sm: number[] }>(WALD, { ...files[c.name], features: c.features, model, weights: train.weights, reg: c.reg });
      const names = [...c.features, INTERCEPT];
      names.forEach((f, j) => {
        expect(Math.abs(r.pvalue[f]! - ref.p[j]!), `${f} p ${r.pvalue[f]} vs ${ref.p[j]}`).toBeLessThan(1e-3);
        expect(Math.abs(r.pvalue[f]! - ref.sm[j]!), `${f} p ${r.pvalue[f]} vs statsmodels ${ref.sm[j]}`).toBeLessThan(0.01);
        expect(Math.abs(r.abs_statistic[f]! - ref.z[j]!)).toBeLessThan(1e-3 * Math.max(1, ref.z[j]!));
      });
    });
  }
});
