// Task definitions of ss_xgb_train / ss_xgb_predict (SecretFlow parameter names and defaults).
import type { TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { ssXgbPredictFiles, ssXgbPredictSchema, ssXgbTrainFiles, ssXgbTrainSchema } from './params.ts';
import { runSsXgbTrain } from './train.ts';
import { runSsXgbPredict } from './predict.ts';

export const SSXGB_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');
const modules = [SSXGB_DEVICE_MODULE];

const spuConfig = { cluster_def: { runtime_config: { protocol: 'SEMI2K', field: 'FM64', beaver_type: 'TTP' } } };
const sfInit = { parties: ['alice', 'bob'], address: 'local' };
const input = { alice: 'examples/data/breast_cancer/alice.csv', bob: 'examples/data/breast_cancer/bob.csv' };

export const ssXgbTrainTask = {
  taskType: 'ss_xgb_train',
  description:
    'Secret-sharing XGBoost (SecretFlow ss_xgb_train): parties bin their own features, gradients, memberships, bucket sums and leaf weights stay secret-shared; only each split\'s bucket index is revealed.',
  schema: ssXgbTrainSchema,
  files: ssXgbTrainFiles,
  deviceModules: modules,
  example: {
    task_type: 'ss_xgb_train',
    sf_init_config: sfInit,
    spu_config: spuConfig,
    task_config: {
      input_ds: input,
      feature_selects: ['mean_radius', 'mean_texture', 'worst_radius', 'worst_texture'],
      label: 'y',
      num_boost_round: 3,
      max_depth: 3,
      learning_rate: 0.3,
      objective: 'logistic',
      subsample: 1,
      colsample_by_tree: 1,
      sketch_eps: 0.25,
      output_model: 'out/ssxgb-model',
    },
  },
  run: runSsXgbTrain,
};

export const ssXgbPredictTask = {
  taskType: 'ss_xgb_predict',
  description: 'SS-XGB prediction (SecretFlow ss_xgb_predict): each party evaluates its own splits, leaves and weights are combined in SPU, scores revealed only to the receiver.',
  schema: ssXgbPredictSchema,
  files: ssXgbPredictFiles,
  deviceModules: modules,
  example: {
    task_type: 'ss_xgb_predict',
    sf_init_config: sfInit,
    spu_config: spuConfig,
    task_config: { input_ds: input, model: 'out/ssxgb-model', receiver: 'alice', pred_name: 'pred', save_label: true, output_ds: 'out/ssxgb-pred.csv' },
  },
  run: runSsXgbPredict,
};

/** Adds ss_xgb_train and ss_xgb_predict to `registry`. */
export function register(registry: TaskRegistry): void {
  registry.add(ssXgbTrainTask);
  registry.add(ssXgbPredictTask);
}
