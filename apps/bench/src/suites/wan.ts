// Cross-silo over real processes: alice, bob and the TTP dealer as three OS processes linked by
// mutual TLS on loopback, directly ("loopback") or through a shaping proxy per listener that
// emulates a WAN link (this kernel has no netem; see wan/shaping-proxy.ts). Cases: link throughput
// (1 MiB messages thread to thread), SEMI2K mul and matmul, each beside the in-process cluster
// (threads in one process) measured in the same run. Shared-machine caveat: note the load average.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Cluster, type SpuObject } from '@sfw/runtime';
import { timeIt, type BenchSuite } from '../suite.ts';
import { startShapingProxy, type LinkProfile } from '../wan/shaping-proxy.ts';
import type { WanCommand, WanHostConfig } from '../wan/party.ts';
import { freePort } from '@sfw/testkit';

const SPU = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const PARTY_SCRIPT = fileURLToPath(new URL(`../wan/party${ext}`, import.meta.url));
const MAKE_CERTS = fileURLToPath(new URL('../../../../examples/cross-silo/make-certs.sh', import.meta.url));
const PROFILES: (LinkProfile | null)[] = [null, { name: '1gbit-0.2ms', mbitPerSec: 1000, rttMs: 0.2 }, { name: '100mbit-20ms', mbitPerSec: 100, rttMs: 20 }];


interface Host {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
  send(cmd: WanCommand): void;
}

function spawnHost(cfg: WanHostConfig): Host {
  const child = spawn(process.execPath, [...process.execArgv, PARTY_SCRIPT], { env: { ...process.env, SFW_WAN_HOST: JSON.stringify(cfg) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    next: async () => {
      const r = await lines.next();
      if (r.done === true) throw new Error(`${cfg.self} exited`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
    send: (cmd) => void child.stdin!.write(`${JSON.stringify(cmd)}\n`),
  };
}

const suite: BenchSuite = {
  name: 'wan',
  description: 'Cross-silo: alice, bob and the dealer as processes over mutual TLS, on loopback and through WAN-shaping proxies (1 Gbit/s 0.2 ms, 100 Mbit/s 20 ms RTT): link MiB/s, SEMI2K mul 2^20 and matmul, beside in-process',
  async run({ quick, emit }) {
    const mulN = quick ? 1 << 16 : 1 << 20;
    const mmN = quick ? 100 : 500;
    const reps = quick ? 2 : 3;

    // In-process reference (all threads of one process, MessagePorts), same sizes, same run.
    const local = await Cluster.start({ parties: ['alice', 'bob'], spu: SPU });
    try {
      for (const [name, n, shape, program] of [['mul', mulN, [mulN], 'builtin.mul'], ['matmul', mmN, [mmN, mmN], 'builtin.matmul']] as const) {
        await local.beginTask(`wan-local-${name}`);
        const spu = local.spu();
        const x = local.pyu('alice').call('builtin.pattern', shape, 0).to(spu);
        const y = local.pyu('bob').call('builtin.pattern', shape, 7).to(spu);
        await Promise.all([x.ready, y.ready]);
        let last: SpuObject | undefined;
        const t = await timeIt(async () => {
          [last] = spu.run(program, [x, y]);
          await last!.ready;
        }, { reps, warmup: 1 });
        const st = await last!.stats!;
        emit({ suite: 'wan', case: name, link: 'in-process', n, field: 'FM64', parties: 2, ...t, bytes_sent: st.ranks[0]!.stats.bytesSent, rounds: st.ranks[0]!.sentTo[1] ?? 0 });
        await local.endTask();
      }
    } finally {
      await local.shutdown();
    }

    const certDir = mkdtempSync(join(tmpdir(), 'sfw-wan-certs-'));
    try {
      execFileSync('bash', [MAKE_CERTS, certDir, 'alice', 'bob', 'dealer'], { stdio: 'ignore' });
      for (const profile of PROFILES) {
        const link = profile?.name ?? 'tls-loopback';
        const port = { alice: await freePort(), bob: await freePort(), dealer: await freePort() };
        // bob dials alice; both parties dial the dealer: one proxy in front of each of those listeners.
        const proxies = profile ? [await startShapingProxy(port.alice, profile), await startShapingProxy(port.dealer, profile)] : [];
        const via = { alice: proxies[0]?.port ?? port.alice, dealer: proxies[1]?.port ?? port.dealer };
        const hosts = [
          spawnHost({ self: 'dealer', certDir, listenPort: port.dealer, peers: { alice: port.alice, bob: port.bob } }),
          spawnHost({ self: 'alice', certDir, listenPort: port.alice, peers: { bob: port.bob, dealer: via.dealer } }),
          spawnHost({ self: 'bob', certDir, listenPort: port.bob, peers: { alice: via.alice, dealer: via.dealer } }),
        ];
        const [dealer, alice, bob] = hosts as [Host, Host, Host];
        try {
          await Promise.all(hosts.map((h) => h.next()));
          const slow = profile !== null && profile.mbitPerSec < 1000;
          const cmds: WanCommand[] = [
            { id: `${link}-blast`, case: 'blast', n: quick || slow ? 32 : 256, reps },
            { id: `${link}-mul`, case: 'mul', n: mulN, reps },
            { id: `${link}-matmul`, case: 'matmul', n: mmN, reps },
          ];
          for (const cmd of cmds) {
            alice.send(cmd);
            bob.send(cmd);
            const [a, b] = await Promise.all([alice.next(), bob.next()]);
            if (a['ok'] !== true || b['ok'] !== true) throw new Error(`${cmd.id}: ${String(a['error'] ?? b['error'])}`);
            const { id: _id, ok: _ok, ...fig } = a;
            emit({
              suite: 'wan', case: cmd.case, link, n: cmd.n, field: 'FM64', parties: 2, ...(fig as { median_ms: number; reps: number }),
              ...(profile ? { mbit_per_s: profile.mbitPerSec, rtt_ms: profile.rttMs } : {}),
            });
          }
          for (const h of [alice, bob, dealer]) h.send({ id: 'quit', case: 'quit', n: 0, reps: 0 });
          await Promise.all(hosts.map((h) => new Promise((r) => (h.child.exitCode !== null ? r(null) : h.child.once('exit', r)))));
        } finally {
          for (const h of hosts) h.child.kill('SIGKILL');
          for (const p of proxies) await p.close();
        }
      }
    } finally {
      rmSync(certDir, { recursive: true, force: true });
    }
  },
};

export default suite;
