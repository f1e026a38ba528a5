// The runs behind `pnpm bench preprocessing` (suites/preprocessing.ts):
// - vert_woe_binning as the real job on a real Cluster (2 parties, SEMI2K FM64, TTP dealer): n rows,
//   d features split evenly, the label at alice, 10 quantile bins; bob's per-bin positive counts go
//   through the SPU (fixed-mask products), alice's are counted in plaintext;
// - fillna -> feature_calculate -> onehot_encode over one party's n x 20 file, streamed, in a child
//   process so that its peak RSS (all threads) is the jobs' alone.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Cluster } from '@sfw/runtime';
import type { JobContext } from '@sfw/executor';
import { formatCsv, makeTable, writeCsv } from '@sfw/data';
import type { Column } from '@sfw/data';
import { seededRng } from '@sfw/testkit';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { PREP_DEVICE_MODULE, vertWoeBinningSchema, vertWoeBinningTask } from '@sfw/jobs-preprocessing';
import { jobContext } from './sslr-job.ts';

export interface WoeBenchResult {
  n: number;
  d: number;
  bins: number;
  woe_ms: number;
  woe_cpu_ms: number;
}

async function writeWoeData(dir: string, n: number, d: number): Promise<{ alice: string; bob: string; features: string[] }> {
  const rng = seededRng(`woe-bench-${n}-${d}`);
  const half = d / 2;
  const a: Record<string, Column> = { id: Array.from({ length: n }, (_, i) => `r${i}`) };
  const b: Record<string, Column> = { id: a['id']! };
  const score = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    const col = Float64Array.from({ length: n }, () => Math.round(rng() * 1e6) / 100);
    for (let i = 0; i < n; i++) score[i]! += j % 5 === 0 ? col[i]! / 1e4 : 0;
    (j < half ? a : b)[j < half ? `a${j}` : `b${j - half}`] = col;
  }
  a['y'] = Float64Array.from(score, (s) => (rng() * (d / 5) < s ? 1 : 0));
  const files = { alice: join(dir, 'alice.csv'), bob: join(dir, 'bob.csv') };
  await writeCsv(files.alice, makeTable(Object.keys(a), a));
  await writeCsv(files.bob, makeTable(Object.keys(b), b));
  return { ...files, features: [...Object.keys(a).filter((c) => c !== 'id' && c !== 'y'), ...Object.keys(b).filter((c) => c !== 'id')] };
}

/** `log`: a logger for the job's phase timings (default silent). */
export async function benchWoe(n: number, d: number, bins = 10, log?: JobContext['log']): Promise<WoeBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-woe-bench-'));
  const cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [PREP_DEVICE_MODULE],
  });
  try {
    const f = await writeWoeData(dir, n, d);
    const ctx = jobContext(cluster, dir, log);
    const run = async (k: string, rows: number): Promise<{ ms: number; cpu: number }> => {
      await cluster.beginTask(`woe-${k}`);
      try {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await runWithUncheckedFiles(vertWoeBinningTask, ctx, vertWoeBinningSchema.parse({
          input_ds: { alice: f.alice, bob: f.bob }, feature_selects: rows === n ? f.features : f.features.slice(0, 4), label: 'y', bin_num: bins,
          output_rule: { alice: join(dir, `${k}-alice.json`), bob: join(dir, `${k}-bob.json`) },
        }));
        const c1 = process.cpuUsage();
        return { ms: performance.now() - t0, cpu: (c1.user - c0.user + c1.system - c0.system) / 1000 };
      } finally {
        await cluster.endTask();
      }
    };
    await run('warmup', 0);
    const r = await run('main', n);
    return { n, d, bins, woe_ms: r.ms, woe_cpu_ms: r.cpu };
  } finally {
    await cluster.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface StreamBenchResult {
  rows: number;
  columns: number;
  file_mb: number;
  fillna_ms: number;
  calculate_ms: number;
  onehot_ms: number;
  total_ms: number;
  /** CPU time of the child process, every thread (steadier than wall time on a loaded machine). */
  cpu_ms: number;
  max_rss_mb: number;
}

export const STREAM_FLOATS = 14, STREAM_INTS = 4, STREAM_TEXTS = 2;

/** Writes the n x 20 file chunk by chunk (the generator itself stays small). */
async function writeStreamData(path: string, n: number): Promise<number> {
  const rng = seededRng(`stream-bench-${n}`);
  const cats = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const fh = await open(path, 'w');
  let bytes = 0;
  try {
    for (let r0 = 0; r0 < n; r0 += 50_000) {
      const m = Math.min(50_000, n - r0);
      const data: Record<string, Column> = {};
      for (let j = 0; j < STREAM_FLOATS; j++) data[`f${j}`] = Float64Array.from({ length: m }, () => (rng() < 0.05 ? NaN : Math.round(rng() * 1e5) / 100));
      for (let j = 0; j < STREAM_INTS; j++) data[`i${j}`] = Float64Array.from({ length: m }, () => (rng() < 0.05 ? NaN : Math.floor(rng() * 100)));
      for (let j = 0; j < STREAM_TEXTS; j++) data[`s${j}`] = Array.from({ length: m }, () => (rng() < 0.05 ? '' : cats[Math.floor(rng() * cats.length)]!));
      let text = formatCsv(makeTable(Object.keys(data), data));
      if (r0 > 0) text = text.slice(text.indexOf('\n') + 1);
      bytes += Buffer.byteLength(text);
      await fh.write(text);
    }
  } finally {
    await fh.close();
  }
  return bytes;
}

export async function benchStream(n: number): Promise<StreamBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sfw-stream-bench-'));
  try {
    await mkdir(dir, { recursive: true });
    const input = join(dir, 'alice.csv');
    const bytes = await writeStreamData(input, n);
    const self = fileURLToPath(import.meta.url);
    const fromSource = self.endsWith('.ts');
    const child = join(self, '..', `prep-stream-child${fromSource ? '.ts' : '.js'}`);
    const args = [...(fromSource ? ['--import', 'tsx', '--conditions=@sfw/source'] : []), child, input, dir];
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      p.stdout.on('data', (b: Buffer) => chunks.push(b));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`stream bench child exited ${String(code)}`))));
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Omit<StreamBenchResult, 'file_mb' | 'columns' | 'rows'>;
    return { rows: n, columns: STREAM_FLOATS + STREAM_INTS + STREAM_TEXTS, file_mb: Math.round(bytes / 1e5) / 10, ...r };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
