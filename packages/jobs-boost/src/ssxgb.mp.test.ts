// End to end on a real Cluster (party threads, 2 SPU rank threads, TTP dealer): ss_xgb_train ->
// ss_xgb_predict -> biclassification_eval / regression_eval, checked against the float64 reference
// of the same algorithm (same buckets, same public sampling) on the same aligned rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '@sfw/runtime';
import { ParameterValidationError } from '@sfw/executor';
import { recordingJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import { getNumericColumn, readCsv } from '@sfw/data';
import { EVAL_DEVICE_MODULE, biclassificationEvalTask, regressionEvalTask } from '@sfw/jobs-eval';
import { SSXGB_DEVICE_MODULE, ssXgbPredictSchema, ssXgbPredictTask, ssXgbTrainSchema, ssXgbTrainTask } from './index.ts';
import { predictBoostRef } from './reference.ts';
import type { RefHyper } from './reference.ts';
import type { SsXgbTrainConfig } from './params.ts';
import { openModel } from './__tests__/model-reader.ts';
import { compareWithReference, readColumns } from './__tests__/compare.ts';
import type { RecordingJobContext } from '@sfw/executor/testing';
import { writeAlignedSample } from '@sfw/testkit';

let cluster: Cluster;
let ctx: RecordingJobContext;

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [SSXGB_DEVICE_MODULE, EVAL_DEVICE_MODULE],
  });
  ctx = recordingJobContext(cluster);
});

afterAll(async () => {
  await cluster?.shutdown();
  if (ctx !== undefined) await rm(ctx.workDir, { recursive: true, force: true });
});

async function inTask<T>(id: string, f: () => Promise<T>): Promise<T> {
  await cluster.beginTask(id);
  try {
    return await f();
  } finally {
    await cluster.endTask();
  }
}

const hyperOf = (c: SsXgbTrainConfig): RefHyper => ({
  numBoostRound: c.num_boost_round, maxDepth: c.max_depth, learningRate: c.learning_rate, objective: c.objective, regLambda: c.reg_lambda,
  subsample: c.subsample, colsampleByTree: c.colsample_by_tree, sketchEps: c.sketch_eps, baseScore: c.base_score, seed: c.seed,
});

async function features(files: Record<string, string>, label: string): Promise<string[]> {
  const heads = await Promise.all(Object.values(files).map((p) => readCsv(p, { stringColumns: ['id'] })));
  return heads.flatMap((t) => t.columns.filter((c) => c !== 'id' && c !== label));
}

