import { describe, expect, it, vi } from 'vitest';

// Python (sklearn/numpy) start-up is slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });
import { runPythonJson, seededRng } from '@sfw/testkit';
import { biclassificationEval, BIN_COLUMNS } from './biclassification.ts';
import { regressionEval } from './regression.ts';

const TOL = 1e-9;

// scikit-learn / numpy on the same scores: AUC, and for every bin the metrics of the classifier
// "score >= start_value" (the bin and all higher bins predicted positive).
const SKLEARN = `
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, f1_score, precision_score, recall_score, roc_curve, confusion_matrix
from sklearn.metrics import r2_score, mean_absolute_error, mean_squared_error, mean_absolute_percentage_error
a = json.load(sys.stdin)
out = {}
if 'y' in a:
    y = np.array(a['y']); s = np.array(a['s'])
    out['auc'] = roc_auc_score(y, s)
    per = []
    for t in a['thresholds']:
        p = (s >= t).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, p, labels=[0, 1]).ravel()
        per.append({'f1': f1_score(y, p, zero_division=0), 'precision': precision_score(y, p, zero_division=0),
                    'recall': recall_score(y, p), 'fpr': fp / (fp + tn), 'ks': abs(tp / (tp + fn) - fp / (fp + tn))})
    out['per'] = per
if 'yt' in a:
    yt = np.array(a['yt']); yp = np.array(a['yp'])
    out['r2'] = r2_score(yt, yp); out['mae'] = mean_absolute_error(yt, yp); out['mse'] = mean_squared_error(yt, yp)
    out['mape'] = mean_absolute_percentage_error(yt, yp)
    c, e = np.histogram(yt - yp, bins=a['bins'])
    out['hist'] = {'counts': c.tolist(), 'edges': e.tolist()}
print(json.dumps(out))
`;

function scores(seed: string, n: number, ties: boolean): { y: number[]; s: number[] } {
  const rng = seededRng(seed);
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng() < 0.4 ? 1 : 0;
    let v = 1 / (1 + Math.exp(-(label * 1.5 - 0.7 + 1.2 * (rng() - 0.5) * 2)));
    if (ties) v = Math.round(v * 40) / 40;
    y.push(label);
    s.push(v);
  }
  return { y, s };
}

