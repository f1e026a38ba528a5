// Comparison-family ops against plaintext on the fixed-point-quantised inputs: random values
// (fast-check) plus the edges of the domain (0, +-1 ulp, +-huge within range). These ops are exact
// (Beaver products of bits need no truncation), so the bound is 0 ulp, for SEMI2K 2 and 3 parties,
// FM64 and FM128, and for REF2K.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encode } from '@sfw/ring';
import { resolveConfig } from '../config.ts';
import { cfgOf, runFloat } from '../__tests__/nl-testutil.ts';

const setups = [
  ['SEMI2K', 'FM64', 2],
  ['SEMI2K', 'FM64', 3],
  ['SEMI2K', 'FM128', 2],
  ['SEMI2K', 'FM128', 3],
  ['REF2K', 'FM64', 2],
] as const;

describe.each(setups)('%s %s %i parties: comparisons', (proto, field, N) => {
  const cfg = cfgOf(proto, field);
  const f = resolveConfig(cfg).fxpBits;
  const ulp = 2 ** -f;
  const huge = field === 'FM64' ? 2 ** 40 : 2 ** 90; // |x - y| < 2^(k-1-f) is the exact range
  const q = (v: Float64Array) => decode(encode(v, field, f), f); // what the parties actually hold
  const edges = [0, ulp, -ulp, 1, -1, huge, -huge, 0.5, -0.5, 3 * ulp];
  const arb = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 });

  it('less/greater/lessEqual/greaterEqual/equal (secret-secret and secret-public), exact', async () => {
    await fc.assert(
      fc.asyncProperty(arb, arb, async (a, b) => {
        const xs = q(Float64Array.from([...edges, ...edges, ...a]));
        const ys = q(Float64Array.from([...edges, ...[...edges].reverse(), ...b.slice(0, a.length), ...a.slice(b.length)]));
        const n = xs.length;
        const I = (v: Float64Array) => ({ values: v, shape: [n] });
        const run = (fn: Parameters<typeof runFloat>[3]) => runFloat(cfg, N, [I(xs), I(ys)], fn).then((r) => r.out);
        const lt = await run((c, [x, y]) => c.less(x!, y!));
        const gt = await run((c, [x, y]) => c.greater(x!, y!));
        const le = await run((c, [x, y]) => c.lessEqual(x!, y!));
        const eq = await run((c, [x, y]) => c.equal(x!, y!));
        const ltp = await run((c, [x]) => c.less(x!, 0.25));
        const gep = await run((c, [x]) => c.greaterEqual(-3, x!));
        for (let i = 0; i < n; i++) {
          expect(lt[i]).toBe(xs[i]! < ys[i]! ? 1 : 0);
          expect(gt[i]).toBe(xs[i]! > ys[i]! ? 1 : 0);
          expect(le[i]).toBe(xs[i]! <= ys[i]! ? 1 : 0);
          expect(eq[i]).toBe(xs[i]! === ys[i]! ? 1 : 0);
          expect(ltp[i]).toBe(xs[i]! < 0.25 ? 1 : 0);
          expect(gep[i]).toBe(-3 >= xs[i]! ? 1 : 0);
        }
      }),
      { numRuns: 3 },
    );
  });

  it('select/abs/sign/relu/clip/min/max, exact (select within 1 ulp)', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (a) => {
        const xs = q(Float64Array.from([...edges, ...a]));
        const ys = q(Float64Array.from(xs, (v, i) => (i % 3 === 0 ? v : -v * 0.5 + 1)));
        const n = xs.length;
        const I = (v: Float64Array) => ({ values: v, shape: [n] });
        const run = (fn: Parameters<typeof runFloat>[3]) => runFloat(cfg, N, [I(xs), I(ys)], fn).then((r) => r.out);
        const checks: [Float64Array, (i: number) => number, number][] = [
          [await run(async (c, [x, y]) => c.select(await c.less(x!, y!), x!, y!)), (i) => Math.min(xs[i]!, ys[i]!), ulp],
          [await run((c, [x]) => c.abs(x!)), (i) => Math.abs(xs[i]!), 0],
          [await run((c, [x]) => c.sign(x!)), (i) => (xs[i]! < 0 ? -1 : 1), 0],
          [await run((c, [x]) => c.relu(x!)), (i) => Math.max(0, xs[i]!), 0],
          [await run((c, [x]) => c.clip(x!, -1, 2.5)), (i) => Math.min(2.5, Math.max(-1, xs[i]!)), 0],
          [await run((c, [x, y]) => c.min(x!, y!)), (i) => Math.min(xs[i]!, ys[i]!), 0],
          [await run((c, [x, y]) => c.max(x!, y!)), (i) => Math.max(xs[i]!, ys[i]!), 0],
        ];
        for (const [got, ref, tol] of checks) for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - ref(i))).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 2 },
    );
  });

  it('argmax / maxAlong / one-hot along both axes of a matrix', async () => {
    const m = 5, n = 13;
    const vals = Float64Array.from({ length: m * n }, (_, i) => Math.sin(i * 7.3) * 100 + i * 1e-3);
    const qv = q(vals);
    const I = { values: qv, shape: [m, n] };
    const idx = (await runFloat(cfg, N, [I], (c, [x]) => c.argmax(x!))).out;
    const mx = (await runFloat(cfg, N, [I], (c, [x]) => c.maxAlong(x!))).out;
    const oh0 = await runFloat(cfg, N, [I], (c, [x]) => c.argmax(x!, { axis: 0, output: 'onehot' }));
    expect(oh0.shape).toEqual([m, n]);
    for (let i = 0; i < m; i++) {
      const row = Array.from(qv.subarray(i * n, (i + 1) * n));
      const best = row.indexOf(Math.max(...row));
      expect(idx[i]).toBe(best);
      expect(mx[i]).toBe(row[best]);
    }
    for (let j = 0; j < n; j++) {
      const col = Array.from({ length: m }, (_, i) => qv[i * n + j]!);
      const best = col.indexOf(Math.max(...col));
      for (let i = 0; i < m; i++) expect(oh0.out[i * n + j]).toBe(i === best ? 1 : 0);
    }
  });
});

describe('TFP dealer mode (rank 0 deals; insecure, opt-in) runs the same kernels', () => {
  it('less and sigmoid real match plaintext', async () => {
    const cfg = { ...cfgOf('SEMI2K', 'FM64'), beaverType: 'TFP' as const, onWarning: () => undefined };
    const xs = Float64Array.from({ length: 40 }, (_, i) => (i - 20) * 0.37);
    const ys = Float64Array.from({ length: 40 }, (_, i) => Math.cos(i));
    const I = (v: Float64Array) => ({ values: v, shape: [40] });
    const lt = (await runFloat(cfg, 2, [I(xs), I(ys)], (c, [x, y]) => c.less(x!, y!))).out;
    const sg = (await runFloat(cfg, 2, [I(xs)], (c, [x]) => c.sigmoid(x!, 'real'))).out;
    for (let i = 0; i < 40; i++) {
      expect(lt[i]).toBe(xs[i]! < ys[i]! ? 1 : 0);
      expect(Math.abs(sg[i]! - 1 / (1 + Math.exp(-xs[i]!)))).toBeLessThan(5e-5);
    }
  });
});
