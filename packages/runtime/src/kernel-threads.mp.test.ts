// SPU rank and dealer threads running their kernels on helper threads (spuKernelThreads): SEMI2K
// results through real threads against plaintext, pooled shared buffers crossing the rank links,
// and the default thread count sharing the host's cores among the SPU threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, defaultSpuKernelThreads } from './cluster.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    spuKernelThreads: 2,
  });
});

afterAll(async () => {
  await cluster?.shutdown();
});

function pattern(shape: number[], offset: number): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, (_, i) => (((i + offset) * 7919) % 2000) / 1000 - 1);
}

describe('SPU kernel threads', () => {
  it('mul 2^17 and matmul 200^3 with 2 kernel threads per rank and dealer match plaintext', async () => {
    await cluster.beginTask('kernel-threads');
    const spu = cluster.spu();
    const n = 1 << 17;
    const x = cluster.pyu('alice').call('builtin.pattern', [n], 0).to(spu);
    const y = cluster.pyu('bob').call('builtin.pattern', [n], 31).to(spu);
    const [z] = spu.run('builtin.mul', [x, y]);
    const got = await z!.reveal(cluster.pyu('alice')).get();
    const px = pattern([n], 0), py = pattern([n], 31);
    let worst = 0;
    got.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - px[i]! * py[i]!))));
    expect(worst).toBeLessThan(1e-4); // a few ulp of 2^-18 for |x|, |y| <= 1
    // Again on the same held shares: the run's input copies (shared memory with kernel threads,
    // recycled from the first run) must leave the held shares intact.
    const [z2] = spu.run('builtin.mul', [x, y]);
    const got2 = await z2!.reveal(cluster.pyu('alice')).get();
    let worst2 = 0;
    got2.data.forEach((v, i) => (worst2 = Math.max(worst2, Math.abs(v - px[i]! * py[i]!))));
    expect(worst2).toBeLessThan(1e-4);

    const d = 200;
    const a = cluster.pyu('alice').call('builtin.pattern', [d, d], 3).to(spu);
    const b = cluster.pyu('bob').call('builtin.pattern', [d, d], 5).to(spu);
    const [p] = spu.run('builtin.matmul', [a, b]);
    const mm = await p!.reveal(cluster.pyu('bob')).get();
    const pa = pattern([d, d], 3), pb = pattern([d, d], 5);
    let worstMm = 0;
    for (let i = 0; i < d; i += 7)
      for (let j = 0; j < d; j++) {
        let ref = 0;
        for (let t = 0; t < d; t++) ref += pa[i * d + t]! * pb[t * d + j]!;
        worstMm = Math.max(worstMm, Math.abs(mm.data[i * d + j]! - ref));
      }
    expect(worstMm).toBeLessThan(d * 1e-4);
    await cluster.endTask();
  });

  it('default: the cores shared among the SPU threads, at least 1', () => {
    expect(defaultSpuKernelThreads(3, 2)).toBe(1); // 2 ranks + dealer on 2 cores: no helpers
    expect(defaultSpuKernelThreads(3, 8)).toBe(2);
    expect(defaultSpuKernelThreads(2, 16)).toBe(8);
    expect(defaultSpuKernelThreads(0, 1)).toBe(1);
  });
});
