// SPU non-linear library over LocalHub: both ranks AND the TTP dealer in ONE thread, so a
// figure is the sum of every party's and the dealer's CPU time (pessimistic against the threaded
// cluster, where ranks and dealer run on separate cores). Each rep is a whole SPU session (contexts,
// seeds, the op, close); inputs are shared once outside the timed region. bytes_sent = rank 0 to
// rank 1, rounds = LocalHub's Lamport clock, dealer_bytes = dealer to rank 0 (preprocessing).
// SFW_SPU_KERNEL_THREADS sets the kernel-thread pool as in the spu suite (unset: 1, one core;
// `kernel_threads` in every record); SFW_BENCH_NONLINEAR_CASES=div,log keeps only those cases.
import type { SecretTensor, SpuConfig, SpuContext } from '@sfw/spu';
import { LocalHub } from '@sfw/spu';
import { runLocal, shareInputs } from '@sfw/spu/simulation';
import { onlyCases, timeIt, withBenchKernelThreads, type BenchRunOptions, type BenchSuite } from '../suite.ts';

type Op = (c: SpuContext, x: SecretTensor, y: SecretTensor) => Promise<SecretTensor>;

interface Case {
  name: string;
  op: Op;
  /** input generator: values for x and y at index i */
  x: (i: number) => number;
  y: (i: number) => number;
  sizes: (quick: boolean) => number[];
  square?: boolean;
}

const pow2 = (lo: number, hi: number, step = 2): number[] => {
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(1 << e);
  return out;
};
const wave = (i: number): number => Math.sin(i * 0.618) * 8;

const CASES: Case[] = [
  { name: 'less', op: (c, x, y) => c.less(x, y), x: wave, y: (i) => Math.cos(i) * 8, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'div', op: (c, x, y) => c.div(x, y), x: wave, y: (i) => 0.5 + (i % 97), sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'exp', op: (c, x) => c.exp(x), x: wave, y: wave, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'log', op: (c, x) => c.log(x), x: (i) => 0.01 + Math.abs(wave(i)) * 100, y: wave, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'sigmoid_real', op: (c, x) => c.sigmoid(x, 'real'), x: wave, y: wave, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'sigmoid_t1', op: (c, x) => c.sigmoid(x, 't1'), x: wave, y: wave, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'argmax', op: (c, x) => c.argmax(x), x: wave, y: wave, sizes: (q) => (q ? [1 << 10] : pow2(10, 20, 5)) },
  { name: 'inverse', op: (c, x) => c.inverse(x), x: (i) => spdEntry(i, 30), y: wave, sizes: () => [30], square: true },
];

/** Entry i of a 30x30 diagonally dominant SPD matrix. */
function spdEntry(i: number, d: number): number {
  const r = Math.floor(i / d), c = i % d;
  return r === c ? d : 1 / (1 + Math.abs(r - c));
}

const suite: BenchSuite = {
  name: 'nonlinear',
  description: 'SPU non-linear ops (SEMI2K, TTP dealer, 2 ranks, one thread): less, div, exp, log, sigmoid real/t1, argmax 2^10..2^20, inverse 30x30',
  async run({ quick, emit }) {
    await withBenchKernelThreads((kernelThreads) => runAll(quick, emit, kernelThreads));
  },
};

async function runAll(quick: boolean, emit: BenchRunOptions['emit'], kernelThreads: number): Promise<void> {
  const only = onlyCases('SFW_BENCH_NONLINEAR_CASES');
  for (const field of quick ? (['FM64'] as const) : (['FM64', 'FM128'] as const)) {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType: 'TTP' };
    for (const c of only === undefined ? CASES : CASES.filter((k) => only.includes(k.name)))
      for (const n of c.sizes(quick)) {
        if (field === 'FM128' && n > 1 << 15 && c.name !== 'less') continue; // keep the full run bounded
        const shape = c.square ? [n, n] : [n];
        const len = shape.reduce((p, d) => p * d, 1);
        const X = shareInputs(cfg, Float64Array.from({ length: len }, (_, i) => c.x(i)), shape, 2);
        const Y = shareInputs(cfg, Float64Array.from({ length: len }, (_, i) => c.y(i)), shape, 2);
        let hub = new LocalHub(2);
        const cpus: number[] = [];
        const once = async (): Promise<void> => {
          hub = new LocalHub(2);
          const c0 = process.cpuUsage();
          await runLocal(cfg, 2, (ctx) => c.op(ctx, X[ctx.rank]!, Y[ctx.rank]!), hub);
          const d = process.cpuUsage(c0);
          cpus.push((d.user + d.system) / 1000);
        };
        const big = len >= 1 << 18;
        const t = await timeIt(once, { reps: quick ? 2 : big ? 3 : 7, warmup: big ? 0 : 1 });
        cpus.sort((a, b) => a - b);
        emit({
          suite: 'nonlinear', case: c.name, n: len, field, parties: 2, ...t,
          // process CPU per rep (all ranks + dealer), median: steadier than wall time on a shared box
          cpu_ms: Math.round(cpus[cpus.length >> 1] ?? Number.NaN),
          bytes_sent: hub.traffic(0, 1).bytes, rounds: hub.rounds(), dealer_bytes: hub.traffic(2, 0).bytes, kernel_threads: kernelThreads,
        });
      }
  }
}

export default suite;
