// @sfw/jobs-boost: SS-XGB (SecretFlow ss_xgb) training and prediction. See docs/ssxgb.md.
// `register(registry)` adds the `ss_xgb_train` and `ss_xgb_predict` task types.
export { register, ssXgbTrainTask, ssXgbPredictTask, SSXGB_DEVICE_MODULE } from './tasks.ts';
export { ssXgbTrainSchema, ssXgbPredictSchema, OBJECTIVES, MAX_BOOST_ROUNDS, MAX_DEPTH } from './params.ts';
export type { SsXgbTrainConfig, SsXgbPredictConfig, Objective } from './params.ts';
export { runSsXgbTrain } from './train.ts';
export type { SsXgbTrainResult } from './train.ts';
export { runSsXgbPredict } from './predict.ts';
export type { SsXgbPredictResult } from './predict.ts';
export { readBoostMeta, boostMetaSchema, partySplitsSchema, treeNodes } from './model-store.ts';
export type { BoostMeta, PartySplit } from './model-store.ts';
export { bucketCount, splitPoints, binFeature, binOf, bucketMap } from './binning.ts';
export { treeSample } from './sampling.ts';
export type { TreeSample } from './sampling.ts';
export { trainBoostRef, predictBoostRef } from './reference.ts';
export type { RefTree, RefModel, RefHyper } from './reference.ts';
