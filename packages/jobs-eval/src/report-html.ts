// The pipeline's HTML report: one self-contained page (inline SVG and CSS, no scripts, no network)
// with the headline numbers, ROC and KS curves, the bin tables and the stage timings. A pure
// function of its input so it is testable and can run anywhere the results are.
import { BIN_COLUMNS } from './biclassification.ts';
import type { BiclassificationResult, BinRow } from './biclassification.ts';

/** What the report needs of a biclassification result (the ROC may be thinned, as plain arrays). */
export type ReportBiclassification = Omit<BiclassificationResult, 'roc' | 'ksExact'> & {
  roc: { fpr: ArrayLike<number>; tpr: ArrayLike<number> };
  ksExact?: number;
  /** How the bins' score columns are given (publish.ts); absent: as computed. */
  scoreScale?: ScoreScale;
};
/** What the report needs of a regression result (arrays may have been through JSON). */
export interface ReportRegression {
  metrics: RegressionResult['metrics'];
  residualHistogram: { edges: ArrayLike<number>; counts: ArrayLike<number> };
}
import type { RegressionResult } from './regression.ts';
import type { ScoreScale } from './publish.ts';
import { barChart, escapeHtml, fmt, hbarChart, lineChart, thin } from './svg.ts';
import { TABLE_CSS, scrollTable } from './html-table.ts';
import { statsSection } from './stats-sections.ts';
import type { ReportStatsSection } from './stats-sections.ts';

export interface ReportStage {
  name: string;
  ms: number;
}

export interface ReportInput {
  title: string;
  /** Free key/value facts shown at the top (data set, parties, rows, hyperparameters). No data values. */
  facts?: Record<string, string | number | boolean>;
  biclassification?: ReportBiclassification;
  regression?: ReportRegression;
  /** Statistics sections (table statistics, correlation, VIF, p-values, group-by), in order. */
  statistics?: ReportStatsSection[];
  stages?: ReportStage[];
  generatedAt?: string;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:120px}
