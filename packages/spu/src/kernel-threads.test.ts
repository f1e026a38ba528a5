// SEMI2K with ring's kernel threads on (every rank and the dealer split their large kernels over
// helpers, docs/ring.md "Kernel threads"): results against float references within the stated
// fixed-point bounds, and the splits really happened.
import { afterAll, describe, expect, it } from 'vitest';
import { helperJobs, setKernelThreads } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { runLocal, shareInputs } from './simulation.ts';

afterAll(() => setKernelThreads(1));

for (const field of ['FM64', 'FM128'] as const)
  describe(`SEMI2K ${field} on 2 kernel threads`, () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType: 'TTP' };
    const ulp = 2 ** -(field === 'FM64' ? 18 : 26);

    it('mul, square, matmul match plaintext (2 and 3 ranks)', async () => {
      setKernelThreads(2);
      const n = (1 << 17) + 5;
      const xs = Float64Array.from({ length: n }, (_, i) => (((i * 7919) % 4001) - 2000) / 37);
      const ys = Float64Array.from({ length: n }, (_, i) => (((i * 104729) % 3001) - 1500) / 53);
      const [m, k, c] = [41, 330, 330]; // > 2 x 2^21 multiply-adds per product
      const a = Float64Array.from({ length: m * k }, (_, i) => ((i % 19) - 9) / 8);
      const b = Float64Array.from({ length: k * c }, (_, i) => ((i % 23) - 11) / 16);
      for (const parties of [2, 3]) {
        const X = shareInputs(cfg, xs, [n], parties), Y = shareInputs(cfg, ys, [n], parties);
        const A = shareInputs(cfg, a, [m, k], parties), B = shareInputs(cfg, b, [k, c], parties);
        const j0 = helperJobs();
        const { results } = await runLocal(cfg, parties, async (ctx) => [
          await ctx.revealToAll(await ctx.mul(X[ctx.rank]!, Y[ctx.rank]!)),
          await ctx.revealToAll(await ctx.square(X[ctx.rank]!)),
          await ctx.revealToAll(await ctx.matmul(A[ctx.rank]!, B[ctx.rank]!)),
        ]);
        expect(helperJobs()).toBeGreaterThan(j0);
        const [z, s, p] = results[0]!;
        let worst = 0;
        xs.forEach((x, i) => {
          const y = ys[i]!;
          worst = Math.max(worst, Math.abs(z![i]! - x * y) / (ulp * (1.25 + (Math.abs(x) + Math.abs(y)) / 2)));
          worst = Math.max(worst, Math.abs(s![i]! - x * x) / (ulp * (1.25 + Math.abs(x))));
        });
        expect(worst).toBeLessThanOrEqual(1);
        // Inputs are exact in fixed point (multiples of 1/16), so the product is exact before the
        // truncation, which adds at most one ulp.
        for (let i = 0; i < m; i++)
          for (let j = 0; j < c; j++) {
            let ref = 0;
            for (let t = 0; t < k; t++) ref += a[i * k + t]! * b[t * c + j]!;
            expect(Math.abs(p![i * c + j]! - ref)).toBeLessThanOrEqual(ulp);
          }
      }
      setKernelThreads(1);
    }, 180_000);
  });
