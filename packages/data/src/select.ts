// Order statistics by selection (quickselect): linear time where a full sort is n log n, for
// statistics that need a few ranks of a column (median, quartiles, quantile split points). A range
// that stops shrinking is sorted, so crafted data cannot make a selection quadratic.

/**
 * The value of rank k (0-based) among v's values, none NaN; v is reordered so that v[0..k) <= v[k]
 * <= v(k..]. `from`: v[0..from) already holds the ranks below `from` (an earlier selection), so only
 * v[from..] is searched.
 * Quickselect with a median-of-three pivot; a range that stops shrinking is sorted instead.
 */
export function selectNth(v: Float64Array, k: number, from = 0): number {
  let lo = from;
  let hi = v.length - 1;
  let budget = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
  while (hi > lo) {
    if (budget-- === 0) {
      v.subarray(lo, hi + 1).sort();
      break;
    }
    const mid = lo + ((hi - lo) >> 1);
    const a = v[lo]!, b = v[mid]!, c = v[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i] = v[j]!;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v[k]!;
}

/**
 * Puts the values of the given ranks (ascending) in place: afterwards v[r] is what the sorted array
 * would hold there for every listed r (other positions are only partially ordered).
 */
export function selectRanks(v: Float64Array, ranks: readonly number[]): void {
  let from = 0;
  for (const r of ranks) {
    if (r < from) continue;
    selectNth(v, r, from);
    from = r + 1;
  }
}
