// End to end on a real Cluster (party threads, 2 SPU rank threads, TTP dealer): ss_lr_train ->
// ss_lr_predict -> biclassification_eval / regression_eval, checked against the float64 reference
// trained with the same hyperparameters on the same (standardized) data.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, Spu } from '@sfw/runtime';
import type { RunOptions, SpuObject } from '@sfw/runtime';
import { getNumericColumn, readCsv } from '@sfw/data';
import type { Table } from '@sfw/data';
import { ParameterValidationError } from '@sfw/executor';
import { recordingJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import { LINEAR_SGD_DEFAULTS, loadAlignedSample, predictLinearRef, trainLinearSgdRef } from '@sfw/testkit';
import { EVAL_DEVICE_MODULE, biclassificationEval, biclassificationEvalTask, regressionEval, regressionEvalTask } from '@sfw/jobs-eval';
import { SSLR_DEVICE_MODULE, ssLrPredictSchema, ssLrPredictTask, ssLrTrainSchema, ssLrTrainTask } from './index.ts';
import { readModelMeta } from '@sfw/model';
import type { RecordingJobContext } from '@sfw/executor/testing';
import { writeAlignedSample } from './__tests__/aligned.ts';

let cluster: Cluster;
let ctx: RecordingJobContext;

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [SSLR_DEVICE_MODULE, EVAL_DEVICE_MODULE],
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

describe('SS-LR job on a cluster', () => {
  it('breast_cancer logistic t1: secure AUC within 0.005 of plaintext SGD; model stays in shares', async () => {
    const files = await writeAlignedSample('breast_cancer', ctx.workDir);
    const s = await loadAlignedSample('breast_cancer');
    const modelDir = join(ctx.workDir, 'bc-model');
    const features = [...s.aliceFeatures, ...s.bobFeatures];
    const trainCfg = ssLrTrainSchema.parse({
      input_ds: files, feature_selects: features, label: 'y', epochs: 10, batch_size: 64, learning_rate: 0.1, sig_type: 't1', standardize: true, output_model: modelDir,
    });
    const predOut = join(ctx.workDir, 'bc-pred.csv');
    // Every SPU run of the predict job, to check below that X takes the private-block path.
    const runs: { fn: string; inputs: number; options: RunOptions; out: SpuObject[] }[] = [];
    const { train, evalResult } = await inTask('bc', async () => {
      const train = await runWithUncheckedFiles(ssLrTrainTask, ctx, trainCfg);
      const orig = Spu.prototype.run;
      const spy = vi.spyOn(Spu.prototype, 'run').mockImplementation(function (this: Spu, fn, inputs, pub, options = {}) {
        const out = orig.call(this, fn, inputs, pub, options);
        runs.push({ fn, inputs: inputs.length, options, out });
        return out;
      });
      try {
        await runWithUncheckedFiles(ssLrPredictTask, ctx, ssLrPredictSchema.parse({ input_ds: files, model: modelDir, receiver: 'alice', save_label: true, label: 'y', output_ds: predOut }));
      } finally {
        spy.mockRestore();
      }
      const evalResult = await runWithUncheckedFiles(biclassificationEvalTask, ctx, biclassificationEvalTask.schema.parse({ input_ds: { alice: predOut }, label: 'y', prediction: 'pred' }));
      return { train, evalResult };
    });
    const p = { ...LINEAR_SGD_DEFAULTS, epochs: 10, batchSize: 64, learningRate: 0.1, sigType: 't1' as const };
    const ref = trainLinearSgdRef(s.x, s.y, s.n, s.d, p);
    const refAuc = biclassificationEval(s.y, predictLinearRef(s.x, s.n, s.d, ref.weights, 'logistic', 't1')).summary.auc;
    const auc = evalResult.details.summary.auc;
    expect(train.epochs_run).toBe(ref.epochsRun);
    expect(Math.abs(auc - refAuc)).toBeLessThan(0.005);
    expect(Math.abs(auc - 0.997825)).toBeLessThan(0.01);
    expect(train.weights).toBeUndefined();
    // Progress: one event per epoch.
    expect(ctx.progressLog.filter((e) => e.message?.startsWith('epoch')).length).toBe(train.epochs_run);
    // Model directory: public meta (no weights), one share per party, private scalers.
    const names = (await readdir(modelDir)).sort();
    expect(names).toEqual(['alice.scaler.json', 'alice.share', 'bob.scaler.json', 'bob.share', 'meta.json']);
    const meta = await readModelMeta(modelDir);
    expect(meta.feature_names).toEqual(features);
    expect(JSON.stringify(meta)).not.toMatch(/weight/i);
    // Each share alone decodes to noise, not the weights (SEMI2K: uniform in Z_2^64).
    const decode = async (party: string): Promise<number[]> => {
      const buf = await readFile(join(modelDir, `${party}.share`));
      const body = buf.subarray(buf.indexOf(0x0a, 10) + 1);
      const u = new BigInt64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
      return Array.from(u, (v) => Number(v) / 2 ** 18);
    };
    const [a, b] = [await decode('alice'), await decode('bob')];
    const sum = a.map((v, j) => v + b[j]!);
    // Together they reconstruct the weights (mod 2^64, so compare the wrapped sum) and alone they do not.
    ref.weights.forEach((w, j) => {
      expect(Math.abs(a[j]! - w)).toBeGreaterThan(1e3);
      const wrapped = ((sum[j]! + 2 ** 45) % 2 ** 46 + 2 ** 46) % 2 ** 46 - 2 ** 45;
      expect(Math.abs(wrapped - w)).toBeLessThan(0.02);
    });
    // The prediction file is at the receiver with ids, label and scores.
    const pred = await readFile(predOut, 'utf8');
    expect(pred.split('\n')[0]).toBe('"id","y","pred"');
    expect(pred.trim().split('\n').length).toBe(s.n + 1);
    // Secure path: the scores come from one run whose only secret input is w and whose feature
    // blocks are private blocks (each party's at its own rank; no share of X is made or opened).
    const scoreRuns = runs.filter((r) => r.fn === 'sslr.predict');
    expect(scoreRuns).toHaveLength(1);
    expect(scoreRuns[0]!.inputs).toBe(1);
    expect(scoreRuns[0]!.options.private).toHaveLength(2);
    // Each rank sends its own block masked once (~n (d+1) / 2 words), w-sized and truncation
    // openings and t1's comparisons: ~n (d+1) words here (130-135 KB). A Beaver product would add
    // the opening of all of X, n (d+1) words, to the same rest.
    const st = await scoreRuns[0]!.out[0]!.stats!;
    for (const r of st.ranks) expect(r.stats.bytesSent).toBeLessThan(s.n * (s.d + 1) * 8 * 1.25);
    // Scores vs plaintext: the exact model (both shares summed in the ring) on the same data through
    // the same t1 sigmoid. Error: encoding of x (2^-19 per element, |w_j| < 4, 31 terms) plus one
    // truncation ulp, divided by 4 by t1, plus t1's own truncation: < 1e-4; bound 5e-4.
    const raw = async (party: string): Promise<BigInt64Array> => {
      const buf = await readFile(join(modelDir, `${party}.share`));
      const body = buf.subarray(buf.indexOf(0x0a, 10) + 1);
      return new BigInt64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    };
    const [ra, rb] = [await raw('alice'), await raw('bob')];
    const wExact = Float64Array.from(ra, (v, j) => Number(BigInt.asIntN(64, v + rb[j]!)) / 2 ** 18);
    const plainScores = predictLinearRef(s.x, s.n, s.d, wExact, 'logistic', 't1');
    const got = getNumericColumn(await readCsv(predOut, { stringColumns: ['id'] }), 'pred');
    let maxDiff = 0;
    got.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - plainScores[i]!))));
    expect(maxDiff).toBeLessThan(5e-4);
  });

  it('CSVs saved with a UTF-8 BOM and CRLF line ends give the same model and predictions as plain ones', async () => {
    const s = await loadAlignedSample('breast_cancer');
    const features = [...s.aliceFeatures, ...s.bobFeatures];
    const runs: { weights: Record<string, number>; pred: Table }[] = [];
    for (const style of ['plain', 'bom'] as const) {
      const dir = join(ctx.workDir, `bom-${style}`);
      const files = await writeAlignedSample('breast_cancer', dir);
      if (style === 'bom') {
        for (const p of Object.values(files)) await writeFile(p, `\ufeff${(await readFile(p, 'utf8')).replaceAll('\n', '\r\n')}`);
      }
      const modelDir = join(dir, 'model');
      const predOut = join(dir, 'pred.csv');
      const weights = await inTask(`bom-${style}`, async () => {
        const train = await runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({
          input_ds: files, feature_selects: features, label: 'y', epochs: 3, batch_size: 64, sig_type: 't1', standardize: true, report_weights: true, output_model: modelDir,
        }));
        await runWithUncheckedFiles(ssLrPredictTask, ctx, ssLrPredictSchema.parse({ input_ds: files, model: modelDir, receiver: 'alice', save_label: true, output_ds: predOut }));
        return train.weights!;
      });
      runs.push({ weights, pred: await readCsv(predOut, { stringColumns: ['id'] }) });
    }
    const [plain, bom] = runs as [(typeof runs)[0], (typeof runs)[0]];
    // Same columns, ids and labels; weights and scores equal up to the fixed-point noise of two secure runs.
    expect(bom.pred.columns).toEqual(['id', 'y', 'pred']);
    expect(bom.pred.data.id).toEqual(plain.pred.data.id);
    expect(getNumericColumn(bom.pred, 'y')).toEqual(getNumericColumn(plain.pred, 'y'));
    for (const [k, w] of Object.entries(plain.weights)) expect(Math.abs(bom.weights[k]! - w)).toBeLessThan(5e-3);
    const a = getNumericColumn(plain.pred, 'pred');
    const b = getNumericColumn(bom.pred, 'pred');
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(5e-3);
    // And both against the float64 reference trained the same way.
    const ref = trainLinearSgdRef(s.x, s.y, s.n, s.d, { ...LINEAR_SGD_DEFAULTS, epochs: 3, batchSize: 64, sigType: 't1' });
    const refAuc = biclassificationEval(s.y, predictLinearRef(s.x, s.n, s.d, ref.weights, 'logistic', 't1')).summary.auc;
    expect(Math.abs(biclassificationEval(getNumericColumn(bom.pred, 'y'), b).summary.auc - refAuc)).toBeLessThan(0.005);
  });

  it('diabetes linear: r2 within 0.01 of OLS, evaluated at bob', async () => {
    const files = await writeAlignedSample('diabetes', ctx.workDir);
    const s = await loadAlignedSample('diabetes');
    const modelDir = join(ctx.workDir, 'db-model');
    const predOut = join(ctx.workDir, 'db-pred.csv');
    let weights: Record<string, number> | undefined;
    const r = await inTask('db', async () => {
      const train = await runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({
        input_ds: files, feature_selects: [...s.aliceFeatures, ...s.bobFeatures], label: 'y', reg_type: 'linear', epochs: 10, batch_size: 32, eps: 0, standardize: true, report_weights: true, output_model: modelDir,
      }));
      weights = train.weights;
      await runWithUncheckedFiles(ssLrPredictTask, ctx, ssLrPredictSchema.parse({ input_ds: files, model: modelDir, receiver: 'bob', save_label: true, output_ds: predOut }));
      return runWithUncheckedFiles(regressionEvalTask, ctx, regressionEvalTask.schema.parse({ input_ds: { bob: predOut }, label: 'y', prediction: 'pred' }));
    });
    const p = { ...LINEAR_SGD_DEFAULTS, regType: 'linear' as const, epochs: 10, batchSize: 32, eps: 0 };
    const ref = trainLinearSgdRef(s.x, s.y, s.n, s.d, p);
    const refR2 = regressionEval(s.y, predictLinearRef(s.x, s.n, s.d, ref.weights, 'linear', 't1')).metrics.r2_score;
    expect(Math.abs(r.details.metrics.r2_score - refR2)).toBeLessThan(0.001);
    expect(Math.abs(r.details.metrics.r2_score - 0.512841)).toBeLessThan(0.01);
    // report_weights reveals the model as SecretFlow's report does: intercept first, then features.
    expect(Object.keys(weights!)).toEqual(['_intercept_', ...s.aliceFeatures, ...s.bobFeatures]);
    expect(Math.abs(weights!['_intercept_']! - ref.weights[s.d]!)).toBeLessThan(0.05);
    s.aliceFeatures.forEach((f, j) => expect(Math.abs(weights![f]! - ref.weights[j]!)).toBeLessThan(0.05));
  });

  it('rejects a missing label column and an oversized batch with ParameterValidationError', async () => {
    const files = await writeAlignedSample('diabetes', ctx.workDir);
    const base = { input_ds: files, feature_selects: ['age', 's2'], label: 'y', output_model: join(ctx.workDir, 'bad') };
    await inTask('bad', async () => {
      await expect(runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({ ...base, label: 'nope' }))).rejects.toBeInstanceOf(ParameterValidationError);
      await expect(runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({ ...base, feature_selects: ['age', 'zz'] }))).rejects.toThrow(/'zz'/);
      await expect(runWithUncheckedFiles(ssLrTrainTask, ctx, ssLrTrainSchema.parse({ ...base, batch_size: 100000 }))).rejects.toBeInstanceOf(ParameterValidationError);
      // Evaluation names the missing column's field.
      await expect(runWithUncheckedFiles(regressionEvalTask, ctx, regressionEvalTask.schema.parse({ input_ds: { bob: files.bob }, label: 'y', prediction: 'nope' }))).rejects.toThrow(/task_config.prediction/);
      await expect(runWithUncheckedFiles(biclassificationEvalTask, ctx, biclassificationEvalTask.schema.parse({ input_ds: { carol: files.bob } }))).rejects.toBeInstanceOf(ParameterValidationError);
    });
  });
});