.card .v{font-size:22px;font-weight:600}.card .k{color:#666;font-size:12px}.charts{display:flex;flex-wrap:wrap;gap:16px}
svg text{font-size:11px;fill:#333}svg .title{font-size:13px;font-weight:600}svg .grid{stroke:#e5e5e5}
${TABLE_CSS}
.muted{color:#777;font-size:12px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#666}.charts svg{max-width:100%;height:auto}`;

function card(k: string, v: string): string {
  return `<div class="card"><div class="v">${escapeHtml(v)}</div><div class="k">${escapeHtml(k)}</div></div>`;
}

const table = scrollTable;

/**
 * A bin table without its empty bins. Many tied scores make several equal-frequency split points
 * coincide, and every interval between equal split points holds no sample (SecretFlow also emits an
 * always-empty bin above the top split). Such rows carry no information, so the page skips them and
 * says how many it skipped; bins keep their index (bin_i) so they still match the JSON report, which
 * keeps every row where SecretFlow has it.
 */
function binTable(rows: BinRow[]): string {
  const shown = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.total !== 0);
  const skipped = rows.length - shown.length;
  const note = skipped > 0 ? `<p class="muted">${skipped} empty bin${skipped === 1 ? '' : 's'} (no sample; tied scores or the bin above the top split) not shown.</p>` : '';
  return note + table(['bin', ...BIN_COLUMNS], shown.map(({ r, i }) => [`bin_${i}`, ...BIN_COLUMNS.map((c) => fmt(r[c]))]));
}

function scaleNote(scale: ScoreScale | undefined): string {
  if (scale === undefined) return '';
  const what =
    scale === 'probability'
      ? 'Score columns (start_value, end_value, avg_score) are rounded to two decimals.'
      : 'The scores are not probabilities, so the score columns (start_value, end_value, avg_score) are ranks: the share of samples scored at or below the value, to two decimals.';
  return `<p class="muted">${what} No exact score leaves the evaluating party.</p>`;
}

function biclassificationSection(r: ReportBiclassification): string {
  const s = r.summary;
  const roc = lineChart('ROC curve', 'false positive rate', 'true positive rate', [
    { name: `ROC (AUC ${fmt(s.auc)})`, color: '#1f77b4', points: thin(r.roc.fpr, r.roc.tpr) },
    { name: 'random', color: '#aaa', dashed: true, points: [[0, 0], [1, 1]] },
  ]);
  // KS curve: TPR and FPR against the share of samples predicted positive, walking thresholds down.
  const k = r.roc.fpr.length;
  const total = s.total_samples;
  const depth = new Float64Array(k);
  let ksAt = 0;
  let ksVal = -Infinity;
  for (let i = 0; i < k; i++) {
    depth[i] = (r.roc.tpr[i]! * s.positive_samples + r.roc.fpr[i]! * s.negative_samples) / total;
    const gap = r.roc.tpr[i]! - r.roc.fpr[i]!;
    if (gap > ksVal) {
      ksVal = gap;
      ksAt = i;
    }
  }
  // The curve may be thinned; the exact KS comes from the full curve when the result carries it.
  const ksExact = r.ksExact ?? ksVal;
  const ks = lineChart(
    'KS curve',
    'share of samples predicted positive',
    'cumulative share',
    [
      { name: 'positives (TPR)', color: '#1f77b4', points: thin(depth, r.roc.tpr) },
      { name: 'negatives (FPR)', color: '#ff7f0e', points: thin(depth, r.roc.fpr) },
    ],
    { x: depth[ksAt]!, y0: r.roc.fpr[ksAt]!, y1: r.roc.tpr[ksAt]!, label: `exact KS ${fmt(ksExact, 3)}` },
  );
  const head = table(
    ['threshold', 'FPR(False Positive Rate)', 'precision', 'recall'],
    r.head.map((h) => [fmt(h.threshold), fmt(h.fpr), fmt(h.precision), fmt(h.recall)]),
  );
  return (
    `<h2>Binary classification</h2><div class="cards">${card('AUC', fmt(s.auc))}${card('KS over bins (SecretFlow)', fmt(s.ks))}${card('KS exact (curve)', fmt(ksExact))}${card('F1 (bins)', fmt(s.f1_score))}` +
    `${card('samples', String(s.total_samples))}${card('positive', String(s.positive_samples))}${card('negative', String(s.negative_samples))}</div>` +
    `<p class="muted">Two KS figures on purpose: SecretFlow's summary KS is the largest |cumulative positive share - cumulative negative share| ` +
    `at the equal-frequency bin boundaries only; the exact KS is max(TPR - FPR) over every score threshold (marked on the KS curve), so it is ` +
    `never smaller. They agree when a bin boundary falls on the best threshold.</p>` +
    `<div class="charts">${roc}${ks}</div>` +
    scaleNote(r.scoreScale) +
    `<h2>Equal-frequency bins</h2>${binTable(r.eqFrequentBins)}<h2>Equal-range bins</h2>${binTable(r.eqRangeBins)}` +
    `<h2>Head report</h2><p class="muted">As in SecretFlow, the listed values are used as score thresholds.</p>${head}`
  );
}

function regressionSection(r: ReportRegression): string {
  const m = r.metrics;
  const h = r.residualHistogram;
  const labels = Array.from(h.counts, (_, i) => `${fmt(h.edges[i]!, 2)}..${fmt(h.edges[i + 1]!, 2)}`);
  return (
    `<h2>Regression</h2><div class="cards">${card('r2', fmt(m.r2_score))}${card('RMSE', fmt(m.root_mean_squared_errors))}${card('MAE', fmt(m.mean_abs_err))}` +
    `${card('MAPE (ratio)', fmt(m.mean_abs_percent_err))}</div>` +
    table(['metric', 'value'], Object.entries(m).map(([k, v]) => [k, fmt(v, 8)])) +
    `<div class="charts">${barChart('Residual histogram (y_true - y_pred)', labels, Array.from(h.counts))}</div>`
  );
}

export function renderReportHtml(input: ReportInput): string {
  const facts = Object.entries(input.facts ?? {});
  const stages = input.stages ?? [];
  const totalMs = stages.reduce((a, s) => a + s.ms, 0);
  const parts = [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${escapeHtml(input.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(input.title)}</h1><p class="muted">${escapeHtml(input.generatedAt ?? '')}</p>`,
    facts.length > 0 ? `<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`).join('')}</dl>` : '',
    input.biclassification !== undefined ? biclassificationSection(input.biclassification) : '',
    input.regression !== undefined ? regressionSection(input.regression) : '',
    ...(input.statistics ?? []).map(statsSection),
    stages.length > 0
      ? `<h2>Stage timings</h2><p class="muted">total ${fmt(totalMs / 1000, 3)} s</p>${hbarChart(stages.map((s) => ({ label: s.name, value: s.ms / 1000, unit: 's' })))}`
      : '',
    `</body></html>`,
  ];
  return parts.join('\n');
}
