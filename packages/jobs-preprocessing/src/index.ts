// @sfw/jobs-preprocessing: SecretFlow's preprocessing components (fillna, feature_calculate,
// onehot_encode, vert_binning, vert_woe_binning, substitution, train_test_split, feature_filter)
// and their rule objects. See docs/preprocessing.md.
export {
  PREP_DEVICE_MODULE, PREPROCESSING_TASKS, register,
  fillnaTask, featureCalculateTask, onehotEncodeTask, vertBinningTask, vertWoeBinningTask, substitutionTask, trainTestSplitTask, featureFilterTask,
} from './tasks.ts';
export * from './params.ts';
export { ruleSchema, parseRule, applyRule, RULE_VERSION } from './rules.ts';
export type { Rule, FillnaRule, CalculateRule, OnehotRule, BinningRule, BinVariable, FeatureIv } from './rules.ts';
export type { ColumnAlloc } from './columns.ts';
export { woeValue, woeIv, chiMerge, chi2Threshold } from './woe.ts';
export { splitIndices, splitSizes } from './split.ts';
export { binCounts } from './woe-program.ts';
export type { BinCountsPub } from './woe-program.ts';
export { runFillna, runFeatureCalculate, runOnehot, runVertBinning, runSubstitution, runTrainTestSplit, runFeatureFilter } from './jobs.ts';
export { runVertWoeBinning } from './woe-job.ts';
export { PrepIssueError } from './issues.ts';
export type { PrepIssue } from './issues.ts';
