// Local binning of one party's columns (SecretFlow vert_binning, and the first step of
// vert_woe_binning). Numeric columns: split points from equal ranges (pandas.cut) or quantiles
// (pandas.qcut, duplicates dropped), bins left-open right-closed (bin i holds x <= split_i, first
// match; the last bin x > the last split), empty bins removed. Text columns: one bin per category,
// categories sorted. Nulls go to the `else` bin.
import type { Column } from '@sfw/data';
import { isNumericColumn, selectRanks } from '@sfw/data';
import { issue } from './issues.ts';
import type { BinVariable } from './rules.ts';

export type BinningMethod = 'eq_range' | 'quantile';

/** numpy.linspace(start, stop, num) interior points (i * step + start), as pandas.cut builds edges. */
function linspaceInterior(start: number, stop: number, bins: number): number[] {
  const step = (stop - start) / bins;
  return Array.from({ length: bins - 1 }, (_, k) => (k + 1) * step + start);
}

/** numpy.quantile(sorted, q, method='linear'), including numpy's two-sided lerp. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const h = q * (n - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo]!, b = sorted[hi]!;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Split points of the non-null values (sorted ascending) before empty bins are removed. */
export function rawSplitPoints(sorted: Float64Array, method: BinningMethod, binNum: number): number[] {
  if (sorted.length === 0) return [];
  const min = sorted[0]!, max = sorted[sorted.length - 1]!;
  if (min === max) return [];
  if (method === 'eq_range') return linspaceInterior(min, max, binNum);
  const edges: number[] = [];
  for (let i = 0; i <= binNum; i++) {
    const q = i === binNum ? 1 : i * (1 / binNum);
    const v = quantileSorted(sorted, q);
    if (edges.length === 0 || edges[edges.length - 1] !== v) edges.push(v);
  }
  return edges.slice(1, -1);
}

/** Bin of x: the first i with x <= split_i, else splits.length (binary search). */
export function numericBin(splits: readonly number[], x: number): number {
  let lo = 0, hi = splits.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= splits[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Per-row bin index (-1 = else) of a column under a variable's split points or categories. */
export function binCodes(v: Pick<BinVariable, 'name' | 'type' | 'split_points' | 'categories'>, col: Column, field: string): Int32Array {
  const codes = new Int32Array(col.length);
  if (v.type === 'numeric') {
    if (!isNumericColumn(col)) {
      if (!col.every((s) => s === '')) throw issue(field, `column '${v.name}' is not numeric, the rule bins numbers`);
      return codes.fill(-1);
    }
    const s = v.split_points ?? [];
    for (let i = 0; i < col.length; i++) codes[i] = Number.isNaN(col[i]!) ? -1 : numericBin(s, col[i]!);
    return codes;
  }
  const index = new Map((v.categories ?? []).map((c, i) => [c, i]));
  for (let i = 0; i < col.length; i++) {
    const k = isNumericColumn(col) ? (Number.isNaN(col[i]!) ? undefined : String(col[i]!)) : col[i] === '' ? undefined : col[i];
    codes[i] = k === undefined ? -1 : (index.get(k) ?? -1);
  }
  return codes;
}

export function countBins(codes: Int32Array, bins: number): { total: number[]; elseCount: number } {
  const total = new Array<number>(bins).fill(0);
  let elseCount = 0;
  for (const c of codes) if (c < 0) elseCount++; else total[c]!++;
  return { total, elseCount };
}

/** The ranks rawSplitPoints reads: the ends, and both neighbours of each quantile position. */
function splitRanks(n: number, method: BinningMethod, binNum: number): number[] {
  const ranks = [0, n - 1];
  if (method === 'quantile') {
    for (let i = 0; i <= binNum; i++) {
      const h = (i === binNum ? 1 : i * (1 / binNum)) * (n - 1);
      const lo = Math.floor(h);
      ranks.push(lo, Math.min(lo + 1, n - 1));
    }
  }
  return [...new Set(ranks)].sort((a, b) => a - b);
}

/**
 * `values` reordered so that every rank rawSplitPoints reads holds its sorted value (selection, not
 * a sort). A zero among them takes the full sort: only there could the order of equal keys (-0
 * before 0) change a value.
 */
function orderedAt(values: Float64Array, method: BinningMethod, binNum: number): Float64Array {
  if (values.length === 0) return values;
  const ranks = splitRanks(values.length, method, binNum);
  // Many ranks (ChiMerge's initial bins): one sort is cheaper than that many selections.
  if (ranks.length > 32) return values.sort();
  selectRanks(values, ranks);
  if (ranks.some((r) => values[r] === 0)) values.sort();
  return values;
}

/** Removes split points so that no bin is empty (merging an empty bin into its right neighbour). */
function dropEmptyBins(values: Float64Array, splits: number[]): number[] {
  const counts = new Array<number>(splits.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[numericBin(splits, values[i]!)]!++;
  const kept: number[] = [];
  splits.forEach((s, i) => { if (counts[i]! > 0) kept.push(s); });
  // The last bin empty: its left split goes (x > s_last has no rows).
  if (counts[splits.length] === 0 && kept.length > 0 && kept[kept.length - 1] === splits[splits.length - 1]) kept.pop();
  return kept;
}

/**
 * Fits one variable: split points or categories, bin counts, and `filling_values` = bin indices
 * (`else_filling_value` -1). Returns the per-row codes too.
 */
export function fitVariable(name: string, col: Column, method: BinningMethod, binNum: number): { variable: BinVariable; codes: Int32Array } {
  let v: Pick<BinVariable, 'name' | 'type' | 'split_points' | 'categories'>;
  if (isNumericColumn(col)) {
    const values = new Float64Array(col.length);
    let n = 0;
    for (let i = 0; i < col.length; i++) {
      const x = col[i]!;
      if (x === x) values[n++] = x;
    }
    const part = values.subarray(0, n);
    v = { name, type: 'numeric', split_points: dropEmptyBins(part, rawSplitPoints(orderedAt(part, method, binNum), method, binNum)) };
  } else {
    const cats = [...new Set(col.filter((s) => s !== ''))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    v = { name, type: 'string', categories: cats };
  }
  const bins = v.type === 'numeric' ? v.split_points!.length + 1 : v.categories!.length;
  const codes = binCodes(v, col, 'task_config.feature_selects');
  const { total, elseCount } = countBins(codes, bins);
  const variable: BinVariable = {
    ...v,
    total_counts: total,
    else_counts: elseCount,
    filling_values: total.map((_, i) => i),
    else_filling_value: -1,
  };
  return { variable, codes };
}

/** The column with each value replaced by its bin's filling value. */
export function substituteBins(v: BinVariable, col: Column, field: string): Float64Array {
  const codes = binCodes(v, col, field);
  return Float64Array.from(codes, (c) => (c < 0 ? v.else_filling_value : v.filling_values[c]!));
}
