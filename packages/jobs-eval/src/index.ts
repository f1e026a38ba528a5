// @sfw/jobs-eval: SecretFlow's biclassification_eval / regression_eval, computed at the party that
// holds label and prediction, plus the HTML report. `register(registry)` adds both task types.
export { biclassificationEval, evaluateBins, headReport, BIN_COLUMNS, HEAD_COLUMNS, HEAD_THRESHOLDS, BICLASSIFICATION_DEFAULTS } from './biclassification.ts';
export type { BinRow, BinColumn, HeadRow, BiclassificationResult, BiclassificationSummary, BiclassificationParams } from './biclassification.ts';
export { regressionEval, histogram, REGRESSION_METRICS } from './regression.ts';
export type { RegressionResult, RegressionMetric } from './regression.ts';
export { binaryClfCurve, rocCurve, rocAuc, sortByScoreDesc, trapezoid } from './roc.ts';
export type { ClfCurve, RocCurve, SortedPairs } from './roc.ts';
export { equalObs, equalRange } from './binning.ts';
export { coarseBins, scoreScale, SCORE_GRID } from './publish.ts';
export type { ScoreScale } from './publish.ts';
export { biclassificationReport, regressionReport } from './sf-report.ts';
export { renderReportHtml } from './report-html.ts';
export type { ReportInput, ReportStage, ReportBiclassification, ReportRegression } from './report-html.ts';
export { heatMap, vifChart } from './stats-sections.ts';
export type { ReportStatsSection, ReportTableStatistics, ReportCorrelation, ReportVif, ReportPvalue, ReportGroupby } from './stats-sections.ts';
export { renderPipelineReportHtml, summarizePipeline } from './pipeline-report.ts';
export type { PipelineStepLike, PipelineReportOptions } from './pipeline-report.ts';
export {
  register,
  biclassificationEvalTask,
  regressionEvalTask,
  biclassificationEvalSchema,
  regressionEvalSchema,
  EVAL_DEVICE_MODULE,
} from './tasks.ts';
export type { BiclassificationEvalResult, RegressionEvalResult } from './tasks.ts';
