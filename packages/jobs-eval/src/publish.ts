// What of the scored column may leave the evaluating party (docs/evaluation.md, "What the report
// publishes"). The bin tables name score values (start_value, end_value, avg_score): for a model's
// probability these are the cut-offs a reader deploys, but the worker cannot tell a model's output
// from a raw feature that a message names as `prediction`, and exact edges of a raw feature are
// its order statistics (with bucket_size near the row count: nearly every value). So no exact
// value of the column is published: a column inside [0, 1] is shown on a 0.01 grid (a cut-off at
// two decimals), any other column as ranks (the share of samples scored at or below the value),
// which say nothing about the values themselves.
import type { BinRow } from './biclassification.ts';

const GRID_STEPS = 100;
/** Published score values lie on this grid (probabilities) or are ranks on it. */
export const SCORE_GRID = 1 / GRID_STEPS;

/** How the bin tables' score columns are expressed. */
export type ScoreScale = 'probability' | 'rank';

const onGrid = (v: number): number => (Number.isFinite(v) ? Math.round(v * GRID_STEPS) / GRID_STEPS : v);

/** 'probability' when every score lies in [0, 1]; otherwise 'rank'. */
export function scoreScale(scores: ArrayLike<number>): ScoreScale {
  for (let i = 0; i < scores.length; i++) if (!(scores[i]! >= 0 && scores[i]! <= 1)) return 'rank';
  return 'probability';
}

/** Share of `sortedAsc` at or below `v`. */
function rankOf(sortedAsc: Float64Array, v: number): number {
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedAsc[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedAsc.length;
}

/**
 * The bin rows with their score columns made coarse: `start_value`, `end_value` and `avg_score`
 * on the 0.01 grid (probability scale) or as ranks on that grid (rank scale). Empty rows stay 0
 * and NaN stays NaN; counts and rates are unchanged (they are aggregates already).
 */
export function coarseBins(rows: BinRow[], scores: ArrayLike<number>, scale: ScoreScale): BinRow[] {
  const sorted = scale === 'rank' ? Float64Array.from(scores).sort() : new Float64Array(0);
  const publish = (v: number): number => onGrid(scale === 'rank' && Number.isFinite(v) ? rankOf(sorted, v) : v);
  return rows.map((r) =>
    r.total === 0 ? r : { ...r, start_value: publish(r.start_value), end_value: publish(r.end_value), avg_score: publish(r.avg_score) },
  );
}
