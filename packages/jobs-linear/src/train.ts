// ss_lr_train on the cluster: each party secret-shares its (optionally standardized) feature block,
// the label party shares y, the SPU runs one program per epoch, and each rank saves its own share
// of the weights. The driver sees only public values: column names, sizes, the early-stop flag,
// and the weights only when report_weights asks for them (SecretFlow reveals them to all then).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobContext, JobFiles } from '@sfw/executor';
import { ParameterValidationError, tableIssues, validationError } from '@sfw/executor';
import { batchStarts } from './schedule.ts';
import type { Cluster, DeviceObject, SpuObject } from '@sfw/runtime';
import type { SsLrTrainConfig } from './params.ts';
import { checkParties, resolveLayout } from '@sfw/model';
import type { DataLayout, HeaderInfo } from '@sfw/model';
import { scalerFileName, shareFileName, writeModelMeta } from '@sfw/model';
import type { ModelMeta } from '@sfw/model';
import { trainLoop } from './train-loop.ts';
import type { TrainExec } from './train-loop.ts';
import type { EpochRunPub, FeatureOptions, KeepSpec, MaskPub } from './device.ts';

/** The part of the runtime's Cluster the SS-LR driver uses. */
export type LrCluster = Pick<Cluster, 'pyu' | 'spu' | 'uniqueName'>;

export interface SsLrTrainResult {
  model: string;
  epochs_run: number;
  early_stopped: boolean;
  batches_per_epoch: number;
  rows: number;
  feature_names: string[];
  label_party: string;
  train_seconds: number;
  weights?: Record<string, number>;
}

/** Each party's input path from the file seam (resolved inside that party's data root). */
export function inputPaths(files: JobFiles, inputDs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(inputDs).map((p) => [p, files.input(`input_ds.${p}`, p)]));
}

/** Column names and row counts of every party's table; a table over the operator's bounds names its field. */
export async function readHeaders(cluster: LrCluster, inputs: Record<string, string>, limits?: JobContext['limits']): Promise<Map<string, HeaderInfo>> {
  const entries = await Promise.all(
    Object.entries(inputs).map(async ([party, path]) => [party, await cluster.pyu(party).call<HeaderInfo>('sslr.header', path).get()] as const),
  );
  if (limits !== undefined) {
    const issues = entries.flatMap(([party, h]) => tableIssues({ rows: h.numRows, columns: h.columns.length }, limits, `task_config.input_ds.${party}`));
    if (issues.length > 0) throw validationError(issues);
  }
  return new Map(entries);
}

/** Each party's block (its features, the intercept column on the last block) as DeviceObjects. */
export function featureBlocks(
  cluster: LrCluster,
  layout: Pick<DataLayout, 'blocks' | 'interceptParty'>,
  inputs: Record<string, string>,
  standardize: 'fit' | 'apply' | 'none',
  modelDir: (party: string) => string,
  label?: { party: string; column: string },
  keep?: { party: string; spec: KeepSpec },
): DeviceObject[] {
  const blocks: DeviceObject[] = layout.blocks.map((b) => {
    const opts: FeatureOptions = { ones: b.party === layout.interceptParty, standardize, scalerPath: join(modelDir(b.party), scalerFileName(b.party)) };
    // That party's call returns { x, y } (pick them apart with 'sslr.pick').
    if (label !== undefined && b.party === label.party) opts.label = label.column;
    // That party's call returns { x, kept } (the prediction receiver's ids / label, same CSV pass).
    if (keep !== undefined && b.party === keep.party) opts.keep = keep.spec;
    return cluster.pyu(b.party).call('sslr.features', inputs[b.party]!, b.features, opts);
  });
  return blocks;
}

