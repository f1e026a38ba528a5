// Cross-silo over real processes: alice, bob and the TTP dealer as three OS processes linked by
// mutual TLS, beside the in-process cluster (threads of one process) measured in the same run.
// Links: plain loopback, then two WAN profiles (1 Gbit/s + 0.2 ms RTT, 100 Mbit/s + 20 ms RTT). For a
// WAN profile every host gets a network namespace of its own, hosts are joined pairwise by veth links
// (wan/netns.ts), and the project's shaping proxy (wan/shaping-proxy.ts; this kernel has no netem)
// sits in the dialling host's namespace in front of each link. Without root or iproute2 the profile
// runs on loopback through the same proxies and every record says so (`netns: false`, `netns_note`).
// Cases: plain TLS stream (the ceiling), link MiB/s thread to thread, SEMI2K mul and matmul, PSI and
// the breast_cancer pipeline through the worker CLI. CPU-s summed over the hosts' processes (every
// thread) are the comparable figure on a shared machine; the load average is in every record.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Cluster } from '@sfw/runtime';
import { freePorts } from '@sfw/testkit';
import type { BenchSuite, BenchRecord } from '../suite.ts';
import { BLAST_MODULE, runCase, SPU, type CaseName } from '../wan/cases.ts';
import { prepareJobs, runJob, type JobName, type JobRun } from '../wan/jobs.ts';
import { tryNetns, type NetnsTopology } from '../wan/netns.ts';
import type { LinkProfile } from '../wan/shaping-proxy.ts';
import type { WanCommand, WanHostConfig } from '../wan/party.ts';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const script = (name: string): string => fileURLToPath(new URL(`../wan/${name}${ext}`, import.meta.url));
const MAKE_CERTS = fileURLToPath(new URL('../../../../examples/cross-silo/make-certs.sh', import.meta.url));
const WORKER_CLI = fileURLToPath(new URL('../../../worker/dist/cli.js', import.meta.url));
const PROFILES: (LinkProfile | null)[] = [null, { name: '1gbit-0.2ms', mbitPerSec: 1000, rttMs: 0.2 }, { name: '100mbit-20ms', mbitPerSec: 100, rttMs: 20 }];
const HOSTS = ['alice', 'bob', 'dealer'] as const;
/** Optional subsets (comma lists): SFW_BENCH_WAN_CASES of in-process,ceiling,blast,mul,matmul,psi,pipeline; SFW_BENCH_WAN_PROFILES of the link names (tls-loopback,1gbit-0.2ms,100mbit-20ms). */
const pick = (v: string | undefined): ((name: string) => boolean) => {
  const set = v === undefined || v === '' ? null : new Set(v.split(','));
  return (name) => set === null || set.has(name);
};
const wantCase = pick(process.env['SFW_BENCH_WAN_CASES']);
const wantProfile = pick(process.env['SFW_BENCH_WAN_PROFILES']);
/** Extra node flags for the host processes (e.g. `--cpu-prof --cpu-prof-dir=DIR`; NODE_OPTIONS refuses those). */
const NODE_ARGS = (process.env['SFW_BENCH_WAN_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
type HostName = (typeof HOSTS)[number];

/** Every process this suite starts, killed on any exit (the namespaces go in netns.ts's handler). */
const children = new Set<ChildProcess>();
const killAll = (): void => {
  for (const c of children) c.kill('SIGKILL');
};

function start(argv: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; next(): Promise<Record<string, unknown>>; send(o: unknown): void } {
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    next: async () => {
      const r = await lines.next();
      if (r.done === true) throw new Error(`${argv.slice(-3).join(' ')} exited`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
    send: (o) => void child.stdin!.write(`${JSON.stringify(o)}\n`),
  };
}

const exited = (c: ChildProcess): Promise<unknown> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Where the hosts of one profile live and how one reaches another. */
interface WanEnv {
  readonly link: string;
  readonly netns: boolean;
  readonly note: string | undefined;
  exec(host: HostName): string[];
  listen(host: HostName, port: number): string;
  /** The address `from` dials to reach `to`'s listener on `port` (a shaping proxy when shaped). */
  route(from: HostName, to: HostName, port: number): Promise<string>;
  close(): void;
}

async function makeEnv(profile: LinkProfile | null): Promise<WanEnv> {
  const link = profile?.name ?? 'tls-loopback';
  const net: { topology: NetnsTopology } | { reason: string } = profile ? tryNetns(HOSTS, `${process.pid}`) : { reason: '' };
  const topo = 'topology' in net ? net.topology : null;
  const proxies = new Map<string, Promise<string>>();
  const procs: ChildProcess[] = [];
  const exec = (h: HostName): string[] => topo?.exec(h) ?? [];
  return {
    link,
    netns: topo !== null,
    note: profile && 'reason' in net ? `${net.reason}; ran on loopback through the shaping proxies` : undefined,
    exec,
    listen: (_h, port) => `${topo ? '0.0.0.0' : '127.0.0.1'}:${port}`,
    route: (from, to, port) => {
      if (!profile) return Promise.resolve(`127.0.0.1:${port}`);
      const key = `${from}>${to}:${port}`;
      let p = proxies.get(key);
      if (!p) {
        const target = `${topo ? topo.addressOf(to, from) : '127.0.0.1'}:${port}`;
        const proxy = start([...exec(from), process.execPath, script('shaping-proxy'), target, String(profile.mbitPerSec), String(profile.rttMs)]);
        procs.push(proxy.child);
        p = proxy.next().then((o) => `127.0.0.1:${String(o['port'])}`);
        proxies.set(key, p);
      }
      return p;
    },
    close: () => {
      for (const c of procs) c.kill('SIGKILL');
      topo?.close();
    },
  };
}

const suite: BenchSuite = {
  name: 'wan',
  description: 'Cross-silo: alice, bob and the dealer as processes over mutual TLS, on loopback and in network namespaces joined by veth links through a WAN-shaping proxy (1 Gbit/s 0.2 ms, 100 Mbit/s 20 ms RTT): TLS ceiling, link MiB/s, SEMI2K mul 2^20, matmul 1000^3, PSI 2^16, breast_cancer pipeline, beside in-process',
  async run({ quick, emit }) {
    if (!existsSync(WORKER_CLI)) throw new Error(`the job cases run the built worker CLI (${WORKER_CLI}): pnpm run build first`);
    const size: Record<CaseName | JobName | 'ceiling', number> = {
      ceiling: quick ? 32 : 256, blast: quick ? 32 : 256, mul: quick ? 1 << 16 : 1 << 20, matmul: quick ? 100 : 1000, psi: quick ? 1 << 10 : 1 << 16, pipeline: 545,
    };
    const reps = { blast: quick ? 2 : 3, mul: quick ? 2 : 3, matmul: quick ? 1 : 2 };
    const put: Put = (r) => emit({ suite: 'wan', ...r, load1: r3(loadavg()[0]!) });
    process.once('exit', killAll);
    const work = mkdtempSync(join(tmpdir(), 'sfw-wan-'));
    try {
      prepareJobs(work, size.psi);
      execFileSync('bash', [MAKE_CERTS, join(work, 'certs'), ...HOSTS], { stdio: 'ignore' });
      if (wantCase('in-process')) await inProcess(size, reps, work, put);
      for (const profile of PROFILES) if (wantProfile(profile?.name ?? 'tls-loopback')) await overLinks(profile, size, reps, work, put);
    } finally {
      killAll();
      process.off('exit', killAll);
      rmSync(work, { recursive: true, force: true });
    }
  },
};

/** A record before the suite name and load are added. */
type Fig = Omit<BenchRecord, 'suite'> & Pick<BenchRecord, 'case' | 'n' | 'median_ms' | 'reps'>;
type Put = (r: Fig) => void;

/** The reference: every party a thread of this process (MessagePorts), same cases and sizes. */
async function inProcess(size: Record<string, number>, reps: Record<string, number>, work: string, put: Put): Promise<void> {
  const local = await Cluster.start({ parties: ['alice', 'bob'], spu: SPU, modules: [BLAST_MODULE] });
  try {
    for (const name of ['blast', 'mul', 'matmul'] as const) {
      await local.beginTask(`wan-local-${name}`);
      const r = await runCase(local, name, size[name]!, reps[name]!);
      await local.endTask();
      const { cpu_s_per_rep, ...fig } = r;
      put({ case: name, link: 'in-process', n: size[name]!, ...(fig as { median_ms: number; reps: number }), cpu_s: r3(Number(cpu_s_per_rep)) });
    }
  } finally {
    await local.shutdown();
  }
  for (const job of ['psi', 'pipeline'] as const) {
    const r = await runJob(work, 'local', job, `wan-local-${job}`, {});
    put(jobRecord(job, 'in-process', size[job]!, [r]));
  }
}

function jobRecord(job: JobName, link: string, n: number, runs: readonly JobRun[]): Fig {
  const bad = runs.find((r) => !r.ok);
  if (bad) throw new Error(`${job} over ${link}: ${bad.error ?? 'failed'}`);
  const res = runs[0]!.result!;
  const steps = (res.result as { steps?: { name: string; time_ms: number; result?: { summary?: { auc?: number } } }[] } | undefined)?.steps;
  const report = (res.result as { report?: { rows?: { intersection_count?: number }[] } } | undefined)?.report;
  const inter = report?.rows?.[0]?.intersection_count;
  if (job === 'psi' && inter !== n / 2) throw new Error(`psi over ${link}: intersection ${String(inter)}, expected ${n / 2}`);
  return {
    case: job, link, n, reps: 1,
    median_ms: r3(Math.max(...runs.map((r) => r.wall_ms))),
    task_ms: r3(res.performance_metrics?.total_time_ms ?? 0),
    algorithm_ms: r3(res.performance_metrics?.algorithm_time_ms ?? 0),
    cpu_s: r3(runs.reduce((a, r) => a + r.cpu_s, 0)),
    ...(steps ? { steps_ms: Object.fromEntries(steps.map((s) => [s.name, r3(s.time_ms)])), auc: steps.find((s) => s.name === 'eval')?.result?.summary?.auc } : {}),
  };
}

/** One link profile: ceiling, the cluster cases on party hosts, then the jobs through the CLI. */
async function overLinks(profile: LinkProfile | null, size: Record<string, number>, reps: Record<string, number>, work: string, put: Put): Promise<void> {
  const env = await makeEnv(profile);
  const certDir = join(work, 'certs');
  const tag = {
    ...(profile ? { mbit_per_s: profile.mbitPerSec, rtt_ms: profile.rttMs } : {}),
    netns: env.netns,
    ...(env.note === undefined ? {} : { netns_note: env.note }),
  };
  try {
    const [alicePort, bobPort, dealerPort] = (await freePorts(3)) as [number, number, number];
    const port = { alice: alicePort, bob: bobPort, dealer: dealerPort };
    const node = (h: HostName, name: string, ...args: string[]): string[] => [...env.exec(h), process.execPath, ...NODE_ARGS, script(name), ...args];

    // Ceiling: a plain TLS stream alice -> bob over the same path.
    if (wantCase('ceiling')) {
    const server = start(node('alice', 'tls-stream', 'serve', env.listen('alice', port.alice), 'alice', String(size['ceiling'])), { SFW_WAN_CERTS: certDir });
    await server.next();
    const client = start(node('bob', 'tls-stream', 'fetch', await env.route('bob', 'alice', port.alice), 'bob', 'alice'), { SFW_WAN_CERTS: certDir });
    const [recv, sent] = await Promise.all([client.next(), server.next()]);
    await Promise.all([exited(client.child), exited(server.child)]);
    const mib = Number(recv['bytes']) / 2 ** 20;
    put({
      case: 'tls-ceiling', link: env.link, n: mib, median_ms: r3(Number(recv['ms'])), reps: 1, mib_per_s: r3(mib / (Number(recv['ms']) / 1000)),
      cpu_s: r3(Number(sent['sender_cpu_s']) + Number(recv['receiver_cpu_s'])), sender_cpu_s: r3(Number(sent['sender_cpu_s'])), receiver_cpu_s: r3(Number(recv['receiver_cpu_s'])), ...tag,
    });
    }

    // bob dials alice; both parties dial the dealer.
    const host = async (self: HostName, peers: Partial<Record<HostName, string>>): Promise<ReturnType<typeof start>> => {
      const cfg: WanHostConfig = { self, certDir, listen: env.listen(self, port[self]), peers };
      return start(node(self, 'party'), { SFW_WAN_HOST: JSON.stringify(cfg) });
    };
    const never = (p: HostName): string => `127.0.0.1:${port[p]}`; // known peer, never dialled
    const dealer = await host('dealer', { alice: never('alice'), bob: never('bob') });
    const alice = await host('alice', { bob: never('bob'), dealer: await env.route('alice', 'dealer', port.dealer) });
    const bob = await host('bob', { alice: await env.route('bob', 'alice', port.alice), dealer: await env.route('bob', 'dealer', port.dealer) });
    await Promise.all([dealer.next(), alice.next(), bob.next()]);
    const dealerCpu = async (): Promise<number> => {
      dealer.send({ id: 'cpu', case: 'cpu', n: 0, reps: 0 } satisfies WanCommand);
      return Number((await dealer.next())['cpu_s']);
    };
    const slow = profile !== null && profile.mbitPerSec < 1000;
    for (const name of ['blast', 'mul', 'matmul'] as const) {
      if (!wantCase(name)) continue;
      const n = name === 'blast' && slow ? Math.min(32, size[name]!) : size[name]!;
      const cmd: WanCommand = { id: `${env.link}-${name}`, case: name, n, reps: reps[name]! };
      const d0 = await dealerCpu();
      alice.send(cmd);
      bob.send(cmd);
      const [a, b] = await Promise.all([alice.next(), bob.next()]);
      if (a['ok'] !== true || b['ok'] !== true) throw new Error(`${cmd.id}: ${String(a['error'] ?? b['error'])}`);
      const dealerShare = ((await dealerCpu()) - d0) / (cmd.reps + 1);
      const { id: _id, ok: _ok, cpu_s_per_rep: ca, ...fig } = a;
      const cpu = { alice: Number(ca), bob: Number(b['cpu_s_per_rep']), dealer: dealerShare };
      put({ case: name, link: env.link, n, ...(fig as { median_ms: number; reps: number }), cpu_s: r3(cpu.alice + cpu.bob + cpu.dealer), cpu_s_hosts: { alice: r3(cpu.alice), bob: r3(cpu.bob), dealer: r3(cpu.dealer) }, ...tag });
    }
    for (const h of [alice, bob]) h.send({ id: 'quit', case: 'quit', n: 0, reps: 0 } satisfies WanCommand);
    await Promise.all([exited(alice.child), exited(bob.child)]);

    // The jobs through the worker CLI in party mode; the dealer process above serves them too.
    const tls = (p: HostName): Record<string, string> => ({ SECRETFLOW_TLS_CERT: join(certDir, `${p}.pem`), SECRETFLOW_TLS_KEY: join(certDir, `${p}.key`), SECRETFLOW_TLS_CA: join(certDir, 'ca.pem') });
    const partyEnv = {
      alice: { ...tls('alice'), SECRETFLOW_PARTY: 'alice', SECRETFLOW_LISTEN: env.listen('alice', port.alice), SECRETFLOW_PEERS: `bob=${never('bob')},dealer=${await env.route('alice', 'dealer', port.dealer)}` },
      bob: { ...tls('bob'), SECRETFLOW_PARTY: 'bob', SECRETFLOW_LISTEN: env.listen('bob', port.bob), SECRETFLOW_PEERS: `alice=${await env.route('bob', 'alice', port.alice)},dealer=${await env.route('bob', 'dealer', port.dealer)}` },
    };
    for (const job of ['psi', 'pipeline'] as const) {
      if (!wantCase(job)) continue;
      const id = `wan-${env.link}-${job}`;
      const d0 = await dealerCpu();
      const runs = await Promise.all((['alice', 'bob'] as const).map((p) => runJob(work, p, job, id, partyEnv[p], env.exec(p))));
      const rec = jobRecord(job, env.link, size[job]!, runs);
      put({ ...rec, cpu_s: r3(Number(rec['cpu_s']) + (await dealerCpu()) - d0), cpu_s_hosts: { alice: r3(runs[0]!.cpu_s), bob: r3(runs[1]!.cpu_s) }, ...tag });
    }
    dealer.send({ id: 'quit', case: 'quit', n: 0, reps: 0 } satisfies WanCommand);
    await exited(dealer.child);
  } finally {
    env.close();
  }
}

export default suite;