describe('SS-XGB job on a cluster', () => {
  it('breast_cancer logistic with row and column sampling: same trees as the float64 reference, leaf weights within 1e-3', async () => {
    const files = await writeAlignedSample('breast_cancer', ctx.workDir);
    const feats = await features(files, 'y');
    const modelDir = join(ctx.workDir, 'bc-model');
    const cfg = ssXgbTrainSchema.parse({
      input_ds: files, feature_selects: feats, label: 'y', num_boost_round: 4, max_depth: 3, learning_rate: 0.3, objective: 'logistic',
      reg_lambda: 1, subsample: 0.8, colsample_by_tree: 0.7, sketch_eps: 0.1, output_model: modelDir,
    });
    ctx.progressLog.length = 0;
    const predOut = join(ctx.workDir, 'bc-pred.csv');
    const { train, evalResult } = await inTask('bc', async () => {
      const train = await runWithUncheckedFiles(ssXgbTrainTask, ctx, cfg);
      await runWithUncheckedFiles(ssXgbPredictTask, ctx, ssXgbPredictSchema.parse({ input_ds: files, model: modelDir, receiver: 'alice', output_ds: predOut }));
      const evalResult = await runWithUncheckedFiles(biclassificationEvalTask, ctx, biclassificationEvalTask.schema.parse({ input_ds: { alice: predOut }, label: 'y', prediction: 'pred' }));
      return { train, evalResult };
    });
    expect(train.trees).toBe(4);
    // PROGRESS: one event per tree and level.
    expect(ctx.progressLog.filter((e) => e.message?.startsWith('tree ')).length).toBe(4 * 3);
    const model = await openModel(modelDir);
    expect((await readdir(modelDir)).sort()).toEqual(['alice.share', 'alice.splits.json', 'bob.share', 'bob.splits.json', 'meta.json']);
    expect(JSON.stringify(model.meta)).not.toMatch(/threshold|weight"?\s*:/i);
    const { columns, y } = await readColumns(files, feats, 'y');
    const a = compareWithReference(model, columns, y, hyperOf(cfg));
    expect(a.nodes).toBe(4 * 7);
    expect(a.sameSplit + a.nearTies).toBe(a.nodes);
    expect(a.maxLeafDiff).toBeLessThan(1e-3);
    console.info(`[ssxgb] ${a.nodes} nodes: ${a.sameSplit} same split, ${a.nearTies} near-ties; max leaf diff ${a.maxLeafDiff.toExponential(2)}`);
    // Each share file alone decodes to noise, far from the weights.
    for (const s of model.shareDecoded) expect(Math.max(...s.map(Math.abs))).toBeGreaterThan(1e3);
    // Predictions at the receiver match the reference model's scores (sr sigmoid).
    const pred = await readCsv(predOut);
    const p = getNumericColumn(pred, 'pred');
    const refP = predictBoostRef(a.ref, columns, 'logistic', 0);
    let maxDiff = 0;
    for (let i = 0; i < refP.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - refP[i]!));
    expect(maxDiff).toBeLessThan(2e-3);
    expect(evalResult.details.summary.auc).toBeGreaterThan(0.98);
  });

  it('diabetes linear: same trees as the reference, leaf weights within 1e-3, regression_eval r2 matches', async () => {
    const files = await writeAlignedSample('diabetes', ctx.workDir);
    const feats = await features(files, 'y');
    const modelDir = join(ctx.workDir, 'db-model');
    const cfg = ssXgbTrainSchema.parse({
      input_ds: files, feature_selects: feats, label: 'y', num_boost_round: 4, max_depth: 3, learning_rate: 0.3, objective: 'linear',
      reg_lambda: 1, subsample: 1, colsample_by_tree: 1, sketch_eps: 0.1, output_model: modelDir,
    });
    const predOut = join(ctx.workDir, 'db-pred.csv');
    await inTask('db', async () => {
      await runWithUncheckedFiles(ssXgbTrainTask, ctx, cfg);
      await runWithUncheckedFiles(ssXgbPredictTask, ctx, ssXgbPredictSchema.parse({ input_ds: files, model: modelDir, receiver: 'bob', output_ds: predOut }));
    });
    const model = await openModel(modelDir);
    const { columns, y } = await readColumns(files, feats, 'y');
    const a = compareWithReference(model, columns, y, hyperOf(cfg));
    expect(a.sameSplit + a.nearTies).toBe(a.nodes);
    expect(a.maxLeafDiff).toBeLessThan(1e-3);
    console.info(`[ssxgb] ${a.nodes} nodes: ${a.sameSplit} same split, ${a.nearTies} near-ties; max leaf diff ${a.maxLeafDiff.toExponential(2)}`);
    const p = getNumericColumn(await readCsv(predOut), 'pred');
    // Both parties own splits (the two-owner private product path), and the secure margins are
    // exactly the model's own trees evaluated in plaintext on the fixed-point weights as stored
    // (sums of multiples of 2^-f: exact in float64; the CSV round-trips doubles).
    expect(new Set(model.meta.split_party.flat()).size).toBe(2);
    const exact = new Float64Array(p.length);
    model.splits.forEach((tree, t) => {
      for (let i = 0; i < p.length; i++) {
        let node = 0;
        for (let l = 0; l < model.meta.max_depth; l++) {
          const s = tree[node]!;
          node = 2 * node + (columns[feats.indexOf(s.feature)]![i]! <= s.threshold ? 1 : 2);
        }
        exact[i] = exact[i]! + model.leaves[t]![node - tree.length]!;
      }
    });
    for (let i = 0; i < p.length; i++) expect(p[i]).toBe(exact[i]);
    const refP = predictBoostRef(a.ref, columns, 'linear', 0);
    let maxDiff = 0;
    for (let i = 0; i < refP.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - refP[i]!));
    expect(maxDiff).toBeLessThan(4e-3);
    const r2 = await inTask('db-eval', () => runWithUncheckedFiles(regressionEvalTask, ctx, regressionEvalTask.schema.parse({ input_ds: { bob: predOut }, label: 'y', prediction: 'pred' })));
    const mean = y.reduce((acc, v) => acc + v, 0) / y.length;
    let rss = 0;
    let tss = 0;
    for (let i = 0; i < y.length; i++) {
      rss += (y[i]! - refP[i]!) ** 2;
      tss += (y[i]! - mean) ** 2;
    }
    expect(Math.abs(r2.details.metrics.r2_score - (1 - rss / tss))).toBeLessThan(1e-4);
  });

  it('bad input fails with ParameterValidationError naming the field, and writes nothing', async () => {
    const files = await writeAlignedSample('breast_cancer', ctx.workDir);
    // bob also holds a column named y; and header-only tables.
    const bobText = await readFile(files.bob, 'utf8');
    const lines = bobText.trimEnd().split('\n');
    const bobWithY = join(ctx.workDir, 'bob-with-y.csv');
    await writeFile(bobWithY, lines.map((l, i) => `${l},${i === 0 ? 'y' : '0'}`).join('\n') + '\n');
    const emptyA = join(ctx.workDir, 'empty-a.csv');
    const emptyB = join(ctx.workDir, 'empty-b.csv');
    await writeFile(emptyA, (await readFile(files.alice, 'utf8')).split('\n')[0] + '\n');
    await writeFile(emptyB, lines[0] + '\n');
    const feats = await features(files, 'y');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ input_ds: { alice: files.alice, bob: bobWithY } }, 'task_config.label'],
      [{ label: 'no_such_label' }, 'task_config.label'],
      [{ feature_selects: [...feats.slice(0, 3), 'no_such_feature'] }, 'task_config.feature_selects'],
      [{ input_ds: { alice: emptyA, bob: emptyB } }, 'task_config.input_ds'],
      [{ input_ds: { alice: files.alice, carol: files.bob } }, 'task_config.input_ds'],
    ];
    for (const [patch, field] of cases) {
      const modelDir = join(ctx.workDir, `bad-${field}-${Object.keys(patch)[0]}`);
      const cfg = ssXgbTrainSchema.parse({ input_ds: files, feature_selects: feats, label: 'y', num_boost_round: 1, max_depth: 2, output_model: modelDir, ...patch });
      const err = await inTask('bad', () => runWithUncheckedFiles(ssXgbTrainTask, ctx, cfg)).then(() => null, (e: unknown) => e);
      expect(err, field).toBeInstanceOf(ParameterValidationError);
      expect((err as ParameterValidationError).fields, field).toContain(field);
      expect(existsSync(modelDir), field).toBe(false);
    }
    // predict: a directory without a model, a receiver that is not a party.
    const out = join(ctx.workDir, 'bad-pred.csv');
    const noModel = await inTask('bad-p', () => runWithUncheckedFiles(ssXgbPredictTask, ctx, ssXgbPredictSchema.parse({ input_ds: files, model: join(ctx.workDir, 'nothing'), receiver: 'alice', output_ds: out }))).then(() => null, (e: unknown) => e);
    expect((noModel as ParameterValidationError).fields).toContain('task_config.model');
    expect(existsSync(out)).toBe(false);
  });
});
