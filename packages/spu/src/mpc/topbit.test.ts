// topBitOneHotA, SEMI2K against REF2K's plaintext rule, unsigned and signed, on the edges of the
// normalisation (every power of two and its neighbours, both signs, zero) and random values.
import { describe, expect, it } from 'vitest';
import { FIELD_BITS, add, fromBigInts, toBigInts, Prg, randomSeed, type FieldType, type RingTensor } from '@sfw/ring';
import { runNl } from '../__tests__/nl-harness.ts';
import { ref2kNl, semi2kNl } from './nonlinear.ts';

function share(field: FieldType, vals: bigint[], n: number): RingTensor[] {
  const prg = new Prg(randomSeed());
  const sh: RingTensor[] = [];
  let acc = fromBigInts(field, vals.map(() => 0n));
  for (let i = 0; i < n - 1; i++) { const r = prg.fillRing(field, vals.length); sh.push(r); acc = add(acc, r); }
  const a = toBigInts(acc);
  sh.push(fromBigInts(field, vals.map((v, i) => v - a[i]!)));
  return sh;
}

describe.each([2, 3])('topBitOneHotA, %i parties', (N) => {
  it.each([
    ['FM64', 44, 8],
    ['FM128', 100, 10],
  ] as const)('%s kk %i G %i: SEMI2K equals the plaintext rule, unsigned and signed', async (field, kk, G) => {
    const k = FIELD_BITS[field];
    const vals: bigint[] = [0n, 1n, -1n, 2n, -2n, 3n, -3n];
    for (let j = 1; j < kk - 1; j++) {
      const p = 1n << BigInt(j);
      vals.push(p, p - 1n, p + 1n, -p, -(p - 1n), -(p + 1n));
    }
    const prg = new Prg(randomSeed());
    for (const v of toBigInts(prg.fillRing(field, 200))) vals.push(BigInt.asIntN(kk, v)); // |v| < 2^(kk-1)
    expect(k).toBeGreaterThan(kk);
    const sh = share(field, vals, N);
    const plain = fromBigInts(field, vals);
    for (const signed of [false, true]) {
      const want = (await ref2kNl.topBitOneHotA(undefined as never, plain, kk, G, signed)).map((t) => toBigInts(t));
      // the contract: J high digits, G - 1 low digits (the last is 1 minus the others), the sign;
      // d = G j + i = kk - 1 - e for the top bit e of x (of (|x| - 1) | 1 for x < 0), no digit at x = 0
      const J = Math.ceil(kk / G);
      expect(want.length).toBe(J + G - 1 + (signed ? 1 : 0));
      vals.forEach((v, i) => {
        if (!signed && v < 0n) return;
        const low = BigInt.asUintN(kk, v < 0n ? (-v - 1n) | 1n : v);
        const hi = want.slice(0, J).map((w) => w[i]!), lo = want.slice(J, J + G - 1).map((w) => w[i]!);
        if (low === 0n) { expect(hi.every((b) => b === 0n)).toBe(true); return; }
        const d = kk - low.toString(2).length;
        expect(hi.map(Number)).toEqual(hi.map((_, j) => (j === Math.floor(d / G) ? 1 : 0)));
        expect(lo.map(Number)).toEqual(lo.map((_, q) => (q === d % G ? 1 : 0))); // all 0: d % G = G - 1
      });
      const { results } = await runNl(N, field, 18, (env) => semi2kNl.topBitOneHotA(env, sh[env.comm.rank]!, kk, G, signed));
      expect(results[0]!.length).toBe(want.length);
      want.forEach((w, b) => {
        const got = toBigInts(results.map((r) => r[b]!).reduce((a, c) => add(a, c)));
        // unsigned mode only defines digits for x > 0
        const idx = vals.map((v, i) => (signed || v >= 0n ? i : -1)).filter((i) => i >= 0);
        expect(idx.map((i) => got[i])).toEqual(idx.map((i) => w[i]));
      });
    }
  }, 60_000);
});