describe('biclassificationEval vs scikit-learn', () => {
  for (const ties of [false, true]) {
    it(`AUC and per-bin precision/recall/F1/FPR/KS equal sklearn to 1e-9 (ties=${ties})`, async () => {
      const { y, s } = scores(`bic-${ties}`, 700, ties);
      const r = biclassificationEval(y, s, { bucketSize: 10, minItemCntPerBucket: 1 });
      const bins = [...r.eqFrequentBins, ...r.eqRangeBins].filter((b) => b.total > 0);
      const ref = await runPythonJson<{ auc: number; per: Array<Record<string, number>> }>(SKLEARN, {
        y,
        s,
        thresholds: bins.map((b) => b.start_value),
      });
      expect(Math.abs(r.summary.auc - ref.auc)).toBeLessThan(TOL);
      expect(r.summary.auc).toBeGreaterThan(0.6);
      bins.forEach((b, k) => {
        const e = ref.per[k]!;
        for (const [ours, theirs] of [
          [b.f1_score, e.f1!],
          [b.precision, e.precision!],
          [b.recall, e.recall!],
          [b.false_positive_rate, e.fpr!],
          [b.ks, e.ks!],
        ] as const) {
          expect(Math.abs(ours - theirs)).toBeLessThan(TOL);
        }
      });
      // Summary f1 / ks are maxima over the equal-frequency bins (SecretFlow semantics).
      const ef = r.eqFrequentBins.filter((b) => b.total > 0).map((_, k) => ref.per[k]!);
      expect(Math.abs(r.summary.f1_score - Math.max(...ef.map((e) => e.f1!)))).toBeLessThan(TOL);
      expect(Math.abs(r.summary.ks - Math.max(...ef.map((e) => e.ks!)))).toBeLessThan(TOL);
    });
  }

  it('has bucket_size + 2 rows: an empty top row, then bins whose counts add up to the sample', () => {
    const { y, s } = scores('shape', 300, false);
    const r = biclassificationEval(y, s, { bucketSize: 5 });
    for (const table of [r.eqFrequentBins, r.eqRangeBins]) {
      expect(table.length).toBe(7);
      expect(BIN_COLUMNS.every((c) => table[0]![c] === 0)).toBe(true);
      expect(table.reduce((a, b) => a + b.total, 0)).toBe(300);
      const last = table.filter((b) => b.total > 0).at(-1)!;
      expect(last.cumulative_percent_of_positive).toBeCloseTo(1, 12);
      expect(last.recall).toBeCloseTo(1, 12);
    }
    expect(r.summary.total_samples).toBe(300);
    expect(r.summary.positive_samples).toBe(y.reduce((a, b) => a + b, 0));
    // Equal frequency: the 5 real bins hold 60 samples each (no ties in continuous scores).
    expect(r.eqFrequentBins.slice(1, 6).map((b) => b.total)).toEqual([59, 60, 60, 60, 60]);
    expect(r.eqFrequentBins[6]!.total).toBe(1);
    expect(r.head.map((h) => h.threshold)).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.2]);
  });

  it('marks thin bins NaN (min_item_cnt_per_bucket) and lets NaN propagate to summary ks/f1', () => {
    const y = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0];
    const s = [0.99, 0.1, 0.8, 0.2, 0.7, 0.75, 0.3, 0.31, 0.6, 0.4, 0.65, 0.05];
    const r = biclassificationEval(y, s, { bucketSize: 4, minItemCntPerBucket: 5 });
    expect(Number.isNaN(r.eqFrequentBins[1]!.precision)).toBe(true);
    expect(Number.isNaN(r.summary.ks)).toBe(true);
    expect(r.summary.auc).toBeGreaterThan(0.9);
  });
});

describe('regressionEval vs scikit-learn / numpy', () => {
  it('metrics equal sklearn to 1e-9; the residual histogram counts as numpy does with its grid edges', async () => {
    const rng = seededRng('reg');
    const yt = Array.from({ length: 400 }, () => 50 + 200 * rng());
    const yp = yt.map((v) => v + 40 * (rng() - 0.5) + 5);
    const r = regressionEval(yt, yp, 10);
    const ref = await runPythonJson<{ r2: number; mae: number; mse: number; mape: number; hist: { counts: number[]; edges: number[] } }>(
      SKLEARN,
      { yt, yp, bins: Array.from(r.residualHistogram.edges) },
    );
    const m = r.metrics;
    expect(Math.abs(m.r2_score - ref.r2)).toBeLessThan(TOL);
    expect(Math.abs(m.mean_abs_err - ref.mae)).toBeLessThan(TOL);
    expect(Math.abs(m.mean_squared_errors - ref.mse)).toBeLessThan(TOL);
    expect(Math.abs(m.root_mean_squared_errors - Math.sqrt(ref.mse))).toBeLessThan(TOL);
    expect(Math.abs(m.sum_squared_errors - ref.mse * 400)).toBeLessThan(1e-6);
    expect(Math.abs(m.mean_abs_percent_err - ref.mape)).toBeLessThan(TOL);
    expect(Array.from(r.residualHistogram.counts)).toEqual(ref.hist.counts);
    // Edges: 11 multiples of one 1-2-5 step covering the residuals, the first within a step of the minimum.
    const e = Array.from(r.residualHistogram.edges);
    const step = e[1]! - e[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
    e.forEach((x, i) => {
      expect(Math.abs(x / step - Math.round(x / step))).toBeLessThan(1e-9);
      if (i > 0) expect(Math.abs(x - e[i - 1]! - step)).toBeLessThan(1e-9);
    });
    const res = yt.map((v, i) => v - yp[i]!);
    expect(e[0]).toBeLessThanOrEqual(Math.min(...res));
    expect(e[0]! + step).toBeGreaterThan(Math.min(...res));
    expect(e[10]).toBeGreaterThanOrEqual(Math.max(...res));
  });
});
