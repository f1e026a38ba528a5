// The runs behind `pnpm bench stats` (suites/stats.ts): ss_pearsonr and ss_vif as the real jobs on a
// real Cluster over 100,000 rows x 50 features (25 per party), with the error against float64; and
// table_statistics at one party over 1,000,000 rows x 20 columns (the streaming reader and the
// in-memory quartiles), with the process's peak resident memory.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Cluster } from '@sfw/runtime';
import { clusterJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import { seededRng } from '@sfw/testkit';
import { STATS_DEVICE_MODULE, ssPearsonrSchema, ssPearsonrTask, ssVifSchema, ssVifTask, tableStatistics } from '@sfw/jobs-stats';

async function writeLines(path: string, header: string, rows: number, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    buf.push(row(i));
    if (buf.length === 10_000) {
      if (!out.write(`${buf.join('\n')}\n`)) await once(out, 'drain');
      buf = [];
    }
  }
  if (buf.length > 0) out.write(`${buf.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}

/** Gaussian columns driven by 5 shared factors (so the correlation matrix is far from the identity). */
function correlatedRows(n: number, d: number, seed: string): Float64Array {
  const rng = seededRng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const load = Array.from({ length: d }, () => Array.from({ length: 5 }, () => gauss()));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const f = Array.from({ length: 5 }, gauss);
    for (let j = 0; j < d; j++) x[i * d + j] = load[j]!.reduce((a, l, k) => a + l * f[k]!, 0) + gauss();
  }
  return x;
}

/** Plain float64 correlation matrix and diag of its inverse (Gauss-Jordan), the accuracy reference. */
function plainCorrVif(x: Float64Array, n: number, d: number): { r: Float64Array; vif: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[i * d + j]! / n;
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const za = x[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) c[a * d + b] = c[a * d + b]! + za * (x[i * d + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[a * d + b] = c[b * d + a]!;
  const r = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) r[a * d + b] = c[a * d + b]! / Math.sqrt(c[a * d + a]! * c[b * d + b]!);
  const m = Float64Array.from(r);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let p = 0; p < d; p++) {
    const piv = m[p * d + p]!;
    for (let k = 0; k < d; k++) {
      m[p * d + k] = m[p * d + k]! / piv;
      inv[p * d + k] = inv[p * d + k]! / piv;
    }
    for (let i = 0; i < d; i++) {
      if (i === p) continue;
      const f = m[i * d + p]!;
      for (let k = 0; k < d; k++) {
        m[i * d + k] = m[i * d + k]! - f * m[p * d + k]!;
        inv[i * d + k] = inv[i * d + k]! - f * inv[p * d + k]!;
      }
    }
  }
  return { r, vif: Float64Array.from({ length: d }, (_, j) => inv[j * d + j]!) };
}

export interface StatsBenchRecord {
  case: string;
  n: number;
  d: number;
  field?: string;
  ms: number;
  cpu_ms: number;
  [k: string]: unknown;
}

function ctxFor(cluster: Cluster, dir: string, spu: JobContext['spu']): JobContext {
  return clusterJobContext(cluster, { workDir: dir, spu, taskRequestId: 'bench' });
}

/** table_statistics over rows x cols at one party: time, CPU, peak RSS of this process. */
export async function benchTableStatistics(rows: number, cols: number): Promise<StatsBenchRecord> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-stats-bench-'));
  try {
    const path = join(dir, 't.csv');
    const rng = seededRng('table-stats-bench');
    const names = Array.from({ length: cols }, (_, j) => `c${j}`);
    await writeLines(path, ['id', ...names].join(','), rows, (i) => `${i},${names.map((_, j) => (j % 2 === 0 ? (rng() * 1000).toFixed(3) : String(Math.floor(rng() * 100)))).join(',')}`);
    const rss0 = process.memoryUsage().rss;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await tableStatistics(path);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return {
      case: `table_statistics ${rows}x${cols}`, n: rows, d: cols, ms, cpu_ms: (c.user + c.system) / 1000, passes: r.passes,
      rss_before_mb: Math.round(rss0 / 2 ** 20), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** ss_pearsonr and ss_vif on rows x d (split in half between alice and bob) on one cluster per field. */
export async function benchCorrelation(rows: number, d: number, fields: ReadonlyArray<'FM64' | 'FM128'>): Promise<StatsBenchRecord[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-stats-bench-'));
  const out: StatsBenchRecord[] = [];
  try {
    const x = correlatedRows(rows, d, `corr-bench-${rows}-${d}`);
    const half = d / 2;
    const names = Array.from({ length: d }, (_, j) => (j < half ? `a${j}` : `b${j - half}`));
    const files = { alice: join(dir, 'alice.csv'), bob: join(dir, 'bob.csv') };
    const cells = (i: number, from: number, to: number): string => Array.from({ length: to - from }, (_, k) => x[i * d + from + k]!.toFixed(6)).join(',');
    await writeLines(files.alice, ['id', ...names.slice(0, half)].join(','), rows, (i) => `${i},${cells(i, 0, half)}`);
    await writeLines(files.bob, ['id', ...names.slice(half)].join(','), rows, (i) => `${i},${cells(i, half, d)}`);
    const ref = plainCorrVif(x, rows, d);
    for (const field of fields) {
      const spu = { protocol: 'SEMI2K' as const, field, fxpFractionBits: field === 'FM64' ? 18 : 40, beaverType: 'TTP' as const };
      const cluster = await Cluster.start({ parties: ['alice', 'bob'], spu, modules: [STATS_DEVICE_MODULE] });
      try {
        const ctx = ctxFor(cluster, dir, spu);
        const cfg = { input_ds: files, feature_selects: names };
        // Warm-up on a small slice of the work (thread JIT, module loading) is the first real run's
        // cost otherwise; one untimed Pearson run of the same size.
        await cluster.beginTask('warm');
        await runWithUncheckedFiles(ssPearsonrTask, ctx, ssPearsonrSchema.parse(cfg));
        await cluster.endTask();
        for (const job of ['ss_pearsonr', 'ss_vif'] as const) {
          await cluster.beginTask(job);
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          let err: Record<string, number>;
          if (job === 'ss_pearsonr') {
            const r = await runWithUncheckedFiles(ssPearsonrTask, ctx, ssPearsonrSchema.parse(cfg));
            let worst = 0;
            r.matrix.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ref.r[i * d + j]!)))));
            err = { max_abs_err_r: worst };
          } else {
            const r = await runWithUncheckedFiles(ssVifTask, ctx, ssVifSchema.parse(cfg));
            err = { max_rel_err_vif: Math.max(...names.map((f, j) => Math.abs(r.vif[f]! / ref.vif[j]! - 1))), max_vif: Math.max(...ref.vif) };
          }
          const ms = performance.now() - t0;
          const c = process.cpuUsage(c0);
          await cluster.endTask();
          out.push({ case: `${job} ${rows}x${d}`, n: rows, d, field, ms, cpu_ms: (c.user + c.system) / 1000, ...err });
        }
      } finally {
        await cluster.shutdown();
      }
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
