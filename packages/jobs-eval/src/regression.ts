// regression_eval (SecretFlow ml.eval/regression_eval:1.0.0): plaintext metrics at the party holding
// label and prediction, plus the residual histogram (numpy.histogram of y_true - y_pred).

export const REGRESSION_METRICS = [
  'r2_score',
  'mean_abs_err',
  'mean_abs_percent_err',
  'sum_squared_errors',
  'mean_squared_errors',
  'root_mean_squared_errors',
  'y_true_mean',
  'y_pred_mean',
] as const;
export type RegressionMetric = (typeof REGRESSION_METRICS)[number];

export interface RegressionResult {
  metrics: Record<RegressionMetric, number>;
  /** bucket_size + 1 edges and bucket_size counts (SecretFlow pads the counts row with a trailing 0). */
  residualHistogram: { edges: Float64Array; counts: Float64Array };
}

export function regressionEval(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, bucketSize = 10): RegressionResult {
  const n = yTrue.length;
  if (n !== yPred.length) throw new RangeError('label and prediction lengths differ');
  if (n === 0) throw new RangeError('no samples to evaluate');
  let sumT = 0;
  let sumP = 0;
  for (let i = 0; i < n; i++) {
    sumT += yTrue[i]!;
    sumP += yPred[i]!;
  }
  const meanT = sumT / n;
  let rss = 0;
  let tss = 0;
  let abs = 0;
  let ape = 0;
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const e = t - yPred[i]!;
    residual[i] = e;
    rss += e * e;
    tss += (t - meanT) * (t - meanT);
    abs += Math.abs(e);
    // A ratio, not a percentage (SecretFlow does not multiply by 100).
    ape += Math.abs(e / t);
  }
  const mse = rss / n;
  return {
    metrics: {
      r2_score: 1 - rss / tss,
      mean_abs_err: abs / n,
      mean_abs_percent_err: ape / n,
      sum_squared_errors: rss,
      mean_squared_errors: mse,
      root_mean_squared_errors: Math.sqrt(mse),
      y_true_mean: meanT,
      y_pred_mean: sumP / n,
    },
    residualHistogram: histogram(residual, bucketSize),
  };
}

/** numpy.histogram(x, bins) with equal-width bins: last bin closed, edges as numpy.linspace. */
export function histogram(x: Float64Array, bins: number): { edges: Float64Array; counts: Float64Array } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (hi - lo) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  const norm = bins / (hi - lo);
  for (const v of x) {
    let k = Math.floor((v - lo) * norm);
    if (k >= bins) k = bins - 1;
    // numpy corrects the float estimate against the actual edges.
    if (k > 0 && v < edges[k]!) k--;
    else if (k < bins - 1 && v >= edges[k + 1]!) k++;
    counts[k] = counts[k]! + 1;
  }
  return { edges, counts };
}
