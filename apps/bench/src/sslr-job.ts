// The runs behind `pnpm bench sslr` (suites/sslr.ts): the real job functions on a real Cluster
// (party threads, 2 SPU ranks, TTP dealer), with the secure AUC set next to the float64 reference
// trained with the same hyperparameters.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '@sfw/runtime';
import { clusterJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import { makeTable, readCsv, getNumericColumn, writeCsv } from '@sfw/data';
import { LINEAR_SGD_DEFAULTS, loadAlignedSample, predictLinearRef, syntheticLinearData, trainLinearSgdRef } from '@sfw/testkit';
import { EVAL_DEVICE_MODULE, biclassificationEval } from '@sfw/jobs-eval';
import { SSLR_DEVICE_MODULE, ssLrPredictSchema, ssLrPredictTask, ssLrTrainSchema, ssLrTrainTask } from '@sfw/jobs-linear';
import type { SigmoidType } from '@sfw/runtime';

export interface SslrBenchCase {
  name: string;
  /** 'synthetic' (n x d, split 50/50, label at alice) or the bundled breast_cancer. */
  data: { kind: 'synthetic'; n: number; d: number } | { kind: 'breast_cancer' };
  epochs: number;
  batchSize: number;
  learningRate: number;
  sigType: SigmoidType;
}

export interface SslrBenchResult {
  case: string;
  n: number;
  d: number;
  train_ms: number;
  predict_ms: number;
  /** process.cpuUsage (user + system, every thread of this process: parties, ranks, dealer). */
  train_cpu_ms: number;
  predict_cpu_ms: number;
  epochs_run: number;
  batches_per_epoch: number;
  auc: number;
  plaintext_auc: number;
  /** max |w_secure - w_float64| (weights revealed to the driver: bench only). */
  max_weight_diff: number;
  bytes_note: string;
}

function col(n: number, d: number, x: Float64Array, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i * d + j]!;
  return out;
}

async function writeParties(dir: string, c: SslrBenchCase): Promise<{ files: Record<string, string>; features: string[]; x: Float64Array; y: Float64Array; n: number; d: number; standardize: boolean }> {
  if (c.data.kind === 'breast_cancer') {
    const s = await loadAlignedSample('breast_cancer');
    const files = { alice: join(dir, 'alice.csv'), bob: join(dir, 'bob.csv') };
    await writeCsv(files.alice, s.alice);
    await writeCsv(files.bob, s.bob);
    // loadAlignedSample already standardized (population std), so the job must not do it again.
    return { files, features: [...s.aliceFeatures, ...s.bobFeatures], x: s.x, y: s.y, n: s.n, d: s.d, standardize: false };
  }
  const { n, d } = c.data;
  const g = syntheticLinearData({ n, d, seed: `sslr-bench-${n}-${d}`, kind: 'logistic' });
  const ids = Array.from({ length: n }, (_, i) => `r${String(i).padStart(7, '0')}`);
  const half = Math.floor(d / 2);
  const aNames = Array.from({ length: half }, (_, j) => `a${j}`);
  const bNames = Array.from({ length: d - half }, (_, j) => `b${j}`);
  const aData: Record<string, Float64Array | string[]> = { id: ids, y: g.y };
  aNames.forEach((name, j) => (aData[name] = col(n, d, g.x, j)));
  const bData: Record<string, Float64Array | string[]> = { id: ids };
  bNames.forEach((name, j) => (bData[name] = col(n, d, g.x, half + j)));
  const files = { alice: join(dir, 'alice.csv'), bob: join(dir, 'bob.csv') };
  await writeCsv(files.alice, makeTable(['id', ...aNames, 'y'], aData));
  await writeCsv(files.bob, makeTable(['id', ...bNames], bData));
  return { files, features: [...aNames, ...bNames], x: g.x, y: g.y, n, d, standardize: false };
}

/** The JobContext a bench run hands a job (the executor builds the same in production). */
export function jobContext(cluster: Cluster, workDir: string, log?: JobContext['log']): JobContext {
  return clusterJobContext(cluster, { workDir, taskRequestId: 'bench', ...(log !== undefined ? { log } : {}) });
}

