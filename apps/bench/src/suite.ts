// The contract between the runner and a benchmark suite. A suite is a file in src/suites/ whose
// default export is a BenchSuite; the runner discovers them (no central list).
import { availableParallelism } from 'node:os';
import { setKernelThreads } from '@sfw/ring';

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

/**
 * The SPU kernel-thread pool of an in-process suite, from SFW_SPU_KERNEL_THREADS as the worker reads
 * it (0: every core; n: n threads); unset: 1, the one-core figure. Runs `fn` with the pool set and
 * puts it back to 1 after, so one suite's setting never leaks into the next.
 */
export async function withBenchKernelThreads<T>(fn: (kernelThreads: number) => Promise<T>): Promise<T> {
  const raw = process.env.SFW_SPU_KERNEL_THREADS;
  const kernelThreads = raw === undefined || raw === '' ? 1 : Number(raw) === 0 ? Math.min(64, availableParallelism()) : Number(raw);
  setKernelThreads(kernelThreads);
  if (kernelThreads > 1) await new Promise((r) => setTimeout(r, 1000)); // helpers start in the background
  try {
    return await fn(kernelThreads);
  } finally {
    setKernelThreads(1);
  }
}

/** The case names an env variable keeps (`SFW_BENCH_SPU_CASES=mulF,matmulF`), or undefined for all. */
export function onlyCases(envName: string): string[] | undefined {
  const only = process.env[envName]?.split(',').filter((x) => x !== '');
  return only === undefined || only.length === 0 ? undefined : only;
}
