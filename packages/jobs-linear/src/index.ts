// @sfw/jobs-linear: SS-LR (SecretFlow ss_sgd) training and prediction.
// `register(registry)` adds the `ss_lr_train` and `ss_lr_predict` task types. See docs/sslr.md.
export { register, ssLrTrainTask, ssLrPredictTask, SSLR_DEVICE_MODULE } from './tasks.ts';
export { ssLrTrainSchema, ssLrPredictSchema } from './params.ts';
export type { SsLrTrainConfig, SsLrPredictConfig } from './params.ts';
export { runSsLrTrain } from './train.ts';
export type { SsLrTrainResult, LrCluster } from './train.ts';
export { runSsLrPredict } from './predict.ts';
export type { SsLrPredictResult } from './predict.ts';
export { epochProgram, convergedProgram, predictProgram } from './program.ts';
export type { EpochPub, ConvergedPub, PredictPub } from './program.ts';
export { spuLrOps } from './spu-adapter.ts';
export { plainOps } from './plain-ops.ts';
export type { LrOps } from './ops.ts';
export { trainLoop } from './train-loop.ts';
export type { TrainHyper, TrainExec } from './train-loop.ts';
export { batchStarts, epochLearningRate, epsRescale, infeedRows } from './schedule.ts';
