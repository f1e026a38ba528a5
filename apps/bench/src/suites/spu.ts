// SPU protocol kernels (@sfw/spu) over LocalHub: all ranks AND the TTP dealer run in ONE thread, so
// every figure here is the sum of all parties' and the dealer's CPU time, i.e. a pessimistic bound
// on what the threaded cluster achieves (ranks and dealer in parallel, one core each). Cluster
// (threads, MessagePort links) figures come from the cluster suite.
// One SPU session (contexts, dealer, seeds) per case, as a job would hold it; each timed rep is one
// op on every rank including all of the dealer's work for it (for matmul, its A.B product). Input
// sharing happens once outside the timed region. `cpu_ms` is process CPU time per rep (user+sys, all
// threads), which is steadier than wall time on a shared machine.
// Kernel threads (`kernel_threads` in every record): SFW_SPU_KERNEL_THREADS as the worker reads it
// (0: the runtime's default for one SPU thread: every core; n: n threads); unset: 1, the
// one-core figure. With n > 1 the large kernels of every party (products, elementwise passes, PRG
// fills) split over the pool, so wall time can drop below CPU time; the input shares are copied into
// shared memory first, as a runtime run's input copies are then. SFW_BENCH_SPU_CASES=matmulF,mulF
// runs only those cases.
import { shareInputs } from '@sfw/spu/simulation';
import {
  LocalHub,
  createSpuContext,
  exportShare,
  importShare,
  semi2kCost,
  serveDealer,
  type CostedKernel,
  type SecretTensor,
  type SpuConfig,
  type SpuContext,
} from '@sfw/spu';
import { allocLimbs, type FieldType } from '@sfw/ring';
import { onlyCases, timeIt, withBenchKernelThreads, type BenchRunOptions, type BenchSuite } from '../suite.ts';

type Op = (c: SpuContext, x: SecretTensor, y: SecretTensor) => Promise<SecretTensor>;

interface Case {
  name: string;
  kernel: CostedKernel;
  matrix: boolean;
  op: Op;
}

const CASES: Case[] = [
  { name: 'mulF', kernel: 'mulTruncAA', matrix: false, op: (c, x, y) => c.mul(x, y) },
  { name: 'squareF', kernel: 'squareTruncA', matrix: false, op: (c, x) => c.square(x) },
  { name: 'mulAA', kernel: 'mulAA', matrix: false, op: (c, x, y) => c.mulRing(x, y) },
  { name: 'truncA', kernel: 'truncA', matrix: false, op: (c, x) => c.truncate(x) },
  { name: 'matmulF', kernel: 'matmulTruncAA', matrix: true, op: (c, x, y) => c.matmul(x, y) },
];

function sizes(c: Case, field: FieldType, parties: number, quick: boolean): number[] {
  if (c.matrix) return quick ? [100] : field === 'FM64' && parties === 2 ? [100, 300, 1000] : [100, 300];
  if (quick) return [1 << 10, 1 << 14];
  if (parties === 3) return [1 << 10, 1 << 16];
  if (c.name === 'mulF' && field === 'FM64') return [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20];
  return [1 << 10, 1 << 16, 1 << 20];
}

function reps(n: number, quick: boolean, matrix: boolean): number {
  if (quick) return 3;
  if (matrix) return n >= 1000 ? 3 : n >= 300 ? 5 : 11;
  return n >= 1 << 20 ? 7 : n >= 1 << 16 ? 11 : 31;
}

/**
 * A share as a runtime run hands it to its program: a copy that lives in shared memory while kernel
 * threads are on (runtime thread/share-copies.ts), so the kernels reading the inputs split over the
 * threads as they do in a job.
 */
function runInput(cfg: SpuConfig, x: SecretTensor, shape: readonly number[]): SecretTensor {
  const bytes = exportShare(x);
  const data = allocLimbs(bytes.byteLength / 8);
  const copy = new Uint8Array(data.buffer, data.byteOffset, bytes.byteLength);
  copy.set(bytes);
  return importShare(cfg, copy, shape);
}

async function runCase(c: Case, field: FieldType, parties: number, n: number, quick: boolean) {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType: 'TTP' };
  const shape = c.matrix ? [n, n] : [n];
  const size = c.matrix ? n * n : n;
  const xs = Float64Array.from({ length: size }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
  const X = shareInputs(cfg, xs, shape, parties).map((s) => runInput(cfg, s, shape));
  const Y = shareInputs(cfg, xs, shape, parties).map((s) => runInput(cfg, s, shape));
  const hub = new LocalHub(parties);
  const dealer = serveDealer(cfg, hub.endpoint(parties));
  const ctxs = Array.from({ length: parties }, (_, r) => createSpuContext(cfg, hub.endpoint(r)));
  const once = () => Promise.all(ctxs.map((ctx) => c.op(ctx, X[ctx.rank]!, Y[ctx.rank]!)));
  try {
    let cpu = 0;
    const t = await timeIt(
      async () => {
        const c0 = process.cpuUsage();
        await once();
        const d = process.cpuUsage(c0);
        cpu += (d.user + d.system) / 1000;
      },
      { reps: reps(n, quick, c.matrix), warmup: 1 },
    );
    hub.resetCounters();
    await once();
    let bytes = 0;
    for (let j = 1; j < parties; j++) bytes += hub.traffic(0, j).bytes;
    const model = semi2kCost(c.kernel, c.matrix ? [n, n, n] : [n], field, parties);
    return {
      ...t,
      cpu_ms: Math.round((cpu / (t.reps + 1)) * 100) / 100,
      bytes_sent: bytes,
      rounds: hub.rounds(),
      dealer_bytes: hub.traffic(parties, 0).bytes,
      model_bytes_sent: model.bytesSent,
      model_dealer_bytes: model.dealerBytes,
    };
  } finally {
    ctxs.forEach((ctx) => ctx.close());
    dealer.stop();
    await dealer.done;
  }
}

const suite: BenchSuite = {
  name: 'spu',
  description: 'SEMI2K kernels with a TTP dealer, all in one thread over LocalHub: fixed-point mul and square, ring mul, truncation, fixed-point matmul',
  async run({ quick, emit }) {
    await withBenchKernelThreads((kernelThreads) => runAll(quick, emit, kernelThreads));
  },
};

async function runAll(quick: boolean, emit: BenchRunOptions['emit'], kernelThreads: number): Promise<void> {
  const only = onlyCases('SFW_BENCH_SPU_CASES');
  const cases = only === undefined ? CASES : CASES.filter((c) => only.includes(c.name));
  for (const field of ['FM64', 'FM128'] as const)
    for (const parties of quick ? [2] : [2, 3])
      for (const c of cases)
        for (const n of sizes(c, field, parties, quick)) {
          const r = await runCase(c, field, parties, n, quick);
          emit({ suite: 'spu', case: c.name, n, field, parties, ...r, kernel_threads: kernelThreads, transport: 'LocalHub (one thread, dealer included)' });
        }
}

export default suite;
