// ROC machinery shared by the summary AUC, the head report and the HTML charts. Mirrors
// scikit-learn's _binary_clf_curve / roc_curve / auc (trapezoid over distinct thresholds), which is
// also what SecretFlow's biclassification_eval_core does, so the AUC equals roc_auc_score.

export interface SortedPairs {
  /** Labels (0/1) ordered by score, highest first. */
  readonly label: Float64Array;
  /** Scores, decreasing. */
  readonly score: Float64Array;
}

/** Sorts (label, score) by score descending. Ties keep no particular order: no statistic depends on it. */
export function sortByScoreDesc(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): SortedPairs {
  const n = yScore.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => yScore[b]! - yScore[a]!);
  return { label: Float64Array.from(idx, (i) => yTrue[i]!), score: Float64Array.from(idx, (i) => yScore[i]!) };
}

export interface ClfCurve {
  /** Cumulative false positives at each distinct threshold. */
  readonly fps: Float64Array;
  /** Cumulative true positives at each distinct threshold. */
  readonly tps: Float64Array;
  /** Distinct scores, decreasing. */
  readonly thresholds: Float64Array;
}

export function binaryClfCurve(p: SortedPairs): ClfCurve {
  const n = p.score.length;
  const fps: number[] = [];
  const tps: number[] = [];
  const th: number[] = [];
  let tp = 0;
  for (let i = 0; i < n; i++) {
    tp += p.label[i]!;
    // The last index of each run of equal scores closes one threshold.
    if (i === n - 1 || p.score[i + 1] !== p.score[i]) {
      tps.push(tp);
      fps.push(i + 1 - tp);
      th.push(p.score[i]!);
    }
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(th) };
}

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** thresholds[0] = max score + 1 (no sample predicted positive), as scikit-learn does. */
  readonly thresholds: Float64Array;
}

export function rocCurve(curve: ClfCurve): RocCurve {
  const k = curve.tps.length;
  const totalP = k > 0 ? curve.tps[k - 1]! : 0;
  const totalN = k > 0 ? curve.fps[k - 1]! : 0;
  const fpr = new Float64Array(k + 1);
  const tpr = new Float64Array(k + 1);
  const thresholds = new Float64Array(k + 1);
  thresholds[0] = k > 0 ? curve.thresholds[0]! + 1 : 1;
  for (let i = 0; i < k; i++) {
    fpr[i + 1] = curve.fps[i]! / totalN;
    tpr[i + 1] = curve.tps[i]! / totalP;
    thresholds[i + 1] = curve.thresholds[i]!;
  }
  return { fpr, tpr, thresholds };
}

/** Trapezoid area under (x, y) with x monotone non-decreasing (numpy.trapz order of operations). */
export function trapezoid(x: Float64Array, y: Float64Array): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}

/** ROC AUC; NaN when only one class is present (scikit-learn raises, SecretFlow yields NaN). */
export function rocAuc(p: SortedPairs): number {
  const roc = rocCurve(binaryClfCurve(p));
  return trapezoid(roc.fpr, roc.tpr);
}
