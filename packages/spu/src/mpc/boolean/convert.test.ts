import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIELD_BITS, add, fromBigInts, toBigInts, type FieldType, type RingTensor } from '@sfw/ring';
import { planeBits, planeWords } from './bitslice.ts';
import { a2b, b2a, b2aBit, eqzA2B, msbA2B } from './convert.ts';
import { runNl } from '../../__tests__/nl-harness.ts';
import type { Plane } from './circuits.ts';
import { Prg, randomSeed } from '@sfw/ring';

/** Additive shares of public values for tests (CSPRNG masks). */
function share(field: FieldType, vals: bigint[], n: number): RingTensor[] {
  const prg = new Prg(randomSeed());
  const x = fromBigInts(field, vals);
  const sh: RingTensor[] = [];
  let acc = fromBigInts(field, vals.map(() => 0n));
  for (let i = 0; i < n - 1; i++) { const r = prg.fillRing(field, vals.length); sh.push(r); acc = add(acc, r); }
  sh.push(fromBigInts(field, toBigInts(x).map((v, i) => v - toBigInts(acc)[i]!)));
  return sh;
}
const xorOpen = (ps: Plane[], n: number): Uint8Array => {
  const w = new Uint32Array(planeWords(n));
  for (const p of ps) for (let i = 0; i < w.length; i++) w[i] = w[i]! ^ (p[i]!);
  return planeBits(w, n);
};
const sumOpen = (ts: RingTensor[]): bigint[] => toBigInts(ts.reduce((a, b) => add(a, b)), true);

const edge = (k: number): bigint[] => [0n, 1n, -1n, 2n, -2n, (1n << BigInt(k - 1)) - 1n, -(1n << BigInt(k - 1)), 123456789n, -987654321n];

describe.each([2, 3])('boolean conversions, %i parties', (N) => {
  describe.each(['FM64', 'FM128'] as const)('%s', (field) => {
    const k = FIELD_BITS[field];
    it('msb / eqz / a2b / b2a / b2aBit match plaintext on random and edge values', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt({ min: -(1n << BigInt(k - 1)), max: (1n << BigInt(k - 1)) - 1n }), { minLength: 1, maxLength: 40 }), async (rnd) => {
          const vals = [...edge(k), ...rnd];
          const n = vals.length;
          const sh = share(field, vals, N);
          const { results } = await runNl(N, field, 18, async (core) => {
            const x = sh[core.comm.rank]!;
            const m = await msbA2B(core, x);
            const z = await eqzA2B(core, x);
            const bits = await a2b(core, x);
            const back = await b2a(core, bits, n);
            const mA = await b2aBit(core, m, n);
            return { m, z, bits, back, mA };
          });
          const msb = xorOpen(results.map((r) => r.m), n);
          const eqz = xorOpen(results.map((r) => r.z), n);
          const back = sumOpen(results.map((r) => r.back));
          const mA = sumOpen(results.map((r) => r.mA));
          for (let i = 0; i < n; i++) {
            const v = vals[i]!;
            expect(msb[i]).toBe(v < 0n ? 1 : 0);
            expect(eqz[i]).toBe(v === 0n ? 1 : 0);
            expect(back[i]).toBe(v);
            expect(mA[i]).toBe(v < 0n ? 1n : 0n);
            for (const j of [0, 1, 17, k - 1]) {
              const bj = xorOpen(results.map((r) => r.bits[j]!), n)[i];
              expect(bj).toBe(Number((BigInt.asUintN(k, v) >> BigInt(j)) & 1n));
            }
          }
        }),
        { numRuns: 4 },
      );
    });
  });
});