export async function runSsLrTrain(ctx: JobContext, cfg: SsLrTrainConfig): Promise<SsLrTrainResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  checkParties(Object.keys(cfg.input_ds), spu.ranks);
  const inputs = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(cluster, inputs, ctx.limits);
  const layout = resolveLayout(headers, spu.ranks, cfg.feature_selects, cfg.label);
  const d = layout.featureNames.length;
  if (batchStarts(layout.numRows, d, cfg.batch_size).length === 0) {
    throw new ParameterValidationError(`Invalid task parameters: task_config.batch_size: larger than the ${layout.numRows} aligned rows`, {
      details: { fields: ['task_config.batch_size'] },
    });
  }
  // Each party's copy of the model directory (its own data root), staged until the task succeeded.
  const modelDir = (party: string): string => ctx.files.output('output_model', party);
  const standardize = cfg.standardize === true ? 'fit' : 'none';
  ctx.log.info({ parties: layout.blocks.map((b) => b.party), features: d, rows: layout.numRows, labelParty: layout.labelParty }, 'ss_lr_train layout');

  const t0 = performance.now();
  // X is concatenated and masked once (SecureML fixed mask): the ranks keep E = X - U and their
  // share of U across the epoch runs, the dealer keeps U; X itself is not stored as an SPU value.
  // The key is the same on every party's driver (cross-silo: each party runs this code).
  const mask: MaskPub = { key: cluster.uniqueName('sslr-mask') };
  // The label party reads its features and the label in one CSV pass.
  const labelled = layout.blocks.some((b) => b.party === layout.labelParty);
  const both = featureBlocks(cluster, layout, inputs, standardize, modelDir, labelled ? { party: layout.labelParty, column: cfg.label } : undefined);
  const labelPyu = cluster.pyu(layout.labelParty);
  const blocks = layout.blocks.map((b, i) => (labelled && b.party === layout.labelParty ? labelPyu.call('sslr.pick', both[i]!, 'x') : both[i]!));
  const [masked] = spu.run('sslr.maskFeatures', blocks, mask);
  void Promise.all(blocks.map((b) => b.ready)).then(
    () => ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_lr_train feature blocks read'),
    () => undefined,
  );
  // y is shared once by the label party; the SpuObject stays in the ranks' stores for every epoch.
  const yObj = labelled
    ? labelPyu.call('sslr.pick', both[layout.blocks.findIndex((b) => b.party === layout.labelParty)]!, 'y')
    : labelPyu.call('sslr.label', inputs[layout.labelParty]!, cfg.label);
  const ySpu = yObj.to(spu);
  const [w0] = spu.run('sslr.initWeights', [], { rows: d + 1 });

  await masked!.ready;
  ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_lr_train features shared and masked');
  const policy = cfg.strategy === 'policy_sgd';
  const exec: TrainExec<SpuObject> = {
    async epoch(w, dk, pub) {
      const inputs = dk === undefined ? [ySpu, w] : [ySpu, w, dk];
      const runPub: EpochRunPub = { ...pub, ...mask };
      const outs = spu.run('sslr.epoch', inputs, runPub, { outputs: policy ? 2 : 1 });
      await outs[0]!.ready;
      return { w: outs[0]!, dk: outs[1] };
    },
    async converged(old, w, pub) {
      const [flag] = spu.run('sslr.converged', [old, w], pub);
      // The flag is public in SecretFlow too (sf.reveal): the number of epochs run is not secret.
      const v = await flag!.get();
      return v.data[0]! > 0;
    },
  };
  let out: Awaited<ReturnType<typeof trainLoop<SpuObject>>>;
  try {
    out = await trainLoop(
      exec,
      w0!,
      layout.numRows,
      d,
      {
        epochs: cfg.epochs,
        learningRate: cfg.learning_rate,
        batchSize: cfg.batch_size,
        sigType: cfg.sig_type,
        regType: cfg.reg_type,
        penalty: cfg.penalty,
        l2Norm: cfg.l2_norm,
        eps: cfg.eps,
        decayEpoch: cfg.decay_epoch,
        decayRate: cfg.decay_rate,
        strategy: cfg.strategy,
      },
      (e, total) => ctx.progress((100 * e) / total, `epoch ${e}/${total}`, { epoch: e, epochs: total }),
      ctx.signal,
    );
  } finally {
    // Free the mask on every rank and at the dealer; a failure here must not hide the training's.
    const [released] = spu.run('sslr.releaseMask', [], mask);
    await released!.ready.catch(() => undefined);
  }

  ctx.log.info({ ms: Math.round(performance.now() - t0), epochs: out.epochsRun }, 'ss_lr_train epochs done');
  const sharePaths = spu.ranks.map((p) => join(modelDir(p), shareFileName(p)));
  const [saved] = spu.run('sslr.saveModel', [out.w], { sharePaths });
  await saved!.ready;
  const meta: ModelMeta = {
    model_type: 'sf.model.ss_sgd',
    version: '0.1',
    reg_type: cfg.reg_type,
    sig_type: cfg.sig_type,
    feature_names: layout.featureNames,
    label_col: cfg.label,
    parties: [...spu.ranks],
    party_features_length: Object.fromEntries(spu.ranks.map((p) => [p, layout.blocks.find((b) => b.party === p)?.features.length ?? 0])),
    intercept_party: layout.interceptParty,
    standardized: standardize === 'fit',
    spu: { protocol: ctx.spu.protocol, field: ctx.spu.field, fxp_fraction_bits: ctx.spu.fxpFractionBits },
    epochs_run: out.epochsRun,
  };
  // The meta is public: every party's copy of the model directory holds it.
  for (const dir of new Set(spu.ranks.map(modelDir))) await writeModelMeta(dir, meta);
  const result: SsLrTrainResult = {
    model: cfg.output_model,
    epochs_run: out.epochsRun,
    early_stopped: out.earlyStopped,
    batches_per_epoch: out.batchesPerEpoch,
    rows: layout.numRows,
    feature_names: layout.featureNames,
    label_party: layout.labelParty,
    train_seconds: (performance.now() - t0) / 1000,
  };
  if (cfg.report_weights) {
    // Explicitly requested: reveals the model to the driver (SecretFlow: to every party).
    const w = await out.w.get();
    result.weights = { _intercept_: w.data[d]!, ...Object.fromEntries(layout.featureNames.map((f, j) => [f, w.data[j]!])) };
  }
  return result;
}
