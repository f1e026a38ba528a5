// `pnpm bench worker`: the real worker app (`sfw worker`, apps/worker/dist/cli.js, operator defaults)
// against a Python Celery worker doing the same work per task (apps/bench/py/app_worker.py: check
// the parameters, two status events each PUBLISHed and LPUSHed in one MULTI, extended result, late
// ack), in the same run on one private redis-server (one db and one status channel per worker).
// Throughput: N `execute_task` `hello` messages sent by the Python Celery client onto a staging
// list, RENAMEd onto the queue in one step, timed until the last SUCCESS status event; the worker
// process's CPU time (with its children: prefork) over the drain is reported per task, because
// wall time on a shared 2-core machine is mostly waiting for a core. Latency: one task at a time,
// send -> result ready (p50/p95). Workers are measured in alternating rounds so drifting load hits
// them alike.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CeleryClient } from '@sfw/celery';
import type { BenchSuite } from '../suite.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PY = join(REPO, 'apps/bench/py');
const CLI = join(REPO, 'apps/worker/dist/cli.js');
const QUEUE = 'secretflow_queue';
const EXECUTE = 'tasks.secretflow.execute_task';
const STAGING = 'bench_staging';
const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

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

const TICKS_PER_S = 100; // USER_HZ on Linux

/** User + system CPU seconds of `pid` and its direct children (a prefork pool), from /proc. */
function cpuSecOfTree(pid: number): number {
  const fields = (p: string): string[] | undefined => {
    try {
      const text = readFileSync(`/proc/${p}/stat`, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  // After the command name: [0] state, [1] ppid, ..., [11] utime, [12] stime.
  const cpu = (f: string[]): number => (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  let total = 0;
  const own = fields(String(pid));
  if (own) total += cpu(own);
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const f = fields(p);
    if (f && Number(f[1]) === pid) total += cpu(f);
  }
  return total;
}

/** A private redis-server on a free port (other processes on this machine may run their own Redis). */
async function startRedis(): Promise<{ port: number; redis: ChildProcess }> {
  const from = 20_000 + Math.floor(Math.random() * 20_000);
  const port = await freePort(from, from + 100);
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (redis.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${redis.exitCode})`);
    try {
      await run('redis-cli', ['-p', String(port), 'ping'], { timeout: 5000 });
      return { port, redis };
    } catch {
      await sleep(100);
    }
  }
  redis.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer`);
}

interface WorkerSpec { label: string; start(url: string, channel: string): ChildProcess }

const appWorker = (concurrency: number): WorkerSpec => ({
  label: `app-c${concurrency}`,
  // The operator's command: `sfw worker`, info logging to stdout (discarded here), defaults otherwise.
  start: (url, channel) => spawn(process.execPath, [CLI, 'worker', '--concurrency', String(concurrency)], {
    cwd: REPO, env: { ...process.env, REDIS_URL: url, STATUS_CHANNEL: channel, WORKER_HOSTNAME: 'bench-app@localhost' }, stdio: 'ignore',
  }),
});

const pythonWorker = (pool: 'solo' | 'prefork', concurrency = 1): WorkerSpec => ({
  label: pool === 'solo' ? 'python-solo' : `python-prefork-c${concurrency}`,
  start: (url, channel) => spawn(PYTHON, ['-m', 'celery', '-A', 'app_worker', 'worker', '-Q', QUEUE, `--pool=${pool}`, ...(pool === 'prefork' ? ['-c', String(concurrency)] : []),
    '-l', 'WARNING', '--without-gossip', '--without-mingle', '--without-heartbeat', '-n', `bench-py-${pool}@localhost`], {
    cwd: PY, env: { ...process.env, REDIS_URL: url, STATUS_CHANNEL: channel }, stdio: 'ignore',
  }),
});

// app-c1 (the default: one slot) against the solo pool; app-c2 (two slots, as many as the
// machine's cores) against prefork -c 2.
const WORKERS: WorkerSpec[] = [appWorker(1), appWorker(2), pythonWorker('solo'), pythonWorker('prefork', 2)];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

interface Side {
  w: WorkerSpec;
  url: string;
  channel: string;
  child?: ChildProcess;
  client?: CeleryClient;
  lat: number[];
  drains: Drain[];
}

/** Sequential send -> result ready round trips (ms). */
async function latencyBatch(client: CeleryClient, n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.sendTask(EXECUTE, [`${tag}${i}`, { task_type: 'hello', task_config: { name: `l${i}` } }], { queue: QUEUE });
    await r.get({ timeoutMs: 60_000 });
    out.push(performance.now() - t0);
  }
  return out;
}

/** Counts SUCCESS status events on the side's channel from the moment it subscribes; `reach(n)`
 *  resolves once n have arrived in all. */
async function successCounter(s: Side): Promise<{ reach(n: number, what: string): Promise<void>; close(): Promise<void> }> {
  const sub = s.client!.redis.duplicate();
  let seen = 0;
  let want = Infinity;
  let wake: (() => void) | undefined;
  sub.on('message', (_ch: string, msg: string) => {
    if (msg.includes('"SUCCESS"') && ++seen >= want) wake?.();
  });
  await sub.subscribe(s.channel);
  return {
    async reach(n, what) {
      if (seen >= n) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => {
          wake = r;
          want = n;
        }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${s.w.label}: ${what}: only ${seen}/${n} tasks finished`)), 600_000))),
      ]).finally(() => clearTimeout(timer));
    },
    close: async () => {
      await sub.quit();
    },
  };
}

/** Python Celery client: N execute_task messages onto `queue` of the side's db. */
async function preload(url: string, queue: string, n: number, tag: string): Promise<void> {
  await run(PYTHON, [join(PY, 'app_producer.py'), url, queue, String(n), tag], { cwd: PY, timeout: 300_000 });
}

/** Commands Redis executed (every db; scripts count once, plus the calls they make) and socket
 *  reads it processed: the drains run one at a time, so a drain's difference is its worker's. */
async function redisCounters(client: CeleryClient): Promise<{ calls: number; reads: number }> {
  const cmd = await client.redis.info('commandstats');
  let calls = 0;
  for (const m of cmd.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== 'info' && m[1] !== 'rename' && m[1] !== 'llen') calls += Number(m[2]);
  const stats = await client.redis.info('stats');
  return { calls, reads: Number(/total_reads_processed:(\d+)/.exec(stats)?.[1] ?? Number.NaN) };
}

interface Drain { ms: number; cpuSec: number; redisCpuSec: number; calls: number; reads: number }

/** Drain a pre-loaded queue of n tasks: wall ms from the RENAME to the last SUCCESS, worker and
 *  redis-server CPU s, Redis commands and socket reads. */
async function drain(s: Side, n: number, round: number, redisPid: number): Promise<Drain> {
  const counter = await successCounter(s);
  try {
    await preload(s.url, STAGING, n, `d${round}`);
    const len = await s.client!.redis.llen(STAGING);
    if (len !== n) throw new Error(`${s.w.label}: staged ${len} of ${n} messages`);
    const r0 = await redisCounters(s.client!);
    const cpu0 = cpuSecOfTree(s.child!.pid!);
    const rcpu0 = cpuSecOfTree(redisPid);
    const t0 = performance.now();
    await s.client!.redis.rename(STAGING, QUEUE);
    await counter.reach(n, 'drain');
    const ms = performance.now() - t0;
    const cpuSec = cpuSecOfTree(s.child!.pid!) - cpu0;
    const redisCpuSec = cpuSecOfTree(redisPid) - rcpu0;
    const r1 = await redisCounters(s.client!);
    // Less the INFO calls' own share (two per reading, each one read).
    return { ms, cpuSec, redisCpuSec, calls: r1.calls - r0.calls, reads: r1.reads - r0.reads - 2 };
  } finally {
    await counter.close();
  }
}

const suite: BenchSuite = {
  name: 'worker',
  description: '`sfw worker` (real CLI) vs a Python Celery worker doing the same work: execute_task hello, drain tasks/s, CPU per task, p50/p95 latency',
  async run({ quick, emit }) {
    const nDrain = quick ? 300 : 3000;
    const nLatency = quick ? 60 : 300;
    const rounds = quick ? 2 : 5;
    const { port, redis } = await startRedis();
    const sides: Side[] = WORKERS.map((w, db) => ({ w, url: `redis://127.0.0.1:${port}/${db}`, channel: `bench:task_status:${w.label}`, lat: [], drains: [] }));
    try {
      for (const s of sides) {
        s.child = s.w.start(s.url, s.channel);
        s.client = new CeleryClient({ redisUrl: s.url });
      }
      // Warm up (also waits until each worker consumes): a small pre-loaded batch.
      for (const s of sides) {
        const counter = await successCounter(s);
        await preload(s.url, QUEUE, 50, 'warm');
        await counter.reach(50, 'warm-up');
        await counter.close();
      }
      for (let r = 0; r < rounds; r++) {
        for (const s of sides) s.lat.push(...(await latencyBatch(s.client!, Math.ceil(nLatency / rounds), `l${r}-`)));
      }
      for (let r = 0; r < (quick ? 1 : 2); r++) {
        for (const s of sides) s.drains.push(await drain(s, nDrain, r, redis.pid!));
      }
      for (const s of sides) {
        const lat = [...s.lat].sort((a, b) => a - b);
        const best = s.drains.reduce((a, b) => (b.ms < a.ms ? b : a));
        const cpuPerTaskUs = s.drains.map((d) => Math.round((d.cpuSec / nDrain) * 1e6));
        emit({
          suite: 'worker', case: 'execute-hello', worker: s.w.label, n: nDrain,
          median_ms: r4(pct(lat, 50)), p10_ms: r4(pct(lat, 10)), p90_ms: r4(pct(lat, 90)), p95_ms: r4(pct(lat, 95)), p99_ms: r4(pct(lat, 99)), reps: lat.length,
          tasks_per_s: Math.round((nDrain / best.ms) * 1000 * 10) / 10, drains_ms: s.drains.map((d) => r4(d.ms)),
          worker_cpu_us_per_task: cpuPerTaskUs, worker_cpu_s: s.drains.map((d) => r4(d.cpuSec)),
          redis_cpu_us_per_task: s.drains.map((d) => Math.round((d.redisCpuSec / nDrain) * 1e6)),
          redis_calls_per_task: s.drains.map((d) => Math.round((d.calls / nDrain) * 100) / 100),
          redis_reads_per_task: s.drains.map((d) => Math.round((d.reads / nDrain) * 100) / 100),
        });
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
