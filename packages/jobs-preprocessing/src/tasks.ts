// Task definitions of the preprocessing jobs (SecretFlow component names) and their registration:
// the one place this package meets the executor's registry (`register`, called by the app).
import type { TaskDefinition, TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { runFeatureCalculate, runFeatureFilter, runFillna, runOnehot, runSubstitution, runTrainTestSplit, runVertBinning } from './jobs.ts';
import {
  featureCalculateSchema, featureFilterSchema, fillnaSchema, onehotSchema, substitutionSchema, trainTestSplitSchema, vertBinningSchema, vertWoeBinningSchema,
} from './params.ts';
import { prepFiles } from './paths.ts';
import { runVertWoeBinning } from './woe-job.ts';

export const PREP_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');

const sfInit = { parties: ['alice', 'bob'], address: 'local' };
const spuConfig = { cluster_def: { runtime_config: { protocol: 'SEMI2K', field: 'FM64', beaver_type: 'TTP' } } };
const credit = { alice: 'examples/data/credit/alice.csv', bob: 'examples/data/credit/bob.csv' };
const out = (name: string, ext = 'csv'): Record<string, string> => ({ alice: `out/prep/${name}_alice.${ext}`, bob: `out/prep/${name}_bob.${ext}` });
const example = (taskType: string, taskConfig: Record<string, unknown>): Record<string, unknown> => ({ task_type: taskType, sf_init_config: sfInit, spu_config: spuConfig, task_config: taskConfig });

export const fillnaTask: TaskDefinition<typeof fillnaSchema> = {
  taskType: 'fillna',
  description: 'Fill nulls and outliers per column with a constant or the column mean / median / most frequent value (SecretFlow preprocessing/fillna); each party fills its own columns.',
  schema: fillnaSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('fillna', { input_ds: credit, features: ['Job', 'Home', 'Income'], float_fill_strategy: 'median', int_fill_strategy: 'median', str_fill_strategy: 'most_frequent', output_ds: out('fillna'), output_rule: out('fillna_rule', 'json') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds, output_rule: c.output_rule }),
  run: runFillna,
};

export const featureCalculateTask: TaskDefinition<typeof featureCalculateSchema> = {
  taskType: 'feature_calculate',
  description: 'Per-column transformations (SecretFlow preprocessing/feature_calculate): STANDARDIZE, NORMALIZATION, RANGE_LIMIT, UNARY, RECIPROCAL, ROUND, LOG_ROUND, SQRT, LOG, EXP, LENGTH, SUBSTR.',
  schema: featureCalculateSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('feature_calculate', { input_ds: credit, rules: [{ op: 'STANDARDIZE', features: ['Seniority', 'Age'] }, { op: 'LOG', features: ['Amount'], operands: ['e', 1] }], output_ds: out('calc'), output_rule: out('calc_rule', 'json') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds, output_rule: c.output_rule }),
  run: runFeatureCalculate,
};

export const onehotEncodeTask: TaskDefinition<typeof onehotSchema> = {
  taskType: 'onehot_encode',
  description: 'One-hot encoding (SecretFlow preprocessing/onehot_encode): columns <col>_<i>, categories in first-appearance order.',
  schema: onehotSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('onehot_encode', { input_ds: credit, features: ['Records', 'Marital'], drop: 'first', output_ds: out('onehot'), output_rule: out('onehot_rule', 'json') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds, output_rule: c.output_rule }),
  run: runOnehot,
};

export const vertBinningTask: TaskDefinition<typeof vertBinningSchema> = {
  taskType: 'vert_binning',
  description: 'Local equal-range or quantile binning of each party\'s columns (SecretFlow preprocessing/vert_binning); writes sf.rule.binning per party.',
  schema: vertBinningSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('vert_binning', { input_ds: credit, feature_selects: ['Amount', 'Age', 'Home'], binning_method: 'quantile', bin_num: 5, output_rule: out('bin_rule', 'json') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds, output_rule: c.output_rule }),
  run: runVertBinning,
};

export const vertWoeBinningTask: TaskDefinition<typeof vertWoeBinningSchema> = {
  taskType: 'vert_woe_binning',
  description: 'Secure WOE binning (SecretFlow preprocessing/vert_woe_binning): per-bin positive counts of feature parties computed in SPU, revealed to the label holder only; each party receives only its own WOE values.',
  schema: vertWoeBinningSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('vert_woe_binning', { input_ds: credit, feature_selects: ['Seniority', 'Amount', 'Age', 'Expenses'], label: 'bad', bin_num: 5, output_rule: out('woe_rule', 'json') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds, output_rule: c.output_rule }),
  run: runVertWoeBinning,
};

export const substitutionTask: TaskDefinition<typeof substitutionSchema> = {
  taskType: 'substitution',
  description: 'Applies a fitted preprocessing or binning rule to a new table (SecretFlow preprocessing/substitution).',
  schema: substitutionSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('substitution', { input_ds: credit, input_rule: out('woe_rule', 'json'), output_ds: out('woe') }),
  files: (c) => prepFiles({ input_ds: c.input_ds, input_rule: c.input_rule }, { output_ds: c.output_ds }),
  run: runSubstitution,
};

export const trainTestSplitTask: TaskDefinition<typeof trainTestSplitSchema> = {
  taskType: 'train_test_split',
  description: 'Row-aligned train/test split (SecretFlow preprocessing/train_test_split): every party applies the same permutation from the shared seed.',
  schema: trainTestSplitSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('train_test_split', { input_ds: { alice: 'out/pipeline/psi_alice.csv', bob: 'out/pipeline/psi_bob.csv' }, train_ds: out('train'), test_ds: out('test') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { train_ds: c.train_ds, test_ds: c.test_ds }),
  run: runTrainTestSplit,
};

export const featureFilterTask: TaskDefinition<typeof featureFilterSchema> = {
  taskType: 'feature_filter',
  description: 'Drops the named columns (SecretFlow preprocessing/feature_filter).',
  schema: featureFilterSchema,
  deviceModules: [PREP_DEVICE_MODULE],
  example: example('feature_filter', { input_ds: credit, drop_features: ['Records'], output_ds: out('filter') }),
  files: (c) => prepFiles({ input_ds: c.input_ds }, { output_ds: c.output_ds }),
  run: runFeatureFilter,
};

export const PREPROCESSING_TASKS: readonly TaskDefinition[] = [
  fillnaTask, featureCalculateTask, onehotEncodeTask, vertBinningTask, vertWoeBinningTask, substitutionTask, trainTestSplitTask, featureFilterTask,
];

/** Adds every preprocessing task type to the registry the worker assembles. */
export function register(registry: TaskRegistry): void {
  for (const t of PREPROCESSING_TASKS) registry.add(t);
}
