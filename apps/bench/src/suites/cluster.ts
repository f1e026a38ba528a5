// The runtime through real threads (@sfw/runtime, built JS): cluster start + device init, per-task
// reset, a PYU round trip, and SEMI2K fixed-point mul / matmul with traffic from the link counters.
// Timings on a shared machine are noisy; compare medians from the same run only.
// SFW_BENCH_CLUSTER_CASES=spu-mul,spu-matmul keeps only those cases (start+init, worker-start,
// task-reset, pyu-round-trip, spu-mul, spu-matmul). The SPU cases record each cluster thread's CPU
// time and page faults per op (`threads`, by the `sfw:<label>` name every cluster thread gives itself).
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Cluster, type ClusterOptions, type SpuObject, type SpuRunStats } from '@sfw/runtime';
import { onlyCases, timeIt, type BenchRecord, type BenchSuite } from '../suite.ts';

const SPU = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;

/** Rank 0's traffic: bytes it sent and messages to rank 1 (one per communication round for 2 ranks). */
function traffic(stats: SpuRunStats): Pick<BenchRecord, 'bytes_sent' | 'rounds'> & { dealer_bytes: number } {
  const r0 = stats.ranks[0]!;
  return { bytes_sent: r0.stats.bytesSent, rounds: r0.sentTo[1] ?? 0, dealer_bytes: stats.dealer?.stats.bytesSent ?? 0 };
}

/** Start `n` empty worker_threads at once and hear from each: wall and process CPU (ms), the Node floor. */
async function bareWorkers(n: number): Promise<{ wall: number; cpu: number }> {
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const ws = Array.from({ length: n }, () => new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  const wall = performance.now() - t0;
  const u = process.cpuUsage(u0);
  await Promise.all(ws.map((w) => w.terminate()));
  return { wall, cpu: (u.user + u.system) / 1000 };
}

interface ThreadUsage {
  /** CPU time, ms (schedstat's run time in ns; else user + system clock ticks of 10 ms) */
  cpu_ms: number;
  /** minor page faults (first touches of fresh memory) */
  faults: number;
}

/**
 * CPU time and minor faults of this process's threads, summed by thread name (`sfw:spu:rank0`, ...;
 * threads Node or V8 started are summed under their own names). Empty where there is no /proc.
 */
function threadUsage(): Map<string, ThreadUsage> {
  const out = new Map<string, ThreadUsage>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt(7), cminflt, majflt, cmajflt, utime(11), stime(12)
    let ns = NaN;
    try {
      ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // kernel without schedstat: clock ticks below
    }
    const u = out.get(name) ?? { cpu_ms: 0, faults: 0 };
    u.cpu_ms += Number.isFinite(ns) ? ns / 1e6 : (Number(f[11]) + Number(f[12])) * tick;
    u.faults += Number(f[7]);
    out.set(name, u);
  }
  return out;
}

