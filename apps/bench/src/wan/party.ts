// One host of the WAN benchmark as its own OS process: `alice`, `bob` (a party-mode Cluster: its
// PYU and SPU rank threads plus TLS links) or `dealer` (the TTP dealer service). The suite sends the
// same JSON command line to both parties' stdin (both run the same driver code, as two workers do)
// and reads one JSON result line from each. The dealer also serves the worker CLI runs that follow
// (`sfw run` in party mode), since it opens a session for whichever party task says hello.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Cluster, DealerService, Gateway } from '@sfw/runtime';
import { BLAST_MODULE, runCase, SPU, type CaseName } from './cases.ts';

export interface WanHostConfig {
  readonly self: string;
  readonly certDir: string;
  /** `host:port` to listen on (all addresses of the host's own namespace, or 127.0.0.1). */
  readonly listen: string;
  /** Peer name -> `host:port` to dial (a shaping proxy in front of the peer, or the peer itself). */
  readonly peers: Record<string, string>;
}

export interface WanCommand {
  readonly id: string;
  readonly case: CaseName | 'cpu' | 'quit';
  readonly n: number;
  readonly reps: number;
}

const cfg = JSON.parse(process.env['SFW_WAN_HOST'] ?? '{}') as WanHostConfig;
const tls = {
  cert: readFileSync(join(cfg.certDir, `${cfg.self}.pem`)),
  key: readFileSync(join(cfg.certDir, `${cfg.self}.key`)),
  ca: readFileSync(join(cfg.certDir, 'ca.pem')),
};
const peers = cfg.peers;
const at = cfg.listen.lastIndexOf(':');
const listen = { host: cfg.listen.slice(0, at), port: Number(cfg.listen.slice(at + 1)) };
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  if (cfg.self === 'dealer') {
    const svc = await DealerService.start({ self: 'dealer', tls, listen, peers });
    out({ ready: true });
    // `cpu` asks for this process's CPU-s so far (the suite charges the dealer's share to each case).
    for await (const line of createInterface({ input: process.stdin })) {
      if ((JSON.parse(line) as WanCommand).case !== 'cpu') break;
      const c = process.cpuUsage();
      out({ cpu_s: (c.user + c.system) / 1e6 });
    }
    await svc.close();
    return;
  }
  const gateway = await Gateway.start({ self: cfg.self, tls, listen, peers, rendezvousTimeoutMs: 120_000 });
  const cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: SPU,
    modules: [BLAST_MODULE],
    network: { gateway, self: cfg.self },
  });
  out({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as WanCommand;
    if (cmd.case === 'quit' || cmd.case === 'cpu') break;
    try {
      await cluster.beginTask(cmd.id);
      const r = await runCase(cluster, cmd.case, cmd.n, cmd.reps);
      await cluster.endTask();
      out({ id: cmd.id, ok: true, ...r });
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
