// Against Debian's python3-xgboost with matching hyperparameters (tree_method hist, max_bin = our
// bucket count, same rounds, depth, eta and lambda, min_child_weight 0, gamma 0, no sampling,
// base_score 0.5 in probability = margin 0 for logistic): the secure model's training AUC within
// 0.01 on breast_cancer, its r2 within 0.02 on diabetes. Bucketing differs (xgboost's own sketch) and
// SS-XGB uses the sr sigmoid, so the trees are not identical; the quality must be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster } from '@sfw/runtime';
import { recordingJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import { getNumericColumn, readCsv } from '@sfw/data';
import { PYTHON, runPythonJson } from '@sfw/testkit';
import { biclassificationEval, regressionEval } from '@sfw/jobs-eval';
import { SSXGB_DEVICE_MODULE, ssXgbPredictSchema, ssXgbPredictTask, ssXgbTrainSchema, ssXgbTrainTask } from './index.ts';
import { readColumns } from './__tests__/compare.ts';
import type { RecordingJobContext } from '@sfw/executor/testing';
import { writeAlignedSample } from '@sfw/testkit';

const hasXgboost = spawnSync(PYTHON, ['-c', 'import xgboost, sklearn'], { encoding: 'utf8' }).status === 0;
if (!hasXgboost) console.warn('[ssxgb] python3-xgboost is not installed (run `bash tools/python-deps.sh` as root): skipping the xgboost comparison');

let cluster: Cluster;
let ctx: RecordingJobContext;

beforeAll(async () => {
  if (!hasXgboost) return;
  cluster = await Cluster.start({ parties: ['alice', 'bob'], spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' }, modules: [SSXGB_DEVICE_MODULE] });
  ctx = recordingJobContext(cluster);
});

afterAll(async () => {
  await cluster?.shutdown();
  if (ctx !== undefined) await rm(ctx.workDir, { recursive: true, force: true });
});

const XGB = `
import json, sys
import numpy as np, xgboost as xgb
from sklearn.metrics import roc_auc_score, r2_score
a = json.load(sys.stdin)
X = np.array(a['columns']).T; y = np.array(a['y'])
p = dict(n_estimators=a['rounds'], max_depth=a['depth'], learning_rate=a['lr'], reg_lambda=a['lam'], tree_method='hist', max_bin=a['bins'],
         min_child_weight=0, gamma=0, subsample=1, colsample_bytree=1, n_jobs=1)
if a['objective'] == 'logistic':
    m = xgb.XGBClassifier(base_score=0.5, **p).fit(X, y); print(json.dumps(roc_auc_score(y, m.predict_proba(X)[:, 1])))
else:
    m = xgb.XGBRegressor(base_score=0.0, **p).fit(X, y); print(json.dumps(r2_score(y, m.predict(X))))
`;

async function secureVsXgboost(sample: 'breast_cancer' | 'diabetes', objective: 'logistic' | 'linear', receiver: string): Promise<{ ours: number; theirs: number }> {
  const files = await writeAlignedSample(sample, ctx.workDir);
  const heads = await Promise.all(Object.values(files).map((p) => readCsv(p, { stringColumns: ['id'] })));
  const feats = heads.flatMap((t) => t.columns.filter((c) => c !== 'id' && c !== 'y'));
  const hyper = { rounds: 10, depth: 3, lr: 0.3, lam: 1, bins: 10 };
  const modelDir = join(ctx.workDir, `${sample}-xgb-model`);
  const predOut = join(ctx.workDir, `${sample}-xgb-pred.csv`);
  await cluster.beginTask(`xgb-${sample}`);
  try {
    await runWithUncheckedFiles(ssXgbTrainTask, ctx, ssXgbTrainSchema.parse({
      input_ds: files, feature_selects: feats, label: 'y', num_boost_round: hyper.rounds, max_depth: hyper.depth, learning_rate: hyper.lr, reg_lambda: hyper.lam,
      objective, subsample: 1, colsample_by_tree: 1, sketch_eps: 1 / hyper.bins, base_score: 0, output_model: modelDir,
    }));
    await runWithUncheckedFiles(ssXgbPredictTask, ctx, ssXgbPredictSchema.parse({ input_ds: files, model: modelDir, receiver, output_ds: predOut }));
  } finally {
    await cluster.endTask();
  }
  const pred = await readCsv(predOut);
  const y = getNumericColumn(pred, 'y');
  const p = getNumericColumn(pred, 'pred');
  const ours = objective === 'logistic' ? biclassificationEval(y, p).summary.auc : regressionEval(y, p).metrics.r2_score;
  const { columns, y: yAll } = await readColumns(files, feats, 'y');
  const theirs = await runPythonJson<number>(XGB, { ...hyper, objective, columns: columns.map((c) => [...c]), y: [...yAll] });
  console.info(`[ssxgb] ${sample}: secure ${ours.toFixed(4)} vs xgboost ${theirs.toFixed(4)}`);
  return { ours, theirs };
}

describe.runIf(hasXgboost)('SS-XGB against python3-xgboost', () => {
  it('breast_cancer logistic: training AUC within 0.01', async () => {
    const { ours, theirs } = await secureVsXgboost('breast_cancer', 'logistic', 'alice');
    expect(Math.abs(ours - theirs)).toBeLessThan(0.01);
  });

  it('diabetes linear: r2 within 0.02', async () => {
    const { ours, theirs } = await secureVsXgboost('diabetes', 'linear', 'bob');
    expect(Math.abs(ours - theirs)).toBeLessThan(0.02);
  });
});
