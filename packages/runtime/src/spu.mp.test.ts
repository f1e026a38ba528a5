// The runtime with the real SEMI2K protocol of @sfw/spu: shares made on the owner threads, programs
// run SPMD on rank threads with a dealer thread, results checked against plaintext.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import type { PlainTensor } from './tensor.ts';

let cluster: Cluster;
const warnings: string[] = [];

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['alice', 'bob'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP', onWarning: (m) => warnings.push(m) },
  });
});

afterAll(async () => {
  await cluster?.shutdown();
});

// FM64 with 18 fractional bits: one truncated product is off by at most a few ulp of 2^-18 for
// |x|, |y| <= 1, so 1e-4 is a comfortable bound; a sum of 64 products stays within 64x that.
const EPS = 1e-4;

function pattern(shape: number[], offset: number): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, (_, i) => (((i + offset) * 7919) % 2000) / 1000 - 1);
}

describe('SEMI2K through threads', () => {
  it('multiplies alice x bob elementwise and reveals only to alice', async () => {
    await cluster.beginTask('mul');
    const spu = cluster.spu();
    const x = cluster.pyu('alice').call('builtin.pattern', [257], 0);
    const y = cluster.pyu('bob').call('builtin.pattern', [257], 31);
    const [z] = spu.run('builtin.mul', [x, y]);
    const atAlice = await z!.reveal(cluster.pyu('alice')).get();
    const px = pattern([257], 0);
    const py = pattern([257], 31);
    expect(atAlice.shape).toEqual([257]);
    atAlice.data.forEach((v, i) => expect(Math.abs(v - px[i]! * py[i]!)).toBeLessThan(EPS));
    const stats = await z!.stats!;
    // A Beaver multiplication opens e = x - a and f = y - b: both ranks send, and the dealer served.
    for (const r of stats.ranks) expect(r.sentTo.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(stats.dealer!.stats.bytesSent).toBeGreaterThan(0);
    await cluster.endTask();
  });

  it('matmul and a secure sum agree with plaintext', async () => {
    await cluster.beginTask('matmul');
    const spu = cluster.spu();
    const a = cluster.pyu('alice').call('builtin.pattern', [8, 8], 3);
    const b = cluster.pyu('bob').call('builtin.pattern', [8, 8], 5);
    const [c] = spu.run('builtin.matmul', [a, b]);
    const [s] = spu.run('builtin.sum', [c!]);
    const pa = pattern([8, 8], 3);
    const pb = pattern([8, 8], 5);
    const ref = new Float64Array(64);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) for (let k = 0; k < 8; k++) ref[i * 8 + j]! += pa[i * 8 + k]! * pb[k * 8 + j]!;
    const got: PlainTensor = await cluster.get(c!);
    got.data.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(8 * EPS));
    const total = (await cluster.get(s!)).data[0]!;
    expect(Math.abs(total - ref.reduce((p, q) => p + q, 0))).toBeLessThan(64 * 8 * EPS);
    await cluster.endTask();
  });

  it('runs independent programs concurrently without mixing their messages', async () => {
    await cluster.beginTask('concurrent');
    const spu = cluster.spu();
    const x = cluster.pyu('alice').call('builtin.pattern', [64], 1).to(spu);
    const y = cluster.pyu('bob').call('builtin.pattern', [64], 2).to(spu);
    const z = cluster.pyu('bob').call('builtin.pattern', [64], 3).to(spu);
    const [xy] = spu.run('builtin.mul', [x, y]);
    const [xz] = spu.run('builtin.mul', [x, z]); // started before the first finished
    const [a, b] = await Promise.all([cluster.get(xy!), cluster.get(xz!)]);
    const px = pattern([64], 1);
    const py = pattern([64], 2);
    const pz = pattern([64], 3);
    a.data.forEach((v, i) => expect(Math.abs(v - px[i]! * py[i]!)).toBeLessThan(EPS));
    b.data.forEach((v, i) => expect(Math.abs(v - px[i]! * pz[i]!)).toBeLessThan(EPS));
    await cluster.endTask();
  });

  it('private blocks: each party\'s block stays at its own rank; X . w matches plaintext', async () => {
    await cluster.beginTask('private');
    const spu = cluster.spu();
    const xa = cluster.pyu('alice').call('builtin.pattern', [16, 3], 4);
    const xb = cluster.pyu('bob').call('builtin.pattern', [16, 2], 9);
    const w = cluster.pyu('bob').call('builtin.pattern', [5, 1], 2);
    const [y] = spu.run('builtin.privateMatmul', [w], null, { private: [xa, xb] });
    const got = await y!.reveal(cluster.pyu('alice')).get();
    const pa = pattern([16, 3], 4), pb = pattern([16, 2], 9), pw = pattern([5, 1], 2);
    expect(got.shape).toEqual([16, 1]);
    for (let i = 0; i < 16; i++) {
      let ref = 0;
      for (let j = 0; j < 3; j++) ref += pa[i * 3 + j]! * pw[j]!;
      for (let j = 0; j < 2; j++) ref += pb[i * 2 + j]! * pw[3 + j]!;
      expect(Math.abs(got.data[i]! - ref)).toBeLessThan(8 * EPS);
    }
    // Each rank sends its peer three messages (its masked block, its part of w - B, its truncation
    // part): the block-sized one is its OWN party's block only, so rank 0 sends 16*3 and rank 1
    // 16*2 words of block, plus 5 + 16 words each. Nothing else crosses between the ranks.
    const stats = await y!.stats!;
    expect(stats.ranks.map((r, i) => r.sentTo[1 - i])).toEqual([3, 3]);
    // Bytes sent also count the session seed (both ranks) and rank 0's few dealer requests.
    const peerWords = [16 * 3 + 5 + 16, 16 * 2 + 5 + 16];
    stats.ranks.forEach((r, i) => {
      expect(r.stats.bytesSent).toBeGreaterThanOrEqual(peerWords[i]! * 8);
      expect(r.stats.bytesSent).toBeLessThan(peerWords[i]! * 8 + 1024);
    });
    await cluster.endTask();
  });

  it('private blocks: a 1-D value is refused and fails the run', async () => {
    await cluster.beginTask('private-bad');
    const spu = cluster.spu();
    const x = cluster.pyu('alice').call('builtin.pattern', [16], 4);
    const w = cluster.pyu('bob').call('builtin.pattern', [16, 1], 2);
    const [y] = spu.run('builtin.privateMatmul', [w], null, { private: [x] });
    await expect(y!.ready).rejects.toThrow(/2-D/);
    await cluster.endTask();
  });

  it('keeps the TTP configuration free of warnings', () => {
    expect(warnings).toEqual([]);
  });
});