/** A small unmeasured run first, so thread JIT and lazy module loading are not billed to a case. */
const WARMUP: SslrBenchCase = { name: 'warmup', data: { kind: 'breast_cancer' }, epochs: 2, batchSize: 64, learningRate: 0.1, sigType: 't1' };

/** Runs each case once on one cluster (started once and warmed up, as a long-running worker is). */
/** `opts.log`: a logger for the job's phase timings (default silent). */
export async function benchSslr(cases: SslrBenchCase[], opts: { warmup?: boolean; log?: JobContext['log'] } = {}): Promise<SslrBenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-sslr-bench-'));
  const cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [SSLR_DEVICE_MODULE, EVAL_DEVICE_MODULE],
  });
  const out: SslrBenchResult[] = [];
  try {
    const all = opts.warmup === false ? cases : [WARMUP, ...cases];
    for (const [k, c] of all.entries()) {
      const caseDir = join(dir, String(k));
      const data = await writeParties(caseDir, c);
      const ctx = jobContext(cluster, caseDir, opts.log);
      await cluster.beginTask(`bench-${k}`);
      try {
        const modelDir = join(caseDir, 'model');
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const train = await runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({
          input_ds: data.files, feature_selects: data.features, label: 'y', epochs: c.epochs, batch_size: c.batchSize,
          learning_rate: c.learningRate, sig_type: c.sigType, eps: 0, standardize: data.standardize, output_model: modelDir, report_weights: true,
        }));
        const t1 = performance.now();
        const c1 = process.cpuUsage();
        const predPath = join(caseDir, 'pred.csv');
        await runWithUncheckedFiles(ssLrPredictTask, ctx, ssLrPredictSchema.parse({ input_ds: data.files, model: modelDir, receiver: 'alice', save_label: true, output_ds: predPath }));
        const t2 = performance.now();
        const c2 = process.cpuUsage();
        const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
        const pred = await readCsv(predPath, { stringColumns: ['id'] });
        const auc = biclassificationEval(getNumericColumn(pred, 'y'), getNumericColumn(pred, 'pred')).summary.auc;
        const p = { ...LINEAR_SGD_DEFAULTS, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, sigType: c.sigType, eps: 0 };
        const ref = trainLinearSgdRef(data.x, data.y, data.n, data.d, p);
        const plaintextAuc = biclassificationEval(data.y, predictLinearRef(data.x, data.n, data.d, ref.weights, 'logistic', c.sigType)).summary.auc;
        // Bench only: the revealed weights against the float64 reference (intercept last).
        const wSecure = [...data.features.map((f) => train.weights![f]!), train.weights!._intercept_!];
        const maxWeightDiff = Math.max(...ref.weights.map((v, j) => Math.abs(v - wSecure[j]!)));
        if (c === WARMUP) continue;
        out.push({
          case: c.name, n: data.n, d: data.d, train_ms: t1 - t0, predict_ms: t2 - t1, train_cpu_ms: cpuMs(c0, c1), predict_cpu_ms: cpuMs(c1, c2), epochs_run: train.epochs_run,
          batches_per_epoch: train.batches_per_epoch, auc, plaintext_auc: plaintextAuc, max_weight_diff: maxWeightDiff, bytes_note: 'train_ms includes CSV load and sharing',
        });
      } finally {
        await cluster.endTask();
      }
    }
  } finally {
    await cluster.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

export const SSLR_BENCH_CASES = {
  full: [
    { name: 'synthetic_50000x100_t1', data: { kind: 'synthetic', n: 50000, d: 100 }, epochs: 10, batchSize: 1024, learningRate: 0.1, sigType: 't1' },
    { name: 'breast_cancer_t1', data: { kind: 'breast_cancer' }, epochs: 10, batchSize: 64, learningRate: 0.1, sigType: 't1' },
  ] satisfies SslrBenchCase[],
  quick: [
    { name: 'synthetic_5000x100_t1', data: { kind: 'synthetic', n: 5000, d: 100 }, epochs: 2, batchSize: 1024, learningRate: 0.1, sigType: 't1' },
    { name: 'breast_cancer_t1', data: { kind: 'breast_cancer' }, epochs: 10, batchSize: 64, learningRate: 0.1, sigType: 't1' },
  ] satisfies SslrBenchCase[],
};
