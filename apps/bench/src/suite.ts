// The contract between the runner and a benchmark suite. A suite is a file in src/suites/ whose
// default export is a BenchSuite; the runner discovers them (no central list).

/** One measurement, printed as one JSON line. Protocol cases add bytes_sent and rounds. */
export interface BenchRecord {
  suite: string;
  case: string;
  n: number;
  field?: string;
  parties?: number;
  median_ms: number;
  p10_ms?: number;
  p90_ms?: number;
  reps: number;
  bytes_sent?: number;
  rounds?: number;
  [k: string]: unknown;
}

export interface BenchRunOptions {
  /** Smaller sizes and fewer reps (CI smoke runs). */
  quick: boolean;
  emit(r: BenchRecord): void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(opts: BenchRunOptions): Promise<void>;
}

export interface TimeItOptions {
  reps: number;
  warmup?: number;
}

export interface Timing {
  median_ms: number;
  p10_ms: number;
  p90_ms: number;
  reps: number;
}

/** Nearest-rank percentile of an ascending array. */
function pct(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/**
 * Run `fn` `warmup` times unmeasured (JIT, page faults), then `reps` times, and report the
 * median and 10th/90th percentiles in milliseconds (performance.now, monotonic).
 */
export async function timeIt(fn: () => unknown, opts: TimeItOptions): Promise<Timing> {
  const reps = Math.max(1, Math.floor(opts.reps));
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return { median_ms: round(pct(times, 50)), p10_ms: round(pct(times, 10)), p90_ms: round(pct(times, 90)), reps };
}

/** Median of already-measured times (e.g. reported by a native program). */
export function summarize(times: readonly number[]): Timing {
  const s = [...times].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return { median_ms: round(pct(s, 50)), p10_ms: round(pct(s, 10)), p90_ms: round(pct(s, 90)), reps: s.length };
}
