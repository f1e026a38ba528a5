// The plaintext preprocessing jobs: each party transforms its own columns in its own thread; the
// driver sees column names, row counts and parameter issues only.
import type { JobContext } from '@sfw/executor';
import { planSteps } from './calculate.ts';
import { checkParties, clusterOf, fail, fitCheckWrite, headers, owners } from './driver.ts';
import type { FitWriteResult } from './driver.ts';
import type { LocalSpec } from './local.ts';
import type { FeatureCalculateConfig, FeatureFilterConfig, FillnaConfig, OnehotConfig, SubstitutionConfig, TrainTestSplitConfig, VertBinningConfig } from './params.ts';
import { inputPaths, outputPaths } from './paths.ts';
import { splitSizes } from './split.ts';

export async function runFillna(ctx: JobContext, cfg: FillnaConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const own = owners(await headers(ctx, input), cfg.features, 'task_config.features');
  const specs = new Map<string, LocalSpec>([...own].map(([p, f]) => [p, { kind: 'fillna', cfg: { ...cfg, features: f } }]));
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds), rule: outputPaths(ctx.files, 'output_rule', cfg.output_rule) });
}

export async function runFeatureCalculate(ctx: JobContext, cfg: FeatureCalculateConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const h = await headers(ctx, input);
  cfg.rules.forEach((r, i) => owners(h, r.features, `task_config.rules.${i}.features`));
  const specs = new Map<string, LocalSpec>([...h].map(([p, cols]) => [p, { kind: 'feature_calculate', steps: planSteps(cfg.rules, cols) }]));
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds), rule: outputPaths(ctx.files, 'output_rule', cfg.output_rule) });
}

export async function runOnehot(ctx: JobContext, cfg: OnehotConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const own = owners(await headers(ctx, input), cfg.features, 'task_config.features');
  const specs = new Map<string, LocalSpec>([...own].map(([p, f]) => [p, { kind: 'onehot_encode', features: f, drop: cfg.drop, min_frequency: cfg.min_frequency }]));
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds), rule: outputPaths(ctx.files, 'output_rule', cfg.output_rule) });
}

export async function runVertBinning(ctx: JobContext, cfg: VertBinningConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const own = owners(await headers(ctx, input), cfg.feature_selects, 'task_config.feature_selects');
  const specs = new Map<string, LocalSpec>([...own].map(([p, f]) => [p, { kind: 'binning', features: f, method: cfg.binning_method, bin_num: cfg.bin_num }]));
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds), rule: outputPaths(ctx.files, 'output_rule', cfg.output_rule) });
}

export async function runSubstitution(ctx: JobContext, cfg: SubstitutionConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const specs = new Map<string, LocalSpec>(
    Object.keys(cfg.input_ds).map((p) => {
      const r = cfg.input_rule[p];
      return [p, { kind: 'substitution', rule_path: r === undefined ? undefined : ctx.files.input(`input_rule.${p}`, p) }];
    }),
  );
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds) });
}

export async function runFeatureFilter(ctx: JobContext, cfg: FeatureFilterConfig): Promise<FitWriteResult> {
  const cluster = clusterOf(ctx);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const own = owners(await headers(ctx, input), cfg.drop_features, 'task_config.drop_features');
  const specs = new Map<string, LocalSpec>([...own].map(([p, f]) => [p, { kind: 'feature_filter', drop: f }]));
  return fitCheckWrite(cluster, input, specs, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds) });
}

export interface SplitResult {
  rows: number;
  train_rows: number;
  test_rows: number;
}

export async function runTrainTestSplit(ctx: JobContext, cfg: TrainTestSplitConfig): Promise<SplitResult> {
  const cluster = clusterOf(ctx);
  const parties = checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const train = outputPaths(ctx.files, 'train_ds', cfg.train_ds)!, test = outputPaths(ctx.files, 'test_ds', cfg.test_ds)!;
  // Row counts are public (the aligned table's size); they must agree for the split to align rows.
  const counts = await Promise.all(parties.map((p) => cluster.pyu(p).call<number>('prep.rowCount', input[p]!).get()));
  if (new Set(counts).size !== 1) fail([{ field: 'task_config.input_ds', message: 'parties have different row counts; run PSI first' }]);
  const rows = counts[0]!;
  const { nTrain, nTest } = splitSizes(rows, cfg.train_size, cfg.test_size);
  if (nTrain === 0 || nTest === 0) fail([{ field: 'task_config.train_size', message: `an empty split of ${rows} rows` }]);
  await Promise.all(
    parties.map((p) =>
      cluster.pyu(p).call('prep.split', input[p]!, {
        rows, train_size: cfg.train_size, test_size: cfg.test_size, seed: cfg.random_state, shuffle: cfg.shuffle,
        train: train[p]!, test: test[p]!,
      }).get(),
    ),
  );
  return { rows, train_rows: nTrain, test_rows: nTest };
}
