// Memory reuse across SPU runs (the per-thread BufferPool in spu-default-backend.ts, thread/share-copies.ts): sizes above the pooling
// thresholds, results checked against plaintext after programs that send or return their inputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import { deviceModuleUrl } from './module.ts';

const N = 10_000; // 80 kB per FM64 share: above both pooling thresholds
// FM64, 18 fractional bits, |x|, |y| <= 1: a truncated product is off by a few 2^-18.
const EPS = 1e-4;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    modules: [deviceModuleUrl(import.meta.url, './__tests__/reuse-fixture')],
  });
});

afterAll(async () => {
  await cluster?.shutdown();
});

const pattern = (offset: number): Float64Array =>
  Float64Array.from({ length: N }, (_, i) => (((i + offset) * 7919) % 2000) / 1000 - 1);

function expectProduct(got: Float64Array, a: Float64Array, b: Float64Array): void {
  let worst = 0;
  for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(got[i]! - a[i]! * b[i]!));
  expect(worst).toBeLessThan(EPS);
}

describe('memory reuse across SPU runs', () => {
  it('keeps held shares and outputs intact across runs that send or return their inputs', async () => {
    await cluster.beginTask('reuse');
    const spu = cluster.spu();
    const x = cluster.pyu('alice').call('builtin.pattern', [N], 0).to(spu);
    const y = cluster.pyu('bob').call('builtin.pattern', [N], 7).to(spu);
    const w = cluster.pyu('alice').call('builtin.pattern', [N], 3).to(spu); // never copied again
    const [px, py, pw] = [pattern(0), pattern(7), pattern(3)];
    const [id] = spu.run('reuse.identity', [w]);
    await id!.ready;
    const [sq] = spu.run('reuse.consume', [x, y]); // x's run copy is transferred away
    await sq!.ready;
    // Sequential runs recycle copies and scratch memory; the results must still be right.
    for (let k = 0; k < 3; k++) {
      const [z] = spu.run('builtin.mul', [x, y]);
      expectProduct((await cluster.get(z!)).data, px, py);
    }
    // Concurrent runs in the same threads share the pool.
    const outs = [0, 1, 2].map(() => spu.run('builtin.mul', [y, x])[0]!);
    for (const z of outs) expectProduct((await cluster.get(z)).data, py, px);
    // The identity output (the input copy of its run) was not recycled into later runs.
    const wi = (await cluster.get(id!)).data;
    let worst = 0;
    for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(wi[i]! - pw[i]!));
    expect(worst).toBeLessThan(2 ** -17);
    expectProduct((await cluster.get(sq!)).data, py, py);
    await cluster.endTask();
  });

  it('keeps results intact when the dealer reuses the answers rank 0 released (shared memory between threads)', async () => {
    const reusing = await Cluster.start({
      parties: ['alice', 'bob'],
      spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
      spuReuseAnswers: true,
    });
    try {
      await productsKeepResults(reusing);
    } finally {
      await reusing.shutdown();
    }
  });
});

/** Products of one size in a row: the first result must survive the later ones unchanged. */
async function productsKeepResults(cluster: Cluster): Promise<void> {
  await cluster.beginTask('answers');
  const spu = cluster.spu();
  const n = 50_000; // a fused triple's answer (3 x 8 bytes per element) above the 1 MiB reuse threshold
  const pat = (offset: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (((i + offset) * 7919) % 2000) / 1000 - 1);
  const x = cluster.pyu('alice').call('builtin.pattern', [n], 0).to(spu);
  const y = cluster.pyu('bob').call('builtin.pattern', [n], 7).to(spu);
  const [first] = spu.run('builtin.mul', [x, y]);
  const before = (await cluster.get(first!)).data.slice();
  // Later products of the same size: the dealer writes their answers into released answer memory.
  for (let k = 0; k < 4; k++) {
    const [z] = spu.run('builtin.mul', [y, x]);
    const got = (await cluster.get(z!)).data;
    let worst = 0;
    const [px, py] = [pat(0), pat(7)];
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - px[i]! * py[i]!));
    expect(worst).toBeLessThan(EPS);
  }
  expect(Buffer.from((await cluster.get(first!)).data.buffer).equals(Buffer.from(before.buffer))).toBe(true);
  await cluster.endTask();
}
