// `pnpm bench worker`: hello tasks through a private Redis, TS worker vs Debian's Python Celery
// worker (solo pool) in the same run. Throughput: a burst of N tasks published at once, timed from
// the first publish to the last SUCCESS seen on pub/sub. Latency: one task at a time, send -> get().
// All workers get the same producer (the @sfw/celery client) and the same redis-server (one db each) and
// are measured in alternating rounds; figures taken on a shared 2-core machine are noisy.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CeleryClient } from '@sfw/celery';
import type { BenchSuite } from '../suite.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const COMPAT = join(REPO, 'apps/worker/test/compat');
const QUEUE = 'secretflow_queue';
const HELLO = 'tasks.secretflow.hello';
const STAGING = 'bench_staging';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(from: number, to: number): Promise<number> {
  for (let p = from; p <= to; p++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return p;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface WorkerSpec { label: string; start(url: string): ChildProcess }

const tsWorker = (concurrency: number): WorkerSpec => ({
  label: `ts-c${concurrency}`,
  // The compat fixture worker (@sfw/celery); c1 matches the solo pool's one task at a time.
  start: (url) => spawn(process.execPath, ['--import', 'tsx', '--conditions=@sfw/source', join(COMPAT, 'fixture-worker.ts')], {
    cwd: REPO, env: { ...process.env, REDIS_URL: url, SFW_CONCURRENCY: String(concurrency), SFW_HOSTNAME: 'bench-ts@localhost' }, stdio: 'ignore',
  }),
});

const WORKERS: WorkerSpec[] = [
  tsWorker(1),
  tsWorker(4),
  {
    label: 'python-solo',
    start: (url) => spawn('/usr/bin/python3', ['-m', 'celery', '-A', 'stub', 'worker', '-Q', QUEUE, '--pool=solo', '-l', 'WARNING',
      '--without-gossip', '--without-mingle', '-n', 'bench-py@localhost'], { cwd: join(COMPAT, 'py'), env: { ...process.env, REDIS_URL: url }, stdio: 'ignore' }),
  },
];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Sequential send -> get() round trips (ms). */
async function latencyBatch(client: CeleryClient, n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.sendTask(HELLO, [`${tag}${i}`], { queue: QUEUE });
    await r.get({ timeoutMs: 30_000 });
    out.push(performance.now() - t0);
  }
  return out;
}

/** Stage a burst on another list, then RENAME it onto the queue in one step, so the clock measures
 *  the worker draining N waiting tasks, not the producer. Returns ms until the last SUCCESS. */
async function burst(client: CeleryClient, n: number, label: string): Promise<number> {
  const sub = client.redis.duplicate();
  try {
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    sub.on('pmessage', (_p: string, _ch: string, msg: string) => {
      if (msg.includes('"SUCCESS"') && ++done === n) finished();
    });
    await sub.psubscribe('celery-task-meta-*');
    await Promise.all(Array.from({ length: n }, (_, i) => client.sendTask(HELLO, [`t${i}`], { queue: STAGING })));
    const t0 = performance.now();
    await client.redis.rename(STAGING, QUEUE);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: only ${done}/${n} tasks finished`)), 300_000);
    });
    await Promise.race([all, timeout]).finally(() => clearTimeout(timer));
    return performance.now() - t0;
  } finally {
    await sub.quit();
  }
}

const suite: BenchSuite = {
  name: 'worker',
  description: 'hello tasks through Redis: TS worker vs Python Celery (solo pool), throughput and p50/p99 latency',
  async run({ quick, emit }) {
    const nBurst = quick ? 200 : 2000;
    const nLatency = quick ? 60 : 300;
    const rounds = quick ? 3 : 5;
    const port = await freePort(6380, 6389);
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    // All workers run at once, each on its own Redis db, and the measurements alternate between
    // them in rounds, so drifting machine load (2 shared cores) hits every worker alike.
    const sides = WORKERS.map((w, db) => ({ w, url: `redis://127.0.0.1:${port}/${db}`, child: undefined as ChildProcess | undefined, client: undefined as CeleryClient | undefined, lat: [] as number[], bursts: [] as number[] }));
    try {
      await sleep(300);
      for (const s of sides) {
        s.child = s.w.start(s.url);
        s.client = new CeleryClient({ redisUrl: s.url });
      }
      // Warm up (also waits until each worker consumes).
      for (const s of sides) for (let i = 0; i < 5; i++) await (await s.client!.sendTask(HELLO, ['warm'], { queue: QUEUE })).get({ timeoutMs: 60_000 });
      for (let r = 0; r < rounds; r++) {
        for (const s of sides) s.lat.push(...(await latencyBatch(s.client!, Math.ceil(nLatency / rounds), `l${r}-`)));
      }
      for (let r = 0; r < (quick ? 1 : 2); r++) {
        for (const s of sides) s.bursts.push(await burst(s.client!, nBurst, s.w.label));
      }
      for (const s of sides) {
        const lat = [...s.lat].sort((a, b) => a - b);
        emit({ suite: 'worker', case: 'hello-latency', worker: s.w.label, n: lat.length, median_ms: r4(pct(lat, 50)), p10_ms: r4(pct(lat, 10)), p90_ms: r4(pct(lat, 90)), p99_ms: r4(pct(lat, 99)), reps: lat.length });
        const ms = Math.min(...s.bursts);
        emit({ suite: 'worker', case: 'hello-throughput', worker: s.w.label, n: nBurst, median_ms: r4(ms / nBurst), tasks_per_s: Math.round((nBurst / ms) * 1000 * 10) / 10, total_ms: r4(ms), bursts_ms: s.bursts.map(r4), reps: s.bursts.length });
      }
    } finally {
      for (const s of sides) {
        await s.client?.close();
        if (s.child) await stop(s.child);
      }
      await stop(redis);
    }
  },
};

export default suite;
