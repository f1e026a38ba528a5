// The statistics task types (SecretFlow stats components) and their one registration function.
import type { TaskDefinition, TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { groupbyStatisticsSchema, ssPearsonrSchema, ssPvalueSchema, ssVifSchema, tableStatisticsSchema } from './params.ts';
import { inputDsFiles, pvalueFiles } from './inputs.ts';
import { runTableStatistics } from './table-statistics-job.ts';
import { runSsPearsonr, runSsVif } from './correlation-job.ts';
import { runSsPvalue } from './pvalue-job.ts';
import { runGroupbyStatistics } from './groupby-job.ts';

export const STATS_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');

const sfInit = { parties: ['alice', 'bob'], address: 'local' };
const spuConfig = { cluster_def: { runtime_config: { protocol: 'SEMI2K', field: 'FM128', fxp_fraction_bits: 40, beaver_type: 'TTP' } } };
const aligned = { alice: 'out/stats/psi_alice.csv', bob: 'out/stats/psi_bob.csv' };

export const tableStatisticsTask = {
  taskType: 'table_statistics',
  description: "Per-column statistics at each party (SecretFlow stats/table_statistics): pandas semantics, streaming, each party's own columns only.",
  schema: tableStatisticsSchema,
  deviceModules: [STATS_DEVICE_MODULE],
  example: { task_type: 'table_statistics', sf_init_config: sfInit, spu_config: spuConfig, task_config: { input_ds: { alice: 'examples/data/diabetes/alice.csv', bob: 'examples/data/diabetes/bob.csv' } } },
  files: inputDsFiles,
  run: runTableStatistics,
} satisfies TaskDefinition<typeof tableStatisticsSchema>;

export const ssPearsonrTask = {
  taskType: 'ss_pearsonr',
  description: 'Pearson correlation of features held by different parties (SecretFlow stats/ss_pearsonr): X^T X in SPU, only the correlation matrix revealed.',
  schema: ssPearsonrSchema,
  deviceModules: [STATS_DEVICE_MODULE],
  example: { task_type: 'ss_pearsonr', sf_init_config: sfInit, spu_config: spuConfig, task_config: { input_ds: aligned, feature_selects: ['age', 'bmi', 's1', 's2', 's5'] } },
  files: inputDsFiles,
  run: runSsPearsonr,
} satisfies TaskDefinition<typeof ssPearsonrSchema>;

export const ssVifTask = {
  taskType: 'ss_vif',
  description: 'Variance inflation factors (SecretFlow stats/ss_vif): the correlation matrix and its inverse stay in SPU, only the VIFs are revealed.',
  schema: ssVifSchema,
  deviceModules: [STATS_DEVICE_MODULE],
  example: { task_type: 'ss_vif', sf_init_config: sfInit, spu_config: spuConfig, task_config: { input_ds: aligned, feature_selects: ['age', 'bmi', 's1', 's2', 's5'] } },
  files: inputDsFiles,
  run: runSsVif,
} satisfies TaskDefinition<typeof ssVifSchema>;

export const ssPvalueTask = {
  taskType: 'ss_pvalue',
  description: "Wald p-values of an SS-LR model's coefficients (SecretFlow ml.eval/ss_pvalue): H and its inverse stay in SPU, only the statistics are revealed.",
  schema: ssPvalueSchema,
  deviceModules: [STATS_DEVICE_MODULE],
  example: { task_type: 'ss_pvalue', sf_init_config: sfInit, spu_config: spuConfig, task_config: { model: 'out/stats/sslr_model', input_ds: aligned } },
  files: pvalueFiles,
  run: runSsPvalue,
} satisfies TaskDefinition<typeof ssPvalueSchema>;

export const groupbyStatisticsTask = {
  taskType: 'groupby_statistics',
  description: 'Group-by aggregation over columns at any party (SecretFlow stats/groupby_statistics): keys revealed, aggregates computed in SPU and revealed to the receiver.',
  schema: groupbyStatisticsSchema,
  deviceModules: [STATS_DEVICE_MODULE],
  example: {
    task_type: 'groupby_statistics',
    sf_init_config: sfInit,
    spu_config: spuConfig,
    task_config: { input_ds: aligned, by: ['sex'], aggregations: [{ column: 'bmi', function: 'MEAN' }, { column: 'y', function: 'MAX' }], receiver: 'alice' },
  },
  files: inputDsFiles,
  run: runGroupbyStatistics,
} satisfies TaskDefinition<typeof groupbyStatisticsSchema>;

export const STATS_TASK_TYPES = ['table_statistics', 'ss_pearsonr', 'ss_vif', 'ss_pvalue', 'groupby_statistics'] as const;

/** Adds the statistics task types to `registry` (the worker and the `run` CLI call it). */
export function register(registry: TaskRegistry): void {
  registry.add(tableStatisticsTask);
  registry.add(ssPearsonrTask);
  registry.add(ssVifTask);
  registry.add(ssPvalueTask);
  registry.add(groupbyStatisticsTask);
}
