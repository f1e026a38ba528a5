// One host of the WAN benchmark as its own OS process: `alice`, `bob` (a party-mode Cluster: its
// PYU and SPU rank threads plus TLS links) or `dealer` (the TTP dealer service). The suite sends the
// same JSON command line to both parties' stdin (both run the same driver code, as two workers do)
// and reads one JSON result line from each.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Cluster, DealerService, Gateway, deviceModuleUrl, type SpuObject } from '@sfw/runtime';
import { summarize } from '../suite.ts';

export interface WanHostConfig {
  readonly self: string;
  readonly certDir: string;
  readonly listenPort: number;
  /** Peer name -> port on 127.0.0.1 (a shaping proxy in front of the peer, or the peer itself). */
  readonly peers: Record<string, number>;
}

export interface WanCommand {
  readonly id: string;
  readonly case: 'mul' | 'matmul' | 'blast' | 'quit';
  readonly n: number;
  readonly reps: number;
}

const SPU = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;
const cfg = JSON.parse(process.env['SFW_WAN_HOST'] ?? '{}') as WanHostConfig;
const tls = {
  cert: readFileSync(join(cfg.certDir, `${cfg.self}.pem`)),
  key: readFileSync(join(cfg.certDir, `${cfg.self}.key`)),
  ca: readFileSync(join(cfg.certDir, 'ca.pem')),
};
const peers = Object.fromEntries(Object.entries(cfg.peers).map(([n, p]) => [n, `127.0.0.1:${p}`]));
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function caseOn(c: Cluster, cmd: WanCommand): Promise<Record<string, unknown>> {
  const times: number[] = [];
  if (cmd.case === 'blast') {
    for (let r = 0; r < cmd.reps + 1; r++) {
      const t0 = performance.now();
      const s = c.pyu('alice').call<number>('blast.send', 'bob', cmd.n);
      const v = c.pyu('bob').call<number>('blast.recv', 'alice', cmd.n);
      await Promise.all([s.get(), v.get()]);
      if (r > 0) times.push(performance.now() - t0);
    }
    const t = summarize(times);
    return { ...t, mib: cmd.n, mib_per_s: cmd.n / (t.median_ms / 1000) };
  }
  const shape = cmd.case === 'mul' ? [cmd.n] : [cmd.n, cmd.n];
  const spu = c.spu();
  const x = c.pyu('alice').call('builtin.pattern', shape, 0).to(spu);
  const y = c.pyu('bob').call('builtin.pattern', shape, 7).to(spu);
  await Promise.all([x.ready, y.ready]);
  let last: SpuObject | undefined;
  for (let r = 0; r < cmd.reps + 1; r++) {
    const t0 = performance.now();
    [last] = spu.run(cmd.case === 'mul' ? 'builtin.mul' : 'builtin.matmul', [x, y]);
    await last!.ready;
    if (r > 0) times.push(performance.now() - t0);
  }
  const stats = await last!.stats!;
  return { ...summarize(times), bytes_sent: stats.ranks[0]?.stats.bytesSent ?? 0, rounds: stats.ranks[0]?.sentTo[1] ?? 0 };
}

async function main(): Promise<void> {
  if (cfg.self === 'dealer') {
    const svc = await DealerService.start({ self: 'dealer', tls, listen: { host: '127.0.0.1', port: cfg.listenPort }, peers });
    out({ ready: true });
    for await (const _line of createInterface({ input: process.stdin })) break;
    await svc.close();
    return;
  }
  const gateway = await Gateway.start({ self: cfg.self, tls, listen: { host: '127.0.0.1', port: cfg.listenPort }, peers, rendezvousTimeoutMs: 120_000 });
  const cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: SPU,
    modules: [deviceModuleUrl(import.meta.url, './blast')],
    network: { gateway, self: cfg.self },
  });
  out({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as WanCommand;
    if (cmd.case === 'quit') break;
    try {
      await cluster.beginTask(cmd.id);
      const cpu0 = process.cpuUsage();
      const r = await caseOn(cluster, cmd);
      // Every thread of this host (process-wide rusage), warm-up rep included: divide by reps + 1.
      const cpu = process.cpuUsage(cpu0);
      await cluster.endTask();
      out({ id: cmd.id, ok: true, ...r, cpu_s_per_rep: (cpu.user + cpu.system) / 1e6 / (cmd.reps + 1) });
    } catch (err) {
      await cluster.endTask().catch(() => undefined);
      out({ id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  await cluster.shutdown();
  await gateway.close();
}

await main();
// stdin (the command pipe) would keep the process alive.
process.exit(0);
