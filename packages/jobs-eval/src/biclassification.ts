// biclassification_eval (SecretFlow ml.eval/biclassification_eval:1.0.0), computed in plaintext at
// the one party that holds both label and prediction. Semantics follow
// secretflow/stats/core/biclassification_eval_core.py: scores sorted descending, bins (lo, hi]
// walked from high to low, each bin's confusion matrix counts "this bin and every higher bin" as
// predicted positive; summary ks / f1 are maxima over the equal-frequency bins.
import { equalObs, equalRange } from './binning.ts';
import { binaryClfCurve, rocAuc, rocCurve, sortByScoreDesc } from './roc.ts';
import type { RocCurve, SortedPairs } from './roc.ts';

export const BIN_COLUMNS = [
  'start_value',
  'end_value',
  'positive',
  'negative',
  'total',
  'precision',
  'recall',
  'false_positive_rate',
  'f1_score',
  'lift',
  'predicted_positive_ratio',
  'predicted_negative_ratio',
  'cumulative_percent_of_positive',
  'cumulative_percent_of_negative',
  'total_cumulative_percent',
  'ks',
  'avg_score',
] as const;
export type BinColumn = (typeof BIN_COLUMNS)[number];
export type BinRow = Record<BinColumn, number>;

export const HEAD_THRESHOLDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.2] as const;
export const HEAD_COLUMNS = ['threshold', 'FPR(False Positive Rate)', 'precision', 'recall'] as const;
export interface HeadRow {
  threshold: number;
  fpr: number;
  precision: number;
  recall: number;
}

export interface BiclassificationSummary {
  total_samples: number;
  positive_samples: number;
  negative_samples: number;
  auc: number;
  ks: number;
  f1_score: number;
}

export interface BiclassificationResult {
  summary: BiclassificationSummary;
  eqFrequentBins: BinRow[];
  eqRangeBins: BinRow[];
  head: HeadRow[];
  /** For charts: the ROC curve over distinct thresholds. */
  roc: RocCurve;
  /**
   * The exact KS statistic, max(TPR - FPR) over every distinct score threshold. SecretFlow's
   * summary `ks` is the maximum over the equal-frequency bin boundaries only, so it is <= this.
   */
  ksExact: number;
}

export interface BiclassificationParams {
  /** Number of bins, SecretFlow `bucket_size` (default 10). */
  bucketSize: number;
  /** Bins with 0 < count < this get NaN statistics, SecretFlow `min_item_cnt_per_bucket` (default 5). */
  minItemCntPerBucket: number;
}

export const BICLASSIFICATION_DEFAULTS: BiclassificationParams = { bucketSize: 10, minItemCntPerBucket: 5 };

function zeroRow(): BinRow {
  return Object.fromEntries(BIN_COLUMNS.map((c) => [c, 0])) as BinRow;
}

interface Cumulative {
  pos: number;
  neg: number;
}

/** Statistics of the bin [start, end) of the descending-sorted pairs (bin_evaluate in SecretFlow). */
function binRow(p: SortedPairs, start: number, end: number, totalPos: number, totalNeg: number, cum: Cumulative): BinRow {
  let pos = 0;
  let scoreSum = 0;
  for (let i = start; i < end; i++) {
    pos += p.label[i]!;
    scoreSum += p.score[i]!;
  }
  const total = end - start;
  const neg = total - pos;
  const tp = cum.pos + pos;
  const fp = cum.neg + neg;
  const fn = totalPos - cum.pos - pos;
  const tn = totalNeg - cum.neg - neg;
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const cumPos = (pos + cum.pos) / totalPos;
  const cumNeg = (neg + cum.neg) / totalNeg;
  const row: BinRow = {
    start_value: p.score[end - 1]!,
    end_value: p.score[start]!,
    positive: pos,
    negative: neg,
    total,
    precision,
    recall,
    false_positive_rate: fp / (fp + tn),
    f1_score: (2 * precision * recall) / (precision + recall),
    lift: (precision * (totalPos + totalNeg)) / totalPos,
    predicted_positive_ratio: pos / totalPos,
    predicted_negative_ratio: neg / totalNeg,
    cumulative_percent_of_positive: cumPos,
    cumulative_percent_of_negative: cumNeg,
    total_cumulative_percent: (pos + cum.pos + neg + cum.neg) / (totalPos + totalNeg),
    ks: Math.abs(cumPos - cumNeg),
    avg_score: scoreSum / total,
  };
  cum.pos += pos;
  cum.neg += neg;
  return row;
}

