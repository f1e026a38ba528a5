// ss_xgb_predict: each party that owns splits evaluates them on its own rows (a 0/1 reachability
// matrix per tree leaf, computed in that party's SPU rank and entered as its own share, never
// leaving it in the clear); the SPU multiplies the parties' matrices into the one-hot leaf of each row, applies the secret leaf weights, adds the base score
// and, for logistic models, the sr sigmoid of training. Only `receiver` learns the scores.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobContext } from '@sfw/executor';
import { ParameterValidationError } from '@sfw/executor';
import { checkParties, resolveLayout } from '@sfw/model';
import { readBoostMeta, shareFileName, splitsFileName } from './model-store.ts';
import type { BoostMeta } from './model-store.ts';
import type { SsXgbPredictConfig } from './params.ts';
import type { HeaderInfo } from '@sfw/model';
import type { PredOutput, PredTable } from './party.ts';
import type { PredictDevicePub } from './device.ts';
import { boostHeaders, inputPaths } from './train.ts';

export interface SsXgbPredictResult {
  receiver: string;
  output_ds: string;
  rows: number;
  pred_name: string;
}

/** Rows per SPU product chunk (bounds the Beaver triples' size). */
const CHUNK_ROWS = 8192;

function invalid(field: string, message: string): ParameterValidationError {
  return new ParameterValidationError(`Invalid task parameters: ${field}: ${message}`, { details: { fields: [field] } });
}

export async function runSsXgbPredict(ctx: JobContext, cfg: SsXgbPredictConfig): Promise<SsXgbPredictResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  // Each party's copy of the model directory (its own data root); the meta is public and the same in each.
  const modelDir = (party: string): string => ctx.files.input('model', party);
  let meta: BoostMeta;
  try {
    meta = await readBoostMeta(modelDir(spu.ranks[0]!));
  } catch (e) {
    throw new ParameterValidationError('Invalid task parameters: task_config.model: no readable SS-XGB model meta in that directory', { details: { fields: ['task_config.model'] }, cause: e });
  }
  if (meta.spu.field !== ctx.spu.field || meta.spu.fxp_fraction_bits !== ctx.spu.fxpFractionBits || meta.parties.join() !== spu.ranks.join()) {
    throw invalid('spu_config', 'the model was trained with other SPU parties, field or fraction bits');
  }
  checkParties(Object.keys(cfg.input_ds), spu.ranks);
  if (!spu.ranks.includes(cfg.receiver) || cfg.input_ds[cfg.receiver] === undefined) throw invalid('task_config.receiver', 'must be a party with an input table');
  const inputs = inputPaths(ctx.files, cfg.input_ds);
  const labelCol = cfg.label ?? meta.label_col;
  const keep = [...(cfg.save_ids ? [cfg.id_column] : []), ...(cfg.save_label ? [labelCol] : [])];
  // One read of each party's table at its PYU: header and row count, and at the receiver the kept
  // columns, held there for the output (the split columns are read by the owner's rank).
  const tables = new Map(Object.entries(inputs).map(([p, path]) => [p, cluster.pyu(p).call<PredTable>('ssxgb.predictRead', path, p === cfg.receiver ? keep : [], cfg.id_column)]));
  const headers = await boostHeaders(ctx, new Map([...tables].map(([p, t]) => [p, cluster.pyu(p).call<HeaderInfo>('ssxgb.predictHeader', t)])));
  const layout = resolveLayout(headers, spu.ranks, meta.feature_names, undefined);
  for (const b of layout.blocks) {
    if ((meta.party_features[b.party] ?? []).join() !== b.features.join()) throw invalid('task_config.input_ds', 'feature columns are not held as at training');
  }
  if (layout.numRows === 0) throw invalid('task_config.input_ds', 'the aligned tables have no rows');
  const recvCols = headers.get(cfg.receiver)!.columns;
  if (cfg.save_label && !recvCols.includes(labelCol)) throw invalid('task_config.save_label', `the receiver holds no column '${labelCol}'`);
  if (cfg.save_ids && !recvCols.includes(cfg.id_column)) throw invalid('task_config.id_column', `the receiver holds no column '${cfg.id_column}'`);

  const t0 = performance.now();
  // Each split-owning party's rank evaluates that party's own splits on its own rows (device.ts).
  const owners = spu.ranks.flatMap((p, r) => (meta.split_party.some((tree) => tree.includes(p)) ? [r] : []));
  const pub: PredictDevicePub = {
    objective: meta.objective,
    baseScore: meta.base_score,
    n: layout.numRows,
    chunkRows: CHUNK_ROWS,
    sharePaths: spu.ranks.map((p) => join(modelDir(p), shareFileName(p))),
    inputPaths: spu.ranks.map((p) => inputs[p] ?? ''),
    splitsPaths: spu.ranks.map((p) => join(modelDir(p), splitsFileName(p))),
    owners,
    trees: meta.num_trees,
    depth: meta.max_depth,
  };
  const [scores] = spu.run('ssxgb.predict', [], pub);
  await scores!.ready;
  ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_xgb_predict scores computed');
  ctx.progress(70, 'scores computed');
  const receiver = cluster.pyu(cfg.receiver);
  const revealed = scores!.reveal(receiver);
  const opts: PredOutput = { predName: cfg.pred_name, keep, idColumn: cfg.id_column };
  const outPath = ctx.files.output('output_ds');
  const written = await receiver.call<{ rows: number; path: string }>('ssxgb.writePredictions', revealed, tables.get(cfg.receiver)!, outPath, opts).get();
  ctx.progress(100, 'predictions written');
  return { receiver: cfg.receiver, output_ds: cfg.output_ds, rows: written.rows, pred_name: cfg.pred_name };
}
