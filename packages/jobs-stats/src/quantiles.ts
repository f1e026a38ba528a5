// Exact quartiles (pandas' default linear interpolation) within bounded memory.
//
// pandas: for sorted x of n values and q in [0, 1], h = (n - 1) q and
// quantile = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). So q1, q2, q3 need at most six
// order statistics. While a party's numeric values fit the memory budget they are kept in one pass
// and selected directly; past the budget the order statistics are found by extra passes over the
// file: each pass histograms the values inside the current value window of every needed rank into
// 2048 buckets and narrows the window to the bucket holding that rank, and once a window holds at
// most COLLECT_LIMIT values the next pass collects and sorts them. Every step is exact (counts, not
// estimates); a window always shrinks to one bucket, so a few passes suffice for real data.

import { selectRanks } from '@sfw/data';

export const QUARTILES = [0.25, 0.5, 0.75] as const;

/** The 0-based order statistics needed for the quartiles of n values. */
export function quartileRanks(n: number): number[] {
  const out = new Set<number>();
  for (const q of QUARTILES) {
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    out.add(lo);
    if (h > lo) out.add(Math.min(lo + 1, n - 1));
  }
  return [...out].sort((a, b) => a - b);
}

/** q1, q2, q3 from a function giving the value at an order statistic (pandas 'linear'). */
export function quartilesFrom(n: number, at: (rank: number) => number): [number, number, number] {
  const q = QUARTILES.map((p) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const frac = h - lo;
    const a = at(lo);
    return frac === 0 ? a : a + frac * (at(Math.min(lo + 1, n - 1)) - a);
  });
  return [q[0]!, q[1]!, q[2]!];
}

/** A growable buffer of one column's values (the in-memory path). */
export class ValueBuffer {
  private buf = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }
  /** Bytes held (the capacity, which is what the budget must count). */
  get bytes(): number {
    return this.buf.byteLength;
  }
  /** Exact quartiles by selection (the buffer is reordered, not sorted). */
  quartiles(): [number, number, number] {
    const v = this.buf.subarray(0, this.length);
    selectRanks(v, quartileRanks(v.length));
    return quartilesFrom(v.length, (r) => v[r]!);
  }
}

export const BUCKETS = 2048;
export const COLLECT_LIMIT = 1 << 16;

interface Window {
  rank: number;
  lo: number;
  hi: number;
  hiInclusive: boolean;
  /** Values below the window. */
  below: number;
  /** Values inside the window. */
  count: number;
  mode: 'histogram' | 'collect';
  counts: Float64Array | null;
  values: number[] | null;
  result: number | undefined;
}

/** Finds exact order statistics of one column by passes over its values (see the file comment). */
export class RankRefiner {
  private readonly windows: Window[];

  constructor(ranks: readonly number[], n: number, min: number, max: number) {
    this.windows = ranks.map((rank) => ({ rank, lo: min, hi: max, hiInclusive: true, below: 0, count: n, mode: 'histogram', counts: null, values: null, result: min === max ? min : undefined }));
  }

  get done(): boolean {
    return this.windows.every((w) => w.result !== undefined);
  }

  beginPass(): void {
    for (const w of this.windows) {
      if (w.result !== undefined) continue;
      // Collect when few values remain, or when the window is too narrow to split in doubles.
      const narrow = !(w.lo + (w.hi - w.lo) / BUCKETS > w.lo);
      w.mode = w.count <= COLLECT_LIMIT || narrow ? 'collect' : 'histogram';
      w.counts = w.mode === 'histogram' ? new Float64Array(BUCKETS) : null;
      w.values = w.mode === 'collect' ? [] : null;
    }
  }

  add(x: number): void {
    for (const w of this.windows) {
      if (w.result !== undefined) continue;
      if (!(x >= w.lo && (x < w.hi || (w.hiInclusive && x === w.hi)))) continue;
      if (w.mode === 'collect') w.values!.push(x);
      else w.counts![bucketOf(w, x)]!++;
    }
  }

  endPass(): void {
    for (const w of this.windows) {
      if (w.result !== undefined) continue;
      if (w.mode === 'collect') {
        const v = Float64Array.from(w.values!).sort();
        w.result = v[w.rank - w.below]!;
        w.values = null;
        continue;
      }
      const counts = w.counts!;
      let before = 0;
      for (let k = 0; k < BUCKETS; k++) {
        const c = counts[k]!;
        if (w.rank < w.below + before + c) {
          const lo = edge(w, k);
          const last = k === BUCKETS - 1;
          w.hi = last ? w.hi : edge(w, k + 1);
          w.hiInclusive = last ? w.hiInclusive : false;
          w.lo = lo;
          w.below += before;
          w.count = c;
          if (w.lo === w.hi) w.result = w.lo;
          break;
        }
        before += c;
      }
      w.counts = null;
    }
  }

  value(rank: number): number {
    const w = this.windows.find((x) => x.rank === rank);
    if (w?.result === undefined) throw new Error('order statistic not resolved');
    return w.result;
  }
}

function edge(w: Window, k: number): number {
  return k === BUCKETS ? w.hi : w.lo + ((w.hi - w.lo) * k) / BUCKETS;
}

/** The bucket k with edge(k) <= x < edge(k + 1) (the last bucket also takes x = hi). */
function bucketOf(w: Window, x: number): number {
  let k = Math.floor(((x - w.lo) / (w.hi - w.lo)) * BUCKETS);
  if (!(k >= 0)) k = 0;
  if (k > BUCKETS - 1) k = BUCKETS - 1;
  while (k > 0 && x < edge(w, k)) k--;
  while (k < BUCKETS - 1 && x >= edge(w, k + 1)) k++;
  return k;
}
