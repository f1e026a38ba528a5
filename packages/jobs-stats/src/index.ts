// @sfw/jobs-stats: SecretFlow's statistics components (table_statistics, ss_pearsonr, ss_vif,
// ss_pvalue, groupby_statistics). See docs/statistics.md.
export {
  register,
  STATS_DEVICE_MODULE,
  STATS_TASK_TYPES,
  tableStatisticsTask,
  ssPearsonrTask,
  ssVifTask,
  ssPvalueTask,
  groupbyStatisticsTask,
} from './tasks.ts';
export { tableStatisticsSchema, ssPearsonrSchema, ssVifSchema, ssPvalueSchema, groupbyStatisticsSchema, AGGREGATIONS } from './params.ts';
export type { TableStatisticsConfig, SsPearsonrConfig, SsVifConfig, SsPvalueConfig, GroupbyStatisticsConfig, Aggregation } from './params.ts';
export { tableStatistics, DEFAULT_MEMORY_BUDGET } from './table-stats.ts';
export type { PartyTableStats, TableStatsOptions } from './table-stats.ts';
export { NUMERIC_STAT_COLUMNS, CATEGORICAL_STAT_COLUMNS } from './moments.ts';
export type { NumericStats, CategoricalStats } from './moments.ts';
export { runTableStatistics } from './table-statistics-job.ts';
export type { TableStatisticsResult } from './table-statistics-job.ts';
export { runSsPearsonr, runSsVif } from './correlation-job.ts';
export type { PearsonrResult, VifResult } from './correlation-job.ts';
export { runSsPvalue, INTERCEPT } from './pvalue-job.ts';
export type { PvalueResult } from './pvalue-job.ts';
export { runGroupbyStatistics } from './groupby-job.ts';
export type { GroupbyResult } from './groupby-job.ts';
export { normalTwoSidedFromSquare, studentTwoSidedFromSquare } from './distributions.ts';
