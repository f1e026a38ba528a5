// msbFromMasked (pair leaves + carry tree) against plaintext msb(c - r mod 2^k): exhaustive over
// every (c, r) for small k of both parities (odd/even leaf counts), and structured 64-bit cases
// where c and r agree on long runs (the carry crosses many leaves).
import { describe, expect, it } from 'vitest';
import { Prg, randomSeed } from '@sfw/ring';
import { planeBits, planeWords } from './bitslice.ts';
import { bitsFromMasked, msbFromMasked, msbPairs, type Plane } from './circuits.ts';
import { runNl } from '../../__tests__/nl-harness.ts';

/** Plane j of bigint values (bit j of every element). */
function planesOf(vals: readonly bigint[], k: number): Plane[] {
  const W = planeWords(vals.length);
  const ps = Array.from({ length: k }, () => new Uint32Array(W));
  vals.forEach((v, i) => {
    for (let j = 0; j < k; j++) if ((v >> BigInt(j)) & 1n) ps[j]![i >>> 5]! |= 1 << (i & 31);
  });
  return ps;
}

/** XOR shares of each plane for N ranks (CSPRNG masks). */
function xorShare(ps: readonly Plane[], N: number): Plane[][] {
  const prg = new Prg(randomSeed());
  const out: Plane[][] = Array.from({ length: N }, () => []);
  for (const p of ps) {
    let acc = p.slice();
    for (let r = 1; r < N; r++) {
      const m = new Uint32Array(prg.bytes(4 * p.length).buffer);
      out[r]!.push(m);
      acc = acc.map((w, i) => w ^ m[i]!);
    }
    out[0]!.push(acc);
  }
  return out;
}

async function check(N: number, k: number, cs: bigint[], rs: bigint[]): Promise<void> {
  const n = cs.length;
  const mask = (1n << BigInt(k)) - 1n;
  const C = planesOf(cs, k);
  const R = planesOf(rs, k);
  const M = Array.from({ length: msbPairs(k) }, (_, j) => R[2 * j]!.map((w, i) => ~(w | R[2 * j + 1]![i]!)));
  const Rs = xorShare(R, N), Ms = xorShare(M, N);
  const { results } = await runNl(N, 'FM64', 0, (env) => msbFromMasked(env, C, Rs[env.comm.rank]!, Ms[env.comm.rank]!, k));
  const w = new Uint32Array(planeWords(n));
  for (const p of results) for (let i = 0; i < w.length; i++) w[i] = w[i]! ^ p[i]!;
  const got = planeBits(w, n);
  for (let i = 0; i < n; i++) {
    const want = Number((((cs[i]! - rs[i]!) & mask) >> BigInt(k - 1)) & 1n);
    if (got[i] !== want) expect({ k, c: cs[i], r: rs[i], got: got[i] }).toEqual({ k, c: cs[i], r: rs[i], got: want });
  }
}

describe('msbFromMasked', () => {
  it.each([[2, 7], [2, 8], [3, 9], [2, 6]])('%i ranks, k = %i: every (c, r) pair', async (N, k) => {
    const cs: bigint[] = [], rs: bigint[] = [];
    for (let c = 0; c < 1 << k; c++) for (let r = 0; r < 1 << k; r++) { cs.push(BigInt(c)); rs.push(BigInt(r)); }
    await check(N, k, cs, rs);
  }, 60_000);

  it('k = 64: c and r equal on long runs, off by one, and random', async () => {
    const prg = new Prg(randomSeed());
    const u64 = (): bigint => prg.fillRing('FM64', 1).data[0]!;
    const M64 = (1n << 64n) - 1n;
    const cs: bigint[] = [], rs: bigint[] = [];
    for (let t = 0; t < 2000; t++) {
      const r = u64();
      const j = BigInt(t % 64);
      for (const c of [r, (r + 1n) & M64, (r - 1n) & M64, r ^ (1n << j), (r ^ (1n << 63n)), u64(), 0n, M64]) { cs.push(c); rs.push(r); }
    }
    await check(2, 64, cs, rs);
  }, 60_000);
});

/** bitsFromMasked with and without the dealt pair products against plaintext (c - r) mod 2^kk. */
async function checkBits(N: number, kk: number, cs: bigint[], rs: bigint[]): Promise<void> {
  const n = cs.length;
  const mask = (1n << BigInt(kk)) - 1n;
  const C = planesOf(cs, kk);
  const R = planesOf(rs, kk);
  const M = Array.from({ length: (kk - 1) >> 1 }, (_, j) => R[2 * j]!.map((w, i) => ~(w | R[2 * j + 1]![i]!)));
  const Rs = xorShare(R, N), Ms = xorShare(M, N);
  for (const withPairs of [true, false]) {
    const { results } = await runNl(N, 'FM64', 0, (env) => bitsFromMasked(env, C, Rs[env.comm.rank]!, kk, withPairs ? Ms[env.comm.rank]! : undefined));
    for (let j = 0; j < kk; j++) {
      const w = new Uint32Array(planeWords(n));
      for (const r of results) for (let i = 0; i < w.length; i++) w[i] = w[i]! ^ r[j]![i]!;
      const got = planeBits(w, n);
      for (let i = 0; i < n; i++) {
        const want = Number((((cs[i]! - rs[i]!) & mask) >> BigInt(j)) & 1n);
        if (got[i] !== want) expect({ kk, withPairs, bit: j, c: cs[i], r: rs[i], got: got[i] }).toEqual({ kk, withPairs, bit: j, c: cs[i], r: rs[i], got: want });
      }
    }
  }
}

describe('bitsFromMasked', () => {
  it.each([[2, 4], [2, 5], [3, 6], [2, 7]])('%i ranks, kk = %i: every (c, r) pair', async (N, kk) => {
    const cs: bigint[] = [], rs: bigint[] = [];
    for (let c = 0; c < 1 << kk; c++) for (let r = 0; r < 1 << kk; r++) { cs.push(BigInt(c)); rs.push(BigInt(r)); }
    await checkBits(N, kk, cs, rs);
  }, 60_000);

  it.each([44, 45])('kk = %i: c and r equal on long runs, off by one, and random', async (kk) => {
    const prg = new Prg(randomSeed());
    const mask = (1n << BigInt(kk)) - 1n;
    const u = (): bigint => prg.fillRing('FM64', 1).data[0]! & mask;
    const cs: bigint[] = [], rs: bigint[] = [];
    for (let t = 0; t < 300; t++) {
      const r = u();
      const j = BigInt(t % kk);
      for (const c of [r, (r + 1n) & mask, (r - 1n) & mask, r ^ (1n << j), u(), 0n, mask]) { cs.push(c); rs.push(r); }
    }
    await checkBits(2, kk, cs, rs);
  }, 60_000);
});