/**
 * Walks split points (decreasing) over the sorted pairs; bucket_size + 2 rows: an empty row above
 * the top split, one row per split interval, and a last row for the ties at the lowest split.
 */
export function evaluateBins(p: SortedPairs, splitsDesc: Float64Array, minItemCnt: number): BinRow[] {
  const n = p.score.length;
  let totalPos = 0;
  for (const v of p.label) totalPos += v;
  const totalNeg = n - totalPos;
  const cum: Cumulative = { pos: 0, neg: 0 };
  const rows: BinRow[] = [];
  let start = 0;
  for (const split of splitsDesc) {
    // end = number of scores strictly above the split (scores are sorted descending).
    let end = start;
    while (end < n && p.score[end]! > split) end++;
    const count = end - start;
    if (count === 0) {
      rows.push(zeroRow());
    } else if (count < minItemCnt) {
      // SecretFlow marks a thin bin by running it with NaN totals and NaN cumulative counts; the
      // NaN cumulative counts then propagate to every later bin (kept for output compatibility).
      const nanCum: Cumulative = { pos: NaN, neg: NaN };
      rows.push(binRow(p, start, end, NaN, NaN, nanCum));
      cum.pos = nanCum.pos;
      cum.neg = nanCum.neg;
    } else {
      rows.push(binRow(p, start, end, totalPos, totalNeg, cum));
    }
    start = end;
  }
  // The final bin (ties at the lowest split point) is never NaN-marked.
  rows.push(start === n ? zeroRow() : binRow(p, start, n, totalPos, totalNeg, cum));
  return rows;
}

/** head_report: SecretFlow compares each listed "FPR" against score thresholds (index = #distinct scores below t). */
export function headReport(p: SortedPairs): HeadRow[] {
  const c = binaryClfCurve(p);
  const k = c.tps.length;
  const nPos = c.tps[k - 1]!;
  const nNeg = c.fps[k - 1]!;
  return HEAD_THRESHOLDS.map((t) => {
    let i = 0;
    for (const th of c.thresholds) if (th < t) i++;
    // jax clamps an out-of-range gather index to the last element.
    if (i > k - 1) i = k - 1;
    const tp = c.tps[i]!;
    const fp = c.fps[i]!;
    return { threshold: t, fpr: fp / nNeg, precision: tp / (tp + fp), recall: tp / nPos };
  });
}

function maxNanPropagating(values: number[]): number {
  let m = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

export function biclassificationEval(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  params: Partial<BiclassificationParams> = {},
): BiclassificationResult {
  const { bucketSize, minItemCntPerBucket } = { ...BICLASSIFICATION_DEFAULTS, ...params };
  if (yTrue.length !== yScore.length) throw new RangeError('label and prediction lengths differ');
  if (yTrue.length === 0) throw new RangeError('no samples to evaluate');
  const p = sortByScoreDesc(yTrue, yScore);
  const asc = Float64Array.from(p.score).reverse();
  const eqFrequentBins = evaluateBins(p, equalObs(asc, bucketSize).reverse(), minItemCntPerBucket);
  const eqRangeBins = evaluateBins(p, equalRange(p.score, bucketSize).reverse(), minItemCntPerBucket);
  let positive = 0;
  let negative = 0;
  for (const r of eqFrequentBins) {
    positive += r.positive;
    negative += r.negative;
  }
  const summary: BiclassificationSummary = {
    total_samples: positive + negative,
    positive_samples: positive,
    negative_samples: negative,
    auc: rocAuc(p),
    ks: maxNanPropagating(eqFrequentBins.map((r) => r.ks)),
    f1_score: maxNanPropagating(eqFrequentBins.map((r) => r.f1_score)),
  };
  const roc = rocCurve(binaryClfCurve(p));
  let ksExact = 0;
  for (let i = 0; i < roc.fpr.length; i++) ksExact = Math.max(ksExact, roc.tpr[i]! - roc.fpr[i]!);
  return { summary, eqFrequentBins, eqRangeBins, head: headReport(p), roc, ksExact };
}
