// ss_xgb_train on the cluster. Each party bins its own features (split points stay in its thread),
// shares its 0/1 bucket map once (masked once in SPU), the label party shares y; then per tree the
// SPU computes g and h, and per level the bucket sums, gains and each node's winning column, the
// one value revealed (to every party, as SecretFlow's sf.reveal does). The owner of the winning
// column turns it into its plaintext left mask, which it shares for the next level's memberships.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobContext, JobFiles } from '@sfw/executor';
import { ParameterValidationError, tableIssues, validationError } from '@sfw/executor';
import { checkParties, resolveLayout } from '@sfw/model';
import type { DataLayout, HeaderInfo } from '@sfw/model';
import type { DeviceObject, SpuObject } from '@sfw/runtime';
import { bucketCount } from './binning.ts';
import { columnLayout, sampledColumns } from './columns.ts';
import type { ColumnLayout } from './columns.ts';
import type { MaskPub } from './device.ts';
import { shareFileName, splitsFileName, writeBoostMeta } from './model-store.ts';
import type { BoostMeta } from './model-store.ts';
import type { OwnedSplit } from './party.ts';
import type { SsXgbTrainConfig } from './params.ts';
import { gainScaleBits } from './program.ts';
import type { GradPub, LeavesPub, LevelPub } from './program.ts';
import { treeSample } from './sampling.ts';


export interface SsXgbTrainResult {
  model: string;
  trees: number;
  max_depth: number;
  rows: number;
  buckets: number;
  feature_names: string[];
  label_party: string;
  /** Splits per party (public: the revealed bucket indices name the owners). */
  splits_per_party: Record<string, number>;
  train_seconds: number;
}

function invalid(field: string, message: string): ParameterValidationError {
  return new ParameterValidationError(`Invalid task parameters: task_config.${field}: ${message}`, { details: { fields: [`task_config.${field}`] } });
}

/** Each party's input path from the file seam (resolved inside that party's data root). */
export function inputPaths(files: JobFiles, inputDs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(inputDs).map((p) => [p, files.input(`input_ds.${p}`, p)]));
}

/**
 * `inputs`: each party's path from the file seam (`inputPaths`), opened by that party's thread. A
 * table over the operator's row or column bound (SFW_MAX_ROWS / SFW_MAX_COLUMNS) fails naming
 * `task_config.input_ds.<party>`.
 */
export async function readBoostHeaders(ctx: Pick<JobContext, 'cluster' | 'limits'>, inputs: Record<string, string>): Promise<Map<string, HeaderInfo>> {
  return boostHeaders(ctx, new Map(Object.entries(inputs).map(([party, path]) => [party, ctx.cluster.pyu(party).call<HeaderInfo>('ssxgb.header', path)])));
}

/** The parties' headers revealed to the driver, checked against the operator's bounds as above. */
export async function boostHeaders(ctx: Pick<JobContext, 'limits'>, calls: Map<string, DeviceObject<HeaderInfo>>): Promise<Map<string, HeaderInfo>> {
  const entries = await Promise.all([...calls].map(async ([party, h]) => [party, await h.get()] as const));
  const issues = entries.flatMap(([party, h]) => tableIssues({ rows: h.numRows, columns: h.columns.length }, ctx.limits, `task_config.input_ds.${party}`));
  if (issues.length > 0) throw validationError(issues);
  return new Map(entries);
}

/** Validation that needs the parties' column names; throws before anything is computed or written. */
export async function trainLayout(ctx: JobContext, cfg: SsXgbTrainConfig, inputs: Record<string, string>): Promise<DataLayout> {
  const spu = ctx.cluster.spu();
  checkParties(Object.keys(cfg.input_ds), spu.ranks);
  const headers = await readBoostHeaders(ctx, inputs);
  const layout = resolveLayout(headers, spu.ranks, cfg.feature_selects, cfg.label);
  if (layout.numRows === 0) throw invalid('input_ds', 'the aligned tables have no rows');
  return layout;
}

