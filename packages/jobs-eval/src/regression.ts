// regression_eval (SecretFlow ml.eval/regression_eval:1.0.0): plaintext metrics at the party holding
// label and prediction, plus the residual histogram of y_true - y_pred (edges on a coarse grid, see histogram).

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
  /** bucket_size + 1 edges on a coarse grid and bucket_size counts (SecretFlow pads the counts row with a trailing 0). */
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

/** The next coarser grid step: 1 -> 2 -> 5 -> 10 (times a power of ten). */
function nextStep(step: number): number {
  const p = 10 ** Math.floor(Math.log10(step) + 1e-9);
  const m = Math.round(step / p);
  return (m === 1 ? 2 : m === 2 ? 5 : 10) * p;
}

/** k * step written exactly as the decimal it names (0.3, not 0.30000000000000004). */
function gridPoint(k: number, step: number): number {
  const e = Math.floor(Math.log10(step) + 1e-9);
  const m = Math.round(step / 10 ** e);
  return e < 0 ? (k * m) / 10 ** -e : k * m * 10 ** e;
}

/**
 * Histogram of `x` with `bins` equal-width bins whose edges lie on a coarse grid: the step is the
 * smallest 1, 2 or 5 times a power of ten that covers [min, max] with `bins` bins, and the edges
 * are multiples of it (last bin closed, as numpy.histogram counts with these edges). Edges on a
 * grid publish the extreme residuals only to within a step, where numpy's edges would publish them
 * exactly (docs/evaluation.md, "What the report publishes").
 */
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
  // Start one step below the smallest 1-2-5 step at least (hi - lo) / bins, then grow until the
  // grid-aligned bins reach hi.
  let step = 10 ** Math.floor(Math.log10((hi - lo) / bins));
  let k0 = Math.floor(lo / step);
  while (gridPoint(k0 + bins, step) < hi || gridPoint(k0, step) > lo) {
    step = nextStep(step);
    k0 = Math.floor(lo / step);
  }
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => gridPoint(k0 + i, step));
  const counts = new Float64Array(bins);
  for (const v of x) {
    let k = Math.floor((v - edges[0]!) / step);
    if (k >= bins) k = bins - 1;
    if (k < 0) k = 0;
    // Correct the float estimate against the actual edges (the last bin is closed).
    while (k > 0 && v < edges[k]!) k--;
    while (k < bins - 1 && v >= edges[k + 1]!) k++;
    counts[k] = counts[k]! + 1;
  }
  return { edges, counts };
}