/** Per-op usage of the cluster's named threads between two threadUsage() snapshots, and every thread's faults. */
function usagePerOp(a: Map<string, ThreadUsage>, b: Map<string, ThreadUsage>, ops: number): { threads: Record<string, ThreadUsage>; faults: number } {
  const threads: Record<string, ThreadUsage> = {};
  let faults = 0;
  for (const [name, u] of b) {
    const u0 = a.get(name) ?? { cpu_ms: 0, faults: 0 };
    faults += u.faults - u0.faults;
    if (!name.startsWith('sfw:')) continue;
    threads[name.slice(4)] = { cpu_ms: Math.round(((u.cpu_ms - u0.cpu_ms) / ops) * 10) / 10, faults: Math.round((u.faults - u0.faults) / ops) };
  }
  return { threads, faults: Math.round(faults / ops) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** One Cluster.start: its own clock (wall) and the process CPU it used (every thread). */
async function startOnce(options: ClusterOptions): Promise<{ wall: number; cpu: number }> {
  const u0 = process.cpuUsage();
  const c = await Cluster.start(options);
  const u = process.cpuUsage(u0);
  const wall = c.startMs;
  await c.shutdown();
  return { wall, cpu: (u.user + u.system) / 1000 };
}

/**
 * The worker app's cluster (every job package's device module, as `sfw worker` starts it) against
 * the runtime's own cluster and bare threads, alternating in the same minutes. `linked`: the worker's
 * build-time thread bundle (job modules compiled in, code-cached, evaluated on first use); `esm`: the
 * same modules imported by URL in every thread (what a cluster without the bundle does).
 */
async function workerClusterStart(quick: boolean, emit: (r: BenchRecord) => void): Promise<void> {
  // The worker app's own wiring (imported here only: it loads the app's dependencies).
  const { registerJobs, WORKER_THREAD_BUNDLE } = await import('@sfw/worker');
  const parties = ['alice', 'bob'];
  const modules = registerJobs().registry.deviceModules();
  const kinds: Record<string, ClusterOptions> = {
    builtin: { parties, spu: SPU },
    linked: { parties, spu: SPU, modules, threadBundle: WORKER_THREAD_BUNDLE },
    esm: { parties, spu: SPU, modules },
  };
  const threads = 2 * parties.length + 1;
  const got: Record<string, { wall: number[]; cpu: number[] }> = { bare: { wall: [], cpu: [] } };
  for (const k of Object.keys(kinds)) got[k] = { wall: [], cpu: [] };
  await bareWorkers(threads);
  for (const o of Object.values(kinds)) await startOnce(o); // warm-up (and the main thread's imports)
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const b = await bareWorkers(threads);
    got.bare!.wall.push(b.wall);
    got.bare!.cpu.push(b.cpu);
    for (const [k, o] of Object.entries(kinds)) {
      const r = await startOnce(o);
      got[k]!.wall.push(r.wall);
      got[k]!.cpu.push(r.cpu);
    }
  }
  const bareWall = median(got.bare!.wall);
  const bareCpu = median(got.bare!.cpu);
  for (const k of Object.keys(kinds)) {
    const wall = median(got[k]!.wall);
    const cpu = median(got[k]!.cpu);
    emit({
      suite: 'cluster', case: `start+init worker:${k}`, n: parties.length, parties: parties.length, threads, modules: k === 'builtin' ? 0 : modules.length,
      median_ms: wall, reps: got[k]!.wall.length, cpu_ms: cpu, bare_workers_ms: bareWall, bare_workers_cpu_ms: bareCpu,
      ratio_wall: Number((wall / bareWall).toFixed(3)), ratio_cpu: Number((cpu / bareCpu).toFixed(3)),
      note: 'the worker app\'s cluster start (all job device modules): linked = its thread bundle, esm = modules imported per thread, builtin = no job modules; bare = empty worker_threads, alternating; target: ratio <= 1.2',
    });
  }
}

const suite: BenchSuite = {
  name: 'cluster',
  description: 'Runtime threads: cluster start + device init (2/3 parties + SPU ranks + dealer), per-task reset, PYU round trip, SPU mul 2^20 and matmul 1000^2',
  async run({ quick, emit }) {
    const only = onlyCases('SFW_BENCH_CLUSTER_CASES');
    const want = (c: string): boolean => only === undefined || only.includes(c);
    for (const parties of want('start+init') ? [['alice', 'bob'], ['alice', 'bob', 'carol']] : []) {
      const t = await timeIt(async () => {
        const c = await Cluster.start({ parties, spu: SPU });
        await c.shutdown();
      }, { reps: quick ? 3 : 7, warmup: 1 });
      // timeIt includes shutdown; measure start alone from the cluster's own clock as well, and the
      // process CPU time it used (all threads are in this process): CPU time is what a loaded machine
      // cannot hide, wall time is what the target is about. The floor (the same number of empty
      // worker_threads started at once) is measured alternately with the cluster, in the same minutes.
      const starts: number[] = [];
      const cpus: number[] = [];
      const bareWall: number[] = [];
      const bareCpu: number[] = [];
      const threads = 2 * parties.length + 1;
      await bareWorkers(threads); // warm-up
      for (let i = 0; i < (quick ? 3 : 7); i++) {
        const u0 = process.cpuUsage();
        const c = await Cluster.start({ parties, spu: SPU });
        const u = process.cpuUsage(u0);
        starts.push(c.startMs);
        cpus.push((u.user + u.system) / 1000);
        await c.shutdown();
        const b = await bareWorkers(threads);
        bareWall.push(b.wall);
        bareCpu.push(b.cpu);
      }
      starts.sort((a, b) => a - b);
      const [wall, cpu, floorWall, floorCpu] = [median(starts), median(cpus), median(bareWall), median(bareCpu)];
      emit({
        suite: 'cluster', case: 'start+init', n: parties.length, parties: parties.length, threads,
        median_ms: wall, p10_ms: starts[0]!, p90_ms: starts[starts.length - 1]!, reps: starts.length,
        cpu_ms: cpu, start_plus_shutdown_ms: t.median_ms, target_ms: 100,
        bare_workers_ms: floorWall, bare_workers_cpu_ms: floorCpu,
        ratio_wall: Number((wall / floorWall).toFixed(3)), ratio_cpu: Number((cpu / floorCpu).toFixed(3)),
        note: 'bare_workers_*: the same number of empty worker_threads started at once, alternating with the cluster starts (Node floor on this machine); target: ratio <= 1.2',
      });
    }

    if (want('worker-start')) await workerClusterStart(quick, emit);

    const cluster = await Cluster.start({ parties: ['alice', 'bob'], spu: SPU });
    try {
      let k = 0;
      if (want('task-reset')) {
        emit({ suite: 'cluster', case: 'task-reset', n: 1, parties: 2, ...(await timeIt(async () => {
          await cluster.beginTask(`bench-${k++}`);
          await cluster.endTask();
        }, { reps: quick ? 10 : 50 })) });
      }

      if (want('pyu-round-trip')) {
        await cluster.beginTask('bench-pyu');
        const alice = cluster.pyu('alice');
        emit({ suite: 'cluster', case: 'pyu-round-trip', n: 1, parties: 2, ...(await timeIt(() => alice.call('builtin.identity', 1).get(), { reps: quick ? 20 : 200, warmup: 5 })) });
        await cluster.endTask();
      }

      const spu = cluster.spu();
      const mulN = quick ? 1 << 16 : 1 << 20;
      const mmN = quick ? 100 : 1000;
      const cases: Array<[string, number, number[], string]> = [
        ['spu-mul', mulN, [mulN], 'builtin.mul'],
        ['spu-matmul', mmN, [mmN, mmN], 'builtin.matmul'],
      ];
      for (const [name, n, shape, program] of cases) {
        if (!want(name)) continue;
        await cluster.beginTask(`bench-${name}`);
        const x = cluster.pyu('alice').call('builtin.pattern', shape, 0).to(spu);
        const y = cluster.pyu('bob').call('builtin.pattern', shape, 7).to(spu);
        await Promise.all([x.ready, y.ready]);
        let last: SpuObject | undefined;
        // Process CPU covers every thread of the cluster (ranks, dealer, their kernel threads).
        // cpu_ms includes the warm-up op (first touches of the run's memory); cpu_timed_ms, `threads`
        // and `faults` (process-wide minor faults) are per op over the timed ops only.
        let cpu = 0;
        let cpuTimed = 0;
        let calls = 0;
        let before = new Map<string, ThreadUsage>();
        const t = await timeIt(async () => {
          if (calls++ === 1) before = threadUsage();
          const c0 = process.cpuUsage();
          [last] = spu.run(program, [x, y]);
          await last!.ready;
          const d = process.cpuUsage(c0);
          cpu += (d.user + d.system) / 1000;
          if (calls > 1) cpuTimed += (d.user + d.system) / 1000;
        }, { reps: quick ? 2 : 5, warmup: 1 });
        const usage = usagePerOp(before, threadUsage(), t.reps);
        const cpu_ms = Math.round((cpu / (t.reps + 1)) * 100) / 100;
        const cpu_timed_ms = Math.round((cpuTimed / t.reps) * 100) / 100;
        emit({ suite: 'cluster', case: name, n, field: 'FM64', parties: 2, ...t, cpu_ms, cpu_timed_ms, faults: usage.faults, threads: usage.threads, ...traffic(await last!.stats!) });
        await cluster.endTask();
      }
    } finally {
      await cluster.shutdown();
    }
  },
};

export default suite;
