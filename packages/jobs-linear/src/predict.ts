// ss_lr_predict: parties share their feature blocks (standardized with their own saved scaler if
// the model was trained so), each rank loads its own model share, the SPU computes the scores with
// the training sigmoid, and only `receiver` learns them; it writes them next to its ids.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobContext } from '@sfw/executor';
import { ParameterValidationError } from '@sfw/executor';
import type { SsLrPredictConfig } from './params.ts';
import { checkParties, resolveLayout } from '@sfw/model';
import { readModelMeta, shareFileName } from '@sfw/model';
import { featureBlocks, inputPaths, readHeaders } from './train.ts';
import { predKeep } from './device.ts';
import type { WritePredOptions } from './device.ts';
import { infeedRows } from './schedule.ts';

export interface SsLrPredictResult {
  receiver: string;
  output_ds: string;
  rows: number;
  pred_name: string;
}

export async function runSsLrPredict(ctx: JobContext, cfg: SsLrPredictConfig): Promise<SsLrPredictResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  // Each party's copy of the model directory (its own data root); the meta is public and the same in each.
  const modelDir = (party: string): string => ctx.files.input('model', party);
  let meta;
  try {
    meta = await readModelMeta(modelDir(spu.ranks[0]!));
  } catch (e) {
    throw new ParameterValidationError('Invalid task parameters: task_config.model: no readable SS-LR model meta in that directory', {
      details: { fields: ['task_config.model'] },
      cause: e,
    });
  }
  if (meta.spu.field !== ctx.spu.field || meta.spu.fxp_fraction_bits !== ctx.spu.fxpFractionBits || meta.parties.join() !== spu.ranks.join()) {
    throw new ParameterValidationError('Invalid task parameters: spu_config: the model was trained with other SPU parties, field or fraction bits', {
      details: { fields: ['spu_config'] },
    });
  }
  checkParties(Object.keys(cfg.input_ds), spu.ranks);
  if (!spu.ranks.includes(cfg.receiver) || cfg.input_ds[cfg.receiver] === undefined) {
    throw new ParameterValidationError('Invalid task parameters: task_config.receiver: must be a party with an input table', {
      details: { fields: ['task_config.receiver'] },
    });
  }
  const t0 = performance.now();
  const inputs = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(cluster, inputs, ctx.limits);
  const layout = resolveLayout(headers, spu.ranks, meta.feature_names, undefined);
  if (layout.featureNames.join() !== meta.feature_names.join() || layout.interceptParty !== meta.intercept_party) {
    throw new ParameterValidationError('Invalid task parameters: task_config.input_ds: feature columns are not held as at training', {
      details: { fields: ['task_config.input_ds'] },
    });
  }
  const saveLabel = cfg.save_label;
  const labelCol = cfg.label ?? meta.label_col;
  if (saveLabel && !headers.get(cfg.receiver)!.columns.includes(labelCol)) {
    throw new ParameterValidationError(`Invalid task parameters: task_config.save_label: the receiver holds no column '${labelCol}'`, {
      details: { fields: ['task_config.save_label'] },
    });
  }
  if (cfg.save_ids && !headers.get(cfg.receiver)!.columns.includes(cfg.id_column)) {
    throw new ParameterValidationError(`Invalid task parameters: task_config.id_column: the receiver holds no column '${cfg.id_column}'`, {
      details: { fields: ['task_config.id_column'] },
    });
  }

  const opts: WritePredOptions = { predName: cfg.pred_name, saveIds: cfg.save_ids, idColumn: cfg.id_column, saveLabel, label: labelCol };
  const receiver = cluster.pyu(cfg.receiver);
  const keep = predKeep(opts);
  // The receiver keeps its ids / label from the same CSV pass that reads its features (no second
  // parse of its table); a receiver without features, or whose id column is a feature, reads them
  // on its own.
  const recvBlock = layout.blocks.findIndex((b) => b.party === cfg.receiver);
  const inPass = keep !== undefined && recvBlock !== -1 && !layout.blocks[recvBlock]!.features.includes(cfg.id_column);
  const read = featureBlocks(cluster, layout, inputs, meta.standardized ? 'apply' : 'none', modelDir, undefined, inPass ? { party: cfg.receiver, spec: keep } : undefined);
  const blocks = inPass ? read.map((b, i) => (i === recvBlock ? receiver.call('sslr.pick', b, 'x') : b)) : read;
  const kept = keep === undefined ? null : inPass ? receiver.call('sslr.pick', read[recvBlock]!, 'kept') : receiver.call('sslr.keepColumns', inputs[cfg.receiver]!, keep);
  const [w] = spu.run('sslr.loadModel', [], { sharePaths: spu.ranks.map((p) => join(modelDir(p), shareFileName(p))) });
  const chunkRows = infeedRows(meta.feature_names.length, cfg.batch_size);
  // Each party's block goes to its own rank only, as a private block: X is never secret-shared,
  // and only masked blocks and w-sized openings cross between ranks (docs/sslr.md, "Predict").
  const [scores] = spu.run('sslr.predict', [w!], { sigType: meta.sig_type, regType: meta.reg_type, chunkRows }, { private: blocks });
  void scores!.ready.then(
    () => ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_lr_predict scores computed'),
    () => undefined,
  );
  ctx.progress(70, 'scores computed');
  // Only the receiver learns the scores: every rank sends its share to that party alone.
  const revealed = scores!.reveal(receiver);
  const outPath = ctx.files.output('output_ds');
  const written = await receiver.call<{ rows: number; path: string }>('sslr.writePredictions', revealed, kept, outPath, opts).get();
  ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_lr_predict predictions written');
  ctx.progress(100, 'predictions written');
  return { receiver: cfg.receiver, output_ds: cfg.output_ds, rows: written.rows, pred_name: cfg.pred_name };
}
