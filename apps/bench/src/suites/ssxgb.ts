// `pnpm bench ssxgb`: SS-XGB (SecretFlow ss_xgb, SEMI2K FM64, TTP dealer) as the real jobs on a real
// Cluster: train 10,000 x 30 (15/15), 10 trees depth 4; train 50,000 x 100 (50/50), 10 trees depth
// 5, with its train AUC next to Debian xgboost's (hist, max_bin = buckets, same rounds, depth, eta,
// lambda, min_child_weight 0, base_score 0.5); predict 50,000 rows with that model. sketch_eps 0.1,
// subsample = colsample = 1 (every row and column: the most work per tree). train_ms includes
// reading the CSVs, binning and sharing the bucket maps. Needs built JS (`pnpm run build`).
// SFW_BENCH_SSXGB_CASES=predict_50000_t10_d5 keeps only the cases named (a predict case still
// trains its model first); SFW_BENCH_SSXGB_MODEL_CACHE=<dir> keeps each case's CSVs and trained
// model there and reuses them when present (the train record is then not emitted), so predict can
// be timed again without the minutes of training; SFW_BENCH_SSXGB_PREDICT_REPS=k times it k times.
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '@sfw/runtime';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { getNumericColumn, makeTable, readCsv, writeCsv } from '@sfw/data';
import { runPython, syntheticLinearData } from '@sfw/testkit';
import { biclassificationEval } from '@sfw/jobs-eval';
import { SSXGB_DEVICE_MODULE, ssXgbPredictSchema, ssXgbPredictTask, ssXgbTrainSchema, ssXgbTrainTask } from '@sfw/jobs-boost';
import { onlyCases, type BenchSuite } from '../suite.ts';
import { jobContext } from '../sslr-job.ts';

interface XgbCase {
  name: string;
  n: number;
  d: number;
  trees: number;
  depth: number;
  /** Also time ss_xgb_predict on the training rows. */
  predict: boolean;
  /** Put xgboost's AUC on the same data next to ours. */
  xgboost: boolean;
}

const CASES: { full: XgbCase[]; quick: XgbCase[] } = {
  full: [
    { name: 'train_10000x30_t10_d4', n: 10000, d: 30, trees: 10, depth: 4, predict: false, xgboost: true },
    { name: 'train_50000x100_t10_d5', n: 50000, d: 100, trees: 10, depth: 5, predict: true, xgboost: true },
  ],
  quick: [{ name: 'train_2000x30_t3_d3', n: 2000, d: 30, trees: 3, depth: 3, predict: true, xgboost: false }],
};

const LR = 0.3;
const LAMBDA = 1;
const SKETCH_EPS = 0.1;

async function writeParties(dir: string, c: XgbCase, reuse = false): Promise<{ files: { alice: string; bob: string }; features: string[]; y: Float64Array }> {
  const g = syntheticLinearData({ n: c.n, d: c.d, seed: `ssxgb-bench-${c.n}-${c.d}`, kind: 'logistic' });
  const ids = Array.from({ length: c.n }, (_, i) => `r${String(i).padStart(7, '0')}`);
  const half = Math.floor(c.d / 2);
  const names = Array.from({ length: c.d }, (_, j) => (j < half ? `a${j}` : `b${j - half}`));
  const colOf = (j: number): Float64Array => Float64Array.from({ length: c.n }, (_, i) => g.x[i * c.d + j]!);
  const aData: Record<string, Float64Array | string[]> = { id: ids, y: g.y };
  const bData: Record<string, Float64Array | string[]> = { id: ids };
  names.forEach((nm, j) => ((j < half ? aData : bData)[nm] = colOf(j)));
  const files = { alice: join(dir, 'alice.csv'), bob: join(dir, 'bob.csv') };
  if (reuse) return { files, features: names, y: g.y };
  await writeCsv(files.alice, makeTable(['id', ...names.slice(0, half), 'y'], aData));
  await writeCsv(files.bob, makeTable(['id', ...names.slice(half)], bData));
  return { files, features: names, y: g.y };
}

/** Train AUC of Debian xgboost on the same two CSVs (joined on row order, as PSI would align them). */
async function xgboostAuc(files: { alice: string; bob: string }, c: XgbCase): Promise<number | null> {
  const script = `
import json, sys
import pandas as pd, xgboost as xgb
from sklearn.metrics import roc_auc_score
a = pd.read_csv(${JSON.stringify(files.alice)}); b = pd.read_csv(${JSON.stringify(files.bob)})
y = a.pop('y').values; X = pd.concat([a.drop(columns=['id']), b.drop(columns=['id'])], axis=1).values
m = xgb.XGBClassifier(n_estimators=${c.trees}, max_depth=${c.depth}, learning_rate=${LR}, reg_lambda=${LAMBDA}, tree_method='hist',
  max_bin=${Math.ceil(1 / SKETCH_EPS - 1e-9)}, min_child_weight=0, gamma=0, subsample=1, colsample_bytree=1, base_score=0.5, n_jobs=1)
m.fit(X, y)
print(json.dumps(roc_auc_score(y, m.predict_proba(X)[:, 1])))`;
  try {
    return JSON.parse(await runPython(script, '', 300_000)) as number;
  } catch {
    return null;
  }
}

