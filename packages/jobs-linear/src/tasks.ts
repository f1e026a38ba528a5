// The ss_lr_train / ss_lr_predict task types (SecretFlow parameter names).
import type { TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { ssLrPredictFiles, ssLrPredictSchema, ssLrTrainFiles, ssLrTrainSchema } from './params.ts';
import { runSsLrTrain } from './train.ts';
import { runSsLrPredict } from './predict.ts';

export const SSLR_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');

const spuConfig = { cluster_def: { runtime_config: { protocol: 'SEMI2K', field: 'FM64', beaver_type: 'TTP' } } };
const sfInit = { parties: ['alice', 'bob'], address: 'local' };

export const ssLrTrainTask = {
  taskType: 'ss_lr_train',
  description: 'Secret-sharing logistic/linear regression (SecretFlow ss_sgd_train): features and label stay secret-shared in SPU; each party keeps its own model share.',
  schema: ssLrTrainSchema,
  files: ssLrTrainFiles,
  deviceModules: [SSLR_DEVICE_MODULE],
  example: {
    task_type: 'ss_lr_train',
    sf_init_config: sfInit,
    spu_config: spuConfig,
    task_config: {
      input_ds: { alice: 'examples/data/breast_cancer/alice.csv', bob: 'examples/data/breast_cancer/bob.csv' },
      feature_selects: ['mean_radius', 'mean_texture', 'worst_radius', 'worst_texture'],
      label: 'y',
      epochs: 10,
      learning_rate: 0.1,
      batch_size: 64,
      sig_type: 't1',
      standardize: true,
      output_model: 'out/sslr-model',
    },
  },
  run: runSsLrTrain,
};

export const ssLrPredictTask = {
  taskType: 'ss_lr_predict',
  description: 'SS-LR prediction (SecretFlow ss_sgd_predict): scores computed in SPU with the training sigmoid, revealed only to the receiver.',
  schema: ssLrPredictSchema,
  files: ssLrPredictFiles,
  deviceModules: [SSLR_DEVICE_MODULE],
  example: {
    task_type: 'ss_lr_predict',
    sf_init_config: sfInit,
    spu_config: spuConfig,
    task_config: {
      input_ds: { alice: 'examples/data/breast_cancer/alice.csv', bob: 'examples/data/breast_cancer/bob.csv' },
      model: 'out/sslr-model',
      receiver: 'alice',
      pred_name: 'pred',
      save_label: true,
      label: 'y',
      output_ds: 'out/sslr-pred.csv',
    },
  },
  run: runSsLrPredict,
};

/** Adds ss_lr_train and ss_lr_predict to `registry`. */
export function register(registry: TaskRegistry): void {
  registry.add(ssLrTrainTask);
  registry.add(ssLrPredictTask);
}
