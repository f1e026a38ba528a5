// The runs behind `pnpm bench psi` (suites/psi.ts) for PROTOCOL_KKRT: the full two-party job (CSV in,
// aligned CSVs out) either on a real Cluster (each party on its own thread, as the psi task runs)
// or in one thread over an in-memory link. Reports wall time, bytes sent (both directions) and
// peak RSS of the process (both parties together).
import { randomUUID } from 'node:crypto';
import { Cluster } from '@sfw/runtime';
import { memoryLinkPair, PSI_DEVICE_MODULE, runPsiParty } from '@sfw/jobs-psi';
import type { PartyOutcome, PartyPlan, PsiLink, PsiPartyReport, PsiProtocol } from '@sfw/jobs-psi';
import { mkdtempSync, readdirSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface PsiJobBenchResult {
  n: number;
  protocol: PsiProtocol;
  ms: number;
  intersection: number;
  bytes_sent: number;
  bytes_per_element: number;
  buckets: number;
  peak_rss_mb: number;
  /** CPU time of the whole process (all threads, user + system): steadier than wall time on a shared machine. */
  cpu_ms: number;
  /**
   * Cluster mode on Linux (NaN otherwise): CPU of the threads started during the run (ECDH: the
   * curve pools) and of the threads that were there before it (the party threads, the driver, V8's
   * helpers), read from /proc/self/task once a second (10 ms ticks).
   */
  new_threads_cpu_ms: number;
  old_threads_cpu_ms: number;
}

/** Per-thread CPU (ms) of this process from /proc/self/task; empty where /proc is missing. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(f[11]) + Number(f[12])) * 10); // utime + stime in 10 ms ticks
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Keys of the i-th synthetic row: the first n/2 shared by both sides (50% overlap), all unique. */
function keyOf(side: 'a' | 'b', i: number, n: number): string {
  const shared = i < n >> 1;
  const tag = shared ? 'c' : side;
  // A cheap mixing step so keys are not sorted by value.
  const mix = (Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
  return `id-${tag}${mix}-${i}`;
}

async function writeSide(path: string, side: 'a' | 'b', n: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,v\n');
  let buf = '';
  for (let i = 0; i < n; i += 1) {
    buf += `${keyOf(side, i, n)},${i}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

export interface PsiJobBenchOptions {
  readonly bucketSize?: number;
  /** 'cluster' (default): party threads of a runtime Cluster; 'inline': both parties on this thread. */
  readonly mode?: 'cluster' | 'inline';
  /** ECDH curve threads per party. */
  readonly threads?: number;
}

/** One full run at n keys per side; checks the intersection size (n/2) before reporting. */
export async function benchPsiJob(n: number, protocol: PsiProtocol, o: PsiJobBenchOptions = {}): Promise<PsiJobBenchResult> {
  const bucketSize = o.bucketSize ?? 1 << 20;
  const dir = mkdtempSync(join(tmpdir(), 'sfw-psi-bench-'));
  try {
    await writeSide(join(dir, 'a.csv'), 'a', n);
    await writeSide(join(dir, 'b.csv'), 'b', n);
    let bytes = 0;
    const plan = (self: 'alice' | 'bob'): PartyPlan => ({
      self, peer: self === 'alice' ? 'bob' : 'alice', selfIsDs1: self === 'alice',
      path: join(dir, self === 'alice' ? 'a.csv' : 'b.csv'), keys: ['id'],
      ownKeysDuplicated: true, peerKeysDuplicated: true, joinType: 'inner_join', leftSide: null,
      selfReceives: true, peerReceives: true, sortResult: true, allowEmptyResult: false,
      outputPath: join(dir, `${self}.out.csv`), bucketSize, batchSize: 4096, protocol,
      ...(o.threads === undefined ? {} : { threads: o.threads }),
    });
    let peak = process.memoryUsage.rss();
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
    // Last seen CPU per thread: the curve pools' threads end before the run does.
    let before = new Map<string, number>();
    const seen = new Map<string, number>();
    const look = () => threadCpu().forEach((v, tid) => seen.set(tid, v));
    const threadTimer = setInterval(look, 1000);
    let cluster: Cluster | null = null;
    let t0 = performance.now();
    let cpu0 = process.cpuUsage();
    let reports: PsiPartyReport[];
    try {
      if (o.mode === 'inline') {
        const [la, lb] = memoryLinkPair();
        const count = (l: PsiLink): PsiLink => ({ send: (d) => ((bytes += d.length), l.send(d)), recv: () => l.recv() });
        reports = await Promise.all([
          runPsiParty({ link: count(la), taskDir: dir }, plan('alice')),
          runPsiParty({ link: count(lb), taskDir: dir }, plan('bob')),
        ]);
      } else {
        cluster = await Cluster.start({ parties: ['alice', 'bob'], modules: [PSI_DEVICE_MODULE] });
        await cluster.beginTask(`psi-bench-${randomUUID()}`);
        const runId = randomUUID();
        t0 = performance.now();
        cpu0 = process.cpuUsage();
        before = threadCpu();
        const outcomes = await Promise.all([plan('alice'), plan('bob')].map((p) => cluster!.pyu(p.self).call<PartyOutcome>('psi.run', p, runId).get()));
        reports = outcomes.map((r) => {
          if (!r.ok) throw new Error(`benchmark run failed: ${r.message}`);
          return r.report;
        });
        bytes = Number.NaN; // the party-thread links keep no byte counters; 'inline' mode counts them
      }
    } finally {
      look();
      clearInterval(timer);
      clearInterval(threadTimer);
      if (cluster) {
        await cluster.endTask();
        await cluster.shutdown();
      }
    }
    const [ra, rb] = reports as [PsiPartyReport, PsiPartyReport];
    let newMs = 0;
    let oldMs = 0;
    for (const [tid, v] of seen) {
      const b = before.get(tid);
      if (b === undefined) newMs += v;
      else oldMs += v - b;
    }
    const perThread = seen.size > 0 && o.mode !== 'inline';
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage.rss());
    if (ra.intersection_count !== n >> 1 || rb.intersection_count !== n >> 1) {
      throw new Error(`benchmark check failed: intersection ${ra.intersection_count}/${rb.intersection_count}, expected ${n >> 1}`);
    }
    return {
      n, protocol, ms, intersection: ra.intersection_count, bytes_sent: bytes, bytes_per_element: bytes / n,
      buckets: Math.ceil(n / bucketSize), peak_rss_mb: Math.round(peak / 2 ** 20), cpu_ms: (cpu.user + cpu.system) / 1000,
      new_threads_cpu_ms: perThread ? newMs : Number.NaN, old_threads_cpu_ms: perThread ? oldMs : Number.NaN,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
