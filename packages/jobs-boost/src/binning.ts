// Local, per-party bucketing of one feature column (SecretFlow ss_xgb_v: quantile split points kept
// by the feature's owner). Shared by the party's device code and the float64 reference so both use
// exactly the same buckets.
//
// Split points t_0 < ... < t_{B-1} (B <= buckets): the distinct values themselves when there are at
// most `buckets` of them, else the distinct linear-interpolation quantiles at i / buckets for
// i = 1..buckets (the last is the maximum). A sample's bin is the first j with x <= t_j; a split at
// (feature, j) sends x <= t_j left. The last point (the maximum) puts every training row left: it is
// the "no split" choice, whose gain is 0.

/** buckets = ceil(1 / sketch_eps), robust to 1 / 0.1 = 10.000000000000002. */
export function bucketCount(sketchEps: number): number {
  return Math.max(1, Math.ceil(1 / sketchEps - 1e-9));
}

/** np.quantile(sorted, q, method='linear') on an ascending array. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function splitPoints(col: ArrayLike<number>, buckets: number): Float64Array {
  const sorted = Float64Array.from(col).sort();
  if (sorted.length === 0) return new Float64Array(0);
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  if (distinct.length <= buckets) return Float64Array.from(distinct);
  const pts: number[] = [];
  for (let i = 1; i <= buckets; i++) {
    const q = i === buckets ? sorted[sorted.length - 1]! : quantileSorted(sorted, i / buckets);
    if (pts.length === 0 || q > pts[pts.length - 1]!) pts.push(q);
  }
  return Float64Array.from(pts);
}

/** First j with x <= points[j]; points.length when x is above every point (new data at predict). */
export function binOf(points: Float64Array, x: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= points[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface BinnedFeature {
  points: Float64Array;
  /** Bin of every row (Int32). */
  bins: Int32Array;
}

export function binFeature(col: ArrayLike<number>, buckets: number): BinnedFeature {
  const points = splitPoints(col, buckets);
  const bins = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) bins[i] = binOf(points, col[i]!);
  return { points, bins };
}

/**
 * The party's cumulative bucket map, row-major n x sum(B_f): column (f, j) is 1 when bin_f <= j.
 * Written as 0/1 float64 ready to be secret-shared.
 */
export function bucketMap(features: readonly BinnedFeature[], n: number): { data: Float64Array; cols: number } {
  const cols = features.reduce((a, f) => a + f.points.length, 0);
  const data = new Float64Array(n * cols);
  let off = 0;
  for (const f of features) {
    const B = f.points.length;
    for (let i = 0; i < n; i++) {
      const row = i * cols + off;
      for (let j = f.bins[i]!; j < B; j++) data[row + j] = 1;
    }
    off += B;
  }
  return { data, cols };
}
