// The cases both sides of the WAN bench run on a Cluster, party-mode (wan/party.ts, one per host) or
// in-process (the reference in suites/wan.ts): the same driver code, so the figures compare. CPU-s
// are process-wide (every thread of the host), warm-up rep included, divided by reps + 1.
import { deviceModuleUrl, type Cluster, type SpuObject } from '@sfw/runtime';
import { summarize } from '../suite.ts';

export const SPU = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;
export const BLAST_MODULE = deviceModuleUrl(import.meta.url, './blast');
export type CaseName = 'blast' | 'mul' | 'matmul';

export async function runCase(c: Cluster, name: CaseName, n: number, reps: number): Promise<Record<string, unknown>> {
  const times: number[] = [];
  const perRep = (c0: NodeJS.CpuUsage): number => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6 / (reps + 1);
  };
  if (name === 'blast') {
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < reps + 1; r++) {
      const t0 = performance.now();
      const s = c.pyu('alice').call<number>('blast.send', 'bob', n);
      const v = c.pyu('bob').call<number>('blast.recv', 'alice', n);
      await Promise.all([s.get(), v.get()]);
      if (r > 0) times.push(performance.now() - t0);
    }
    const cpu = perRep(cpu0);
    const t = summarize(times);
    return { ...t, cpu_s_per_rep: cpu, mib: n, mib_per_s: n / (t.median_ms / 1000) };
  }
  const shape = name === 'mul' ? [n] : [n, n];
  const spu = c.spu();
  const x = c.pyu('alice').call('builtin.pattern', shape, 0).to(spu);
  const y = c.pyu('bob').call('builtin.pattern', shape, 7).to(spu);
  await Promise.all([x.ready, y.ready]);
  let last: SpuObject | undefined;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < reps + 1; r++) {
    const t0 = performance.now();
    [last] = spu.run(name === 'mul' ? 'builtin.mul' : 'builtin.matmul', [x, y]);
    await last!.ready;
    if (r > 0) times.push(performance.now() - t0);
  }
  const cpu = perRep(cpu0);
  const stats = await last!.stats!;
  return { ...summarize(times), cpu_s_per_rep: cpu, bytes_sent: stats.ranks[0]?.stats.bytesSent ?? 0, rounds: stats.ranks[0]?.sentTo[1] ?? 0 };
}