interface TreeState {
  /** Internal nodes in level order: owning party, its local feature index, bucket, global column. */
  splits: Array<{ party: string; local: number; bucket: number; column: number }>;
  w: SpuObject;
}

export async function runSsXgbTrain(ctx: JobContext, cfg: SsXgbTrainConfig): Promise<SsXgbTrainResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  const inputs = inputPaths(ctx.files, cfg.input_ds);
  const layout = await trainLayout(ctx, cfg, inputs);
  const n = layout.numRows;
  const d = layout.featureNames.length;
  const depth = cfg.max_depth;
  const buckets = bucketCount(cfg.sketch_eps);
  // Each SPU party's copy of the model directory (its own data root, staged until the task succeeds).
  const modelDir = (party: string): string => ctx.files.output('output_model', party);
  const t0 = performance.now();
  ctx.log.info({ parties: layout.blocks.map((b) => b.party), features: d, rows: n, labelParty: layout.labelParty, buckets }, 'ss_xgb_train layout');

  // 1. Local binning at each party; only the bucket counts (the map's shape) come back.
  const states = new Map<string, DeviceObject>();
  for (const b of layout.blocks) {
    const lbl = b.party === layout.labelParty ? cfg.label : null;
    states.set(b.party, cluster.pyu(b.party).call('ssxgb.bin', inputs[b.party]!, b.features, buckets, lbl));
  }
  if (!states.has(layout.labelParty)) {
    states.set(layout.labelParty, cluster.pyu(layout.labelParty).call('ssxgb.bin', inputs[layout.labelParty]!, [], buckets, cfg.label));
  }
  const counts = await Promise.all(layout.blocks.map((b) => cluster.pyu(b.party).call<number[]>('ssxgb.bucketCounts', states.get(b.party)!).get()));
  const cols: ColumnLayout = columnLayout(layout.blocks.map((b, i) => ({ party: b.party, counts: counts[i]! })));

  // 2. Bucket maps shared and masked once; y shared; margins start at base_score.
  // The key is the same on every party's driver (cross-silo: each party runs this code).
  const mask: MaskPub = { key: cluster.uniqueName('ssxgb-mask'), count: layout.blocks.length };
  const maps = layout.blocks.map((b) => cluster.pyu(b.party).call('ssxgb.bucketMapOf', states.get(b.party)!));
  const [masked] = spu.run('ssxgb.maskBuckets', maps, mask);
  const y = cluster.pyu(layout.labelParty).call('ssxgb.labelOf', states.get(layout.labelParty)!).to(spu);
  let [pred] = spu.run('ssxgb.initPred', [], { n, base: cfg.base_score });
  await masked!.ready;
  ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'ss_xgb_train bucket maps shared and masked');

  const trees: TreeState[] = [];
  // A column every row falls in (the first feature's last split point): node totals.
  const totalCol = cols.features[0]!.start + cols.features[0]!.count - 1;
  const steps = cfg.num_boost_round * depth;
  try {
    for (let t = 0; t < cfg.num_boost_round; t++) {
      const sample = treeSample(cfg.seed, t, n, d, cfg.subsample, cfg.colsample_by_tree);
      const { ranges, owners } = sampledColumns(cols, sample.features);
      const gradPub: GradPub = { objective: cfg.objective, rows: sample.rows };
      const [g, h] = spu.run('ssxgb.gradients', [pred!, y], gradPub, { outputs: 2 });
      const splits: TreeState['splits'] = [];
      let s: SpuObject | undefined;
      let sums: SpuObject | undefined;
      let maskObjs: DeviceObject[] = [];
      for (let l = 0; l < depth; l++) {
        if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
        const pub: LevelPub & { key: string } = {
          key: mask.key,
          n,
          prevNodes: l === 0 ? 0 : 2 ** (l - 1),
          partyCols: cols.partyCols,
          colRanges: ranges,
          totalCol,
          lambda: cfg.reg_lambda,
          scaleBits: gainScaleBits(n, cfg.objective),
        };
        const inputs = l === 0 ? [g!, h!] : [g!, h!, s!, sums!, ...maskObjs];
        const [best, sNext, sumsNext] = spu.run('ssxgb.level', inputs, pub, { outputs: 3 });
        // The one revealed value per node: the winning column among this tree's sampled columns.
        const idx = (await best!.get()).data;
        maskObjs = [];
        for (const v of idx) {
          const o = owners[Math.round(v)];
          if (o === undefined) throw new Error('the SPU returned a split column outside the sampled columns');
          splits.push({ party: o.f.party, local: o.f.local, bucket: o.bucket, column: o.f.start + o.bucket });
          maskObjs.push(cluster.pyu(o.f.party).call('ssxgb.splitMask', states.get(o.f.party)!, o.f.local, o.bucket, ctx.spu.fxpFractionBits));
        }
        s = sNext;
        sums = sumsNext;
        const done = t * depth + l + 1;
        ctx.progress((95 * done) / steps, `tree ${t + 1}/${cfg.num_boost_round} level ${l + 1}/${depth}`, { tree: t + 1, trees: cfg.num_boost_round, level: l + 1, levels: depth });
      }
      const lastLevel = splits.slice(splits.length - 2 ** (depth - 1));
      const leavesPub: LeavesPub = {
        n, prevNodes: 2 ** (depth - 1), splitCols: lastLevel.map((sp) => sp.column), cols: cols.total, totalCol, lambda: cfg.reg_lambda, learningRate: cfg.learning_rate,
      };
      const [w, nextPred] = spu.run('ssxgb.leaves', [s!, sums!, pred!, ...maskObjs], leavesPub, { outputs: 2 });
      await nextPred!.ready;
      pred = nextPred;
      trees.push({ splits, w: w! });
      ctx.log.info({ tree: t + 1, ms: Math.round(performance.now() - t0) }, 'ss_xgb_train tree done');
    }
  } finally {
    const [released] = spu.run('ssxgb.releaseBuckets', [], mask);
    await released!.ready.catch(() => undefined);
  }

  // 3. The model: leaf-weight shares per rank, each party's own splits, the public meta.
  const sharePaths = spu.ranks.map((p) => join(modelDir(p), shareFileName(p)));
  const [saved] = spu.run('ssxgb.saveLeaves', trees.map((t) => t.w), { sharePaths });
  await saved!.ready;
  const splitsPerParty: Record<string, number> = {};
  await Promise.all(
    layout.blocks.map(async (b) => {
      const own: OwnedSplit[] = [];
      trees.forEach((tr, ti) => tr.splits.forEach((sp, node) => {
        if (sp.party === b.party) own.push({ tree: ti, node, feature: sp.local, bucket: sp.bucket });
      }));
      splitsPerParty[b.party] = own.length;
      await cluster.pyu(b.party).call<number>('ssxgb.writeSplits', states.get(b.party)!, own, join(modelDir(b.party), splitsFileName(b.party))).get();
    }),
  );
  const meta: BoostMeta = {
    model_type: 'sf.model.ss_xgb',
    version: '0.1',
    objective: cfg.objective,
    base_score: cfg.base_score,
    sig_type: 'sr',
    num_trees: trees.length,
    max_depth: depth,
    feature_names: layout.featureNames,
    label_col: cfg.label,
    parties: [...spu.ranks],
    party_features: Object.fromEntries(layout.blocks.map((b) => [b.party, b.features])),
    split_party: trees.map((tr) => tr.splits.map((sp) => sp.party)),
    leaf_weights: { shape: [trees.length * 2 ** depth, 1] },
    spu: { protocol: ctx.spu.protocol, field: ctx.spu.field, fxp_fraction_bits: ctx.spu.fxpFractionBits },
  };
  for (const dir of new Set(spu.ranks.map(modelDir))) await writeBoostMeta(dir, meta);
  ctx.progress(100, 'model written');
  return {
    model: cfg.output_model,
    trees: trees.length,
    max_depth: depth,
    rows: n,
    buckets,
    feature_names: layout.featureNames,
    label_party: layout.labelParty,
    splits_per_party: splitsPerParty,
    train_seconds: (performance.now() - t0) / 1000,
  };
}