const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000;

const suite: BenchSuite = {
  name: 'ssxgb',
  description: 'SS-XGB on a cluster: train 10000x30 10 trees depth 4 (target <= 15 s), 50000x100 depth 5 (<= 120 s, AUC vs xgboost), predict 50000 rows (<= 2 s)',
  async run({ quick, emit }) {
    const dir = await mkdtemp(join(tmpdir(), 'sfw-ssxgb-bench-'));
    const only = onlyCases('SFW_BENCH_SSXGB_CASES');
    const cache = process.env.SFW_BENCH_SSXGB_MODEL_CACHE;
    const reps = Math.max(1, Number(process.env.SFW_BENCH_SSXGB_PREDICT_REPS ?? 1) || 1);
    const predictName = (c: XgbCase): string => `predict_${c.n}_t${c.trees}_d${c.depth}`;
    const wanted = (c: XgbCase): boolean => only === undefined || only.includes(c.name) || (c.predict && only.includes(predictName(c)));
    const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
    const cluster = await Cluster.start({ parties: ['alice', 'bob'], spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' }, modules: [SSXGB_DEVICE_MODULE] });
    try {
      const warm: XgbCase = { name: 'warmup', n: 500, d: 10, trees: 1, depth: 2, predict: true, xgboost: false };
      for (const [k, c] of [warm, ...(quick ? CASES.quick : CASES.full).filter(wanted)].entries()) {
        const cached = cache !== undefined && c !== warm;
        const caseDir = cached ? join(cache, c.name) : join(dir, String(k));
        const reuse = cached && (await exists(join(caseDir, 'model', 'meta.json')));
        if (cached) await mkdir(caseDir, { recursive: true });
        const data = await writeParties(caseDir, c, reuse);
        const ctx = jobContext(cluster, caseDir);
        const modelDir = join(caseDir, 'model');
        const predPath = join(caseDir, 'pred.csv');
        await cluster.beginTask(`ssxgb-bench-${k}`);
        let trainMs = NaN, trainCpu = NaN;
        const predicted: Array<{ ms: number; cpu: number }> = [];
        try {
          if (!reuse) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            await runWithUncheckedFiles(ssXgbTrainTask, ctx, ssXgbTrainSchema.parse({
              input_ds: data.files, feature_selects: data.features, label: 'y', num_boost_round: c.trees, max_depth: c.depth, learning_rate: LR,
              objective: 'logistic', reg_lambda: LAMBDA, subsample: 1, colsample_by_tree: 1, sketch_eps: SKETCH_EPS, output_model: modelDir,
            }));
            trainMs = performance.now() - t0;
            trainCpu = cpuMs(c0, process.cpuUsage());
          }
          for (let r = 0; r < (c.predict ? reps : 1); r++) {
            const c1 = process.cpuUsage();
            const t1 = performance.now();
            await runWithUncheckedFiles(ssXgbPredictTask, ctx, ssXgbPredictSchema.parse({ input_ds: data.files, model: modelDir, receiver: 'alice', output_ds: predPath }));
            predicted.push({ ms: performance.now() - t1, cpu: cpuMs(c1, process.cpuUsage()) });
          }
        } finally {
          await cluster.endTask();
        }
        if (c === warm) continue;
        const pred = await readCsv(predPath);
        const auc = biclassificationEval(getNumericColumn(pred, 'y'), getNumericColumn(pred, 'pred')).summary.auc;
        if (!reuse && (only === undefined || only.includes(c.name))) {
          const xgbAuc = c.xgboost ? await xgboostAuc(data.files, c) : null;
          emit({
            suite: 'ssxgb', case: c.name, n: c.n, d: c.d, trees: c.trees, depth: c.depth, parties: 2, field: 'FM64', reps: 1,
            median_ms: Math.round(trainMs), train_ms: Math.round(trainMs), train_cpu_ms: Math.round(trainCpu), auc, xgboost_auc: xgbAuc,
          });
        }
        if (c.predict && (only === undefined || only.includes(predictName(c)))) {
          const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
          const ms = predicted.map((p) => p.ms), cpus = predicted.map((p) => p.cpu);
          emit({
            suite: 'ssxgb', case: predictName(c), n: c.n, d: c.d, parties: 2, field: 'FM64', reps: predicted.length, median_ms: Math.round(mid(ms)),
            predict_cpu_ms: Math.round(mid(cpus)), runs_ms: ms.map(Math.round), runs_cpu_ms: cpus.map(Math.round),
          });
        }
      }
    } finally {
      await cluster.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
