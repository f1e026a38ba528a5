// The evaluation results as SecretFlow `sf.report` structures (tabs -> divs -> children of
// descriptions or tables), so a caller that reads SecretFlow reports by position finds the same
// values in the same places, e.g. tabs[0].divs[0].children[0].descriptions.items[3] = AUC.
import { BIN_COLUMNS, HEAD_THRESHOLDS } from './biclassification.ts';
import type { BiclassificationResult, BinRow } from './biclassification.ts';
import type { RegressionResult } from './regression.ts';
import type { ScoreScale } from './publish.ts';
import type { SfChild, SfDescriptionItem, SfReport } from '@sfw/executor';

/** JSON has no NaN / Infinity: such values travel as strings ("NaN"), as SecretFlow's pb float would print. */
export const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

const desc = (items: SfDescriptionItem[]): SfChild => ({ type: 'descriptions', descriptions: { items } });

function binTable(rows: BinRow[]): SfChild {
  return {
    type: 'table',
    table: {
      headers: BIN_COLUMNS.map((c) => ({ name: c, type: 'float' as const })),
      rows: rows.map((r, i) => ({ name: `bin_${i}`, items: BIN_COLUMNS.map((c) => jsonNumber(r[c])) })),
    },
  };
}

/**
 * SecretFlow's report layout; `score_scale` (how the bins' score columns are given, publish.ts)
 * follows SecretFlow's six summary items, so their positions are unchanged.
 */
export function biclassificationReport(r: Omit<BiclassificationResult, 'roc'> & { scoreScale?: ScoreScale }): SfReport {
  const s = r.summary;
  const scale: SfDescriptionItem[] = r.scoreScale === undefined ? [] : [{ name: 'score_scale', type: 'str', value: r.scoreScale }];
  return {
    name: 'reports',
    tabs: [
      {
        name: 'SummaryReport',
        divs: [
          {
            children: [
              desc([
                { name: 'total_samples', type: 'int', value: s.total_samples },
                { name: 'positive_samples', type: 'int', value: s.positive_samples },
                { name: 'negative_samples', type: 'int', value: s.negative_samples },
                { name: 'auc', type: 'float', value: jsonNumber(s.auc) },
                { name: 'ks', type: 'float', value: jsonNumber(s.ks) },
                { name: 'f1_score', type: 'float', value: jsonNumber(s.f1_score) },
                ...scale,
              ]),
            ],
          },
        ],
      },
      { name: 'eq_frequent_bin_report', divs: [{ children: [binTable(r.eqFrequentBins)] }] },
      { name: 'eq_range_bin_report', divs: [{ children: [binTable(r.eqRangeBins)] }] },
      {
        name: 'head_report',
        divs: [
          {
            children: [
              {
                type: 'table',
                table: {
                  headers: ['threshold', 'FPR(False Positive Rate)', 'precision', 'recall'].map((name) => ({ name, type: 'float' as const })),
                  rows: r.head.map((h, i) => ({ name: `case_${i}`, items: [h.threshold, jsonNumber(h.fpr), jsonNumber(h.precision), jsonNumber(h.recall)] })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function regressionReport(r: { metrics: RegressionResult['metrics']; residualHistogram: { edges: ArrayLike<number>; counts: ArrayLike<number> } }): SfReport {
  const h = r.residualHistogram;
  const nEdges = h.edges.length;
  return {
    name: 'reports',
    tabs: [
      {
        name: 'metrics',
        divs: [{ children: [desc(Object.entries(r.metrics).map(([name, v]) => ({ name, type: 'float' as const, value: jsonNumber(v) })))] }],
      },
      {
        name: 'residual histogram',
        divs: [
          {
            children: [
              {
                type: 'table',
                table: {
                  headers: Array.from({ length: nEdges }, (_, i) => ({ name: `bin_${i}`, type: 'float' as const })),
                  rows: [
                    { name: 'edge_values', items: Array.from(h.edges, jsonNumber) },
                    // numpy gives n counts for n+1 edges; SecretFlow pads the row with a trailing 0.
                    { name: 'sample_counts', items: [...Array.from(h.counts), 0] },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export { HEAD_THRESHOLDS };
