// The HTML report of a whole pipeline run (PSI -> SS-LR -> predict -> evaluation): stage timings
// from the pipeline's per-step times, charts and tables from the evaluation steps' `details`.
import { renderReportHtml } from './report-html.ts';
import type { ReportBiclassification, ReportRegression, ReportStage } from './report-html.ts';
import type { ReportCorrelation, ReportGroupby, ReportPvalue, ReportStatsSection, ReportTableStatistics, ReportVif } from './stats-sections.ts';

const STATS_KINDS = ['table_statistics', 'ss_pearsonr', 'ss_vif', 'ss_pvalue', 'groupby_statistics'] as const;
const isStatsKind = (t: string): t is ReportStatsSection['kind'] => (STATS_KINDS as readonly string[]).includes(t);

/** A step result as its report section (results come through JSON, like the eval steps' `details`). */
function statsSectionOf(kind: ReportStatsSection['kind'], name: string, data: unknown): ReportStatsSection {
  switch (kind) {
    case 'table_statistics':
      return { kind, name, data: data as ReportTableStatistics };
    case 'ss_pearsonr':
      return { kind, name, data: data as ReportCorrelation };
    case 'ss_vif':
      return { kind, name, data: data as ReportVif };
    case 'ss_pvalue':
      return { kind, name, data: data as ReportPvalue };
    case 'groupby_statistics':
      return { kind, name, data: data as ReportGroupby };
  }
}

export interface PipelineStepLike {
  name: string;
  task_type: string;
  time_ms: number;
  result: unknown;
}

export interface PipelineReportOptions {
  title?: string;
  facts?: Record<string, string | number | boolean>;
  /** Extra stages (e.g. cluster init, cleanup from performance_metrics), shown before the steps. */
  extraStages?: ReportStage[];
}

/** Renders the pipeline result (`{ steps: [...] }`) as one HTML page. */
export function renderPipelineReportHtml(result: { steps: PipelineStepLike[] }, opts: PipelineReportOptions = {}): string {
  let biclassification: ReportBiclassification | undefined;
  let regression: ReportRegression | undefined;
  const facts: Record<string, string | number | boolean> = { ...opts.facts };
  const statistics: ReportStatsSection[] = [];
  for (const s of result.steps) {
    const r = s.result as Record<string, unknown> | null | undefined;
    if (r === null || typeof r !== 'object') continue;
    if (s.task_type === 'biclassification_eval' && r['details'] !== undefined) biclassification = r['details'] as ReportBiclassification;
    if (s.task_type === 'regression_eval' && r['details'] !== undefined) regression = r['details'] as ReportRegression;
    // The statistics jobs' results go to their sections as they are (their shapes are the jobs' results).
    if (isStatsKind(s.task_type)) statistics.push(statsSectionOf(s.task_type, s.name, s.result));
    if (s.task_type === 'ss_lr_train') {
      for (const k of ['rows', 'epochs_run', 'batches_per_epoch', 'label_party'] as const) {
        const v = r[k];
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') facts[`ss_lr_train.${k}`] = v;
      }
      if (Array.isArray(r['feature_names'])) facts['ss_lr_train.features'] = r['feature_names'].length;
    }
  }
  const stages: ReportStage[] = [...(opts.extraStages ?? []), ...result.steps.map((s) => ({ name: s.name, ms: s.time_ms }))];
  return renderReportHtml({
    title: opts.title ?? 'SecretFlow worker pipeline report',
    facts,
    ...(biclassification !== undefined ? { biclassification } : {}),
    ...(regression !== undefined ? { regression } : {}),
    ...(statistics.length > 0 ? { statistics } : {}),
    stages,
    generatedAt: new Date().toISOString(),
  });
}

const num = (v: unknown, digits = 4): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : String(v));

/** One line per pipeline step with its headline numbers, for the `run` CLI's summary. */
export function summarizePipeline(result: { steps: PipelineStepLike[] }): string {
  const lines = result.steps.map((s) => {
    const r = (s.result ?? {}) as Record<string, unknown>;
    const t = `${(s.time_ms / 1000).toFixed(2)} s`;
    switch (s.task_type) {
      case 'ss_lr_train':
        return `  ${s.name}: SS-LR ${num(r['rows'])} rows x ${Array.isArray(r['feature_names']) ? r['feature_names'].length : '?'} features, ${num(r['epochs_run'])} epochs${r['early_stopped'] === true ? ' (early stop)' : ''} [${t}]`;
      case 'ss_lr_predict':
        return `  ${s.name}: ${num(r['rows'])} scores revealed to ${String(r['receiver'])} -> ${String(r['output_ds'])} [${t}]`;
      case 'biclassification_eval': {
        const m = (r['summary'] ?? {}) as Record<string, unknown>;
        return `  ${s.name}: AUC ${num(m['auc'])}  KS ${num(m['ks'])}  F1 ${num(m['f1_score'])}  (${num(m['total_samples'])} samples) [${t}]`;
      }
      case 'regression_eval': {
        const m = (r['metrics'] ?? {}) as Record<string, unknown>;
        return `  ${s.name}: r2 ${num(m['r2_score'])}  RMSE ${num(m['root_mean_squared_errors'])}  MAE ${num(m['mean_abs_err'])} [${t}]`;
      }
      case 'psi': {
        // The PSI report rows are `{ party, original_count, intersection_count }` (SecretFlow's psi_report).
        const rows = ((r['report'] as { rows?: Record<string, unknown>[] } | undefined)?.rows ?? []).map(
          (row) => `${String(row['party'])} ${String(row['intersection_count'])}/${String(row['original_count'])}`,
        );
        return `  ${s.name}: PSI intersection ${rows.join(', ')} [${t}]`;
      }
      case 'ss_pearsonr':
        return `  ${s.name}: Pearson r over ${Array.isArray(r['features']) ? r['features'].length : '?'} features [${t}]`;
      case 'ss_vif': {
        const v = Object.values((r['vif'] ?? {}) as Record<string, number>);
        return `  ${s.name}: VIF max ${num(Math.max(...v), 2)} over ${v.length} features [${t}]`;
      }
      case 'ss_pvalue': {
        const p = Object.values((r['pvalue'] ?? {}) as Record<string, number>);
        return `  ${s.name}: ${p.filter((v) => v < 0.05).length}/${p.length} coefficients with p < 0.05 [${t}]`;
      }
      case 'groupby_statistics':
        return `  ${s.name}: ${Array.isArray(r['groups']) ? r['groups'].length : '?'} groups revealed to ${String(r['receiver'])} [${t}]`;
      default:
        return `  ${s.name}: ${s.task_type} [${t}]`;
    }
  });
  return `${lines.join('\n')}\n`;
}
