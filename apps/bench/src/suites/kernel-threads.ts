// One rank's kernels on 1 and 2 kernel threads (@sfw/ring threads.ts): the fused Beaver and
// truncation kernels, an add and a PRG fill at 2^20 FM64 on pooled (shared) operands, a 1000^3 FM64
// matmul, and SEMI2K fixed-point mul 2^20 / matmul 1000^3 with both ranks and the dealer in this
// thread (each splitting its kernels). `cpu_ms` is process CPU (all threads) per rep, so the wall
// speed-up and the CPU overhead of splitting are both visible; `identical` says whether the ring
// results were bit-identical to the 1-thread run.
import { createHash } from 'node:crypto';
import {
  Prg, add, allocLimbs, beaverCombine, makeTensor, matmul, randomTensor, setKernelThreads, toBytes, truncFinish, type RingTensor,
} from '@sfw/ring';
import { LocalHub, createSpuContext, serveDealer, type SecretTensor, type SpuConfig, type SpuContext } from '@sfw/spu';
import { shareInputs } from '@sfw/spu/simulation';
import { timeIt, type BenchSuite } from '../suite.ts';

const pooled = (t: RingTensor): RingTensor => {
  const s = makeTensor(t.field, t.shape, allocLimbs(t.data.length));
  s.data.set(t.data);
  return s;
};
const digest = (t: RingTensor): string => createHash('sha256').update(toBytes(t)).digest('hex');

async function timed(fn: () => unknown, reps: number): Promise<{ median_ms: number; p10_ms: number; p90_ms: number; reps: number; cpu_ms: number }> {
  let cpu = 0;
  const t = await timeIt(async () => {
    const c0 = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c0);
    cpu += (d.user + d.system) / 1000;
  }, { reps, warmup: 1 });
  return { ...t, cpu_ms: Math.round((cpu / (t.reps + 1)) * 100) / 100 };
}

async function spuCase(op: 'mul' | 'matmul', n: number, reps: number) {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
  const shape = op === 'matmul' ? [n, n] : [n];
  const xs = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
  const X = shareInputs(cfg, xs, shape, 2), Y = shareInputs(cfg, xs, shape, 2);
  const hub = new LocalHub(2);
  const dealer = serveDealer(cfg, hub.endpoint(2));
  const ctxs = [0, 1].map((r) => createSpuContext(cfg, hub.endpoint(r)));
  const f = (c: SpuContext, x: SecretTensor, y: SecretTensor) => (op === 'mul' ? c.mul(x, y) : c.matmul(x, y));
  try {
    return await timed(() => Promise.all(ctxs.map((c) => f(c, X[c.rank]!, Y[c.rank]!))), reps);
  } finally {
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
  }
}

const suite: BenchSuite = {
  name: 'kernel-threads',
  description: 'One rank on 1 vs 2 kernel threads: fused Beaver/truncation, add, PRG fill (2^20 FM64), matmul 1000^3, SEMI2K mul 2^20 and matmul 1000^3 in one thread',
  async run({ quick, emit }) {
    const n = quick ? 1 << 17 : 1 << 20;
    const d = quick ? 200 : 1000;
    const xs = Array.from({ length: 5 }, () => randomTensor('FM64', [n]));
    const A = randomTensor('FM64', [d, d]), B = randomTensor('FM64', [d, d]);
    const seed = new Uint8Array(16).fill(1); // public benchmark seed: the keystream is only timed
    const first = new Map<string, string>();
    for (const threads of [1, 2]) {
      setKernelThreads(threads);
      await new Promise((r) => setTimeout(r, threads > 1 ? 1000 : 0)); // helpers start in the background
      const s = xs.map(pooled);
      const out = pooled(makeTensor('FM64', [n]));
      const kernels: Array<[string, () => RingTensor, number]> = [
        ['beaverCombine', () => beaverCombine(s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, true, out), n],
        ['truncFinish', () => truncFinish(s[0]!, s[1]!, s[2]!, 18, true, out), n],
        ['add', () => add(s[0]!, s[1]!, out), n],
        ['prg-fill', () => {
          new Prg(seed).fill(new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength));
          return out;
        }, n],
        ['matmul', () => matmul(A, B), d],
      ];
      for (const [name, fn, size] of kernels) {
        const t = await timed(fn, quick ? 3 : name === 'matmul' ? 5 : 21);
        const h = digest(fn());
        if (threads === 1) first.set(name, h);
        emit({ suite: 'kernel-threads', case: name, n: size, field: 'FM64', threads, ...t, identical: first.get(name) === h });
      }
      emit({ suite: 'kernel-threads', case: 'spu-mulF', n, field: 'FM64', parties: 2, threads, ...(await spuCase('mul', n, quick ? 3 : 9)) });
      emit({ suite: 'kernel-threads', case: 'spu-matmulF', n: d, field: 'FM64', parties: 2, threads, ...(await spuCase('matmul', d, quick ? 2 : 3)) });
    }
    setKernelThreads(1);
  },
};

export default suite;
