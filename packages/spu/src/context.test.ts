// SpuContext (the jobs-facing API) against plaintext float references, plus the opaque
// SecretTensor, the TFP warning, serialisation of concurrent ops and dealer sessions.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { runLocal, shareInputs } from './simulation.ts';
import { LocalHub } from './local-hub.ts';
import { makeShares, reconstruct } from './share.ts';

const CONFIGS: SpuConfig[] = [];
for (const protocol of ['SEMI2K', 'REF2K'] as const)
  for (const field of ['FM64', 'FM128'] as const) CONFIGS.push({ protocol, field, fxpFractionBits: 0, beaverType: 'TTP' });

const f64 = (xs: number[]) => Float64Array.from(xs);

for (const cfg of CONFIGS)
  for (const parties of [2, 3])
    describe(`SpuContext ${cfg.protocol} ${cfg.field} ${parties} parties`, () => {
      const f = cfg.field === 'FM64' ? 18 : 26;
      const ulp = 2 ** -f;

      it('fixed-point mul and square: |z - xy| <= ulp * (1.25 + (|x| + |y|) / 2)', async () => {
        const num = fc.double({ min: -1000, max: 1000, noNaN: true });
        await fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(num, num), { minLength: 1, maxLength: 8 }), async (pairs) => {
            const xs = f64(pairs.map((p) => p[0])), ys = f64(pairs.map((p) => p[1]));
            const X = shareInputs(cfg, xs, [xs.length], parties), Y = shareInputs(cfg, ys, [ys.length], parties);
            const { results } = await runLocal(cfg, parties, async (c) => {
              const z = await c.mul(X[c.rank]!, Y[c.rank]!);
              const s = await c.square(X[c.rank]!);
              return [await c.revealToAll(z), await c.revealToAll(s)];
            });
            const [z, s] = results[0]!;
            xs.forEach((x, i) => {
              const y = ys[i]!;
              expect(Math.abs(z![i]! - x * y)).toBeLessThanOrEqual(ulp * (1.25 + (Math.abs(x) + Math.abs(y)) / 2));
              expect(Math.abs(s![i]! - x * x)).toBeLessThanOrEqual(ulp * (1.25 + Math.abs(x)));
            });
          }),
          { numRuns: 10 },
        );
      });

      it('matmul, matmulPublic, publicMatmul, mulPublic, addPublic vs float reference', async () => {
        const a = f64([1.5, -2, 0.25, 3, 4.5, -6]); // 2 x 3
        const b = f64([2, -1, 0.5, 1, -3, 0.125]); // 3 x 2
        const ref = [1.5 * 2 + -2 * 0.5 + 0.25 * -3, 1.5 * -1 + -2 * 1 + 0.25 * 0.125, 3 * 2 + 4.5 * 0.5 + -6 * -3, 3 * -1 + 4.5 * 1 + -6 * 0.125];
        const A = shareInputs(cfg, a, [2, 3], parties), B = shareInputs(cfg, b, [3, 2], parties);
        const { results } = await runLocal(cfg, parties, async (c) => {
          const m1 = await c.revealToAll(await c.matmul(A[c.rank]!, B[c.rank]!));
          const m2 = await c.revealToAll(await c.matmulPublic(A[c.rank]!, b, [3, 2]));
          const m3 = await c.revealToAll(await c.publicMatmul(a, [2, 3], B[c.rank]!));
          const mp = await c.revealToAll(await c.mulPublic(A[c.rank]!, -0.75));
          const mv = await c.revealToAll(await c.mulPublic(A[c.rank]!, [1, 2, 3], [3])); // row broadcast
          const ap = await c.revealToAll(c.addPublic(A[c.rank]!, [10, 20, 30], [3]));
          const as = await c.revealToAll(c.addPublic(c.mulPublicInt(A[c.rank]!, -3), 0.5));
          const sp = await c.revealToAll(c.subPublic(A[c.rank]!, [1, 2, 3], [3]));
          const ps = await c.revealToAll(c.publicSub(0.25, A[c.rank]!));
          return { m1, m2, m3, mp, mv, ap, as, sp, ps };
        });
        const r = results[parties - 1]!;
        const tol = 8 * ulp;
        ref.forEach((v, i) => {
          expect(Math.abs(r.m1[i]! - v)).toBeLessThan(tol);
          expect(Math.abs(r.m2[i]! - v)).toBeLessThan(tol);
          expect(Math.abs(r.m3[i]! - v)).toBeLessThan(tol);
        });
        a.forEach((v, i) => {
          expect(Math.abs(r.mp[i]! - v * -0.75)).toBeLessThan(tol);
          expect(Math.abs(r.mv[i]! - v * ((i % 3) + 1))).toBeLessThan(tol);
          expect(r.ap[i]).toBe(v + [10, 20, 30][i % 3]!);
          expect(r.as[i]).toBe(v * -3 + 0.5);
          expect(r.sp[i]).toBe(v - ((i % 3) + 1));
          expect(r.ps[i]).toBe(0.25 - v);
        });
      });

      it('sum, transpose, reshape, slice, concat, neg, sub, fromPublic (exact)', async () => {
        const a = f64([1, 2, 3, 4, 5, 6]); // 2 x 3
        const A = shareInputs(cfg, a, [2, 3], parties);
        const { results } = await runLocal(cfg, parties, async (c) => {
          const x = A[c.rank]!;
          const p = c.fromPublic([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [2, 3]);
          const rev = (t: Parameters<typeof c.revealToAll>[0]) => c.revealToAll(t);
          return {
            all: await rev(c.sum(x)),
            ax0: await rev(c.sum(x, 0)),
            ax1: await rev(c.sum(x, 1)),
            tr: await rev(c.transpose(x)),
            rs: (await rev(c.reshape(x, [3, 2]))).length,
            sl: await rev(c.slice(x, 1, 2)),
            c0: await rev(c.concat([x, c.slice(x, 0, 1)], 0)),
            c1: await rev(c.concat([x, c.transpose(c.reshape(c.sum(x, 1), [1, 2]))], 1)),
            ns: await rev(c.sub(c.neg(x), p)),
            shapes: [c.sum(x).shape, c.sum(x, 0).shape, c.transpose(x).shape, c.concat([x, x], 1).shape],
          };
        });
        const r = results[0]!;
        expect([...r.all]).toEqual([21]);
        expect([...r.ax0]).toEqual([5, 7, 9]);
        expect([...r.ax1]).toEqual([6, 15]);
        expect([...r.tr]).toEqual([1, 4, 2, 5, 3, 6]);
        expect(r.rs).toBe(6);
        expect([...r.sl]).toEqual([4, 5, 6]);
        expect([...r.c0]).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3]);
        expect([...r.c1]).toEqual([1, 2, 3, 6, 4, 5, 6, 15]);
        expect([...r.ns]).toEqual([-1.5, -2.5, -3.5, -4.5, -5.5, -6.5]);
        expect(r.shapes).toEqual([[], [3], [3, 2], [2, 6]]);
      });

      it('concurrent un-awaited ops are serialised consistently on every rank', async () => {
        const xs = f64([1, 2, 3, 4]);
        const X = shareInputs(cfg, xs, [4], parties);
        const { results } = await runLocal(cfg, parties, async (c) => {
          const x = X[c.rank]!;
          const outs = await Promise.all([c.mul(x, x), c.matmul(c.reshape(x, [2, 2]), c.reshape(x, [2, 2])), c.truncate(c.mulPublicInt(x, 8), 2), c.mul(x, c.neg(x))]);
          return Promise.all(outs.map((o) => c.revealToAll(o)));
        });
        const [sq, mm, tr, nsq] = results[0]!;
        expect([...sq!]).toEqual([1, 4, 9, 16]);
        expect([...mm!]).toEqual([7, 10, 15, 22]);
        tr!.forEach((v, i) => expect(Math.abs(v - xs[i]! * 2)).toBeLessThanOrEqual(ulp));
        expect([...nsq!]).toEqual([-1, -4, -9, -16]);
      });
    });

describe('SecretTensor is opaque', () => {
  it('refuses coercion and serialisation; inspect shows the shape only', () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
    const [t] = shareInputs(cfg, f64([3.25, 7]), [2], 2);
    expect(() => `${String(t)}`).toThrow(TypeError);
    expect(() => JSON.stringify({ t })).toThrow(TypeError);
    expect(() => +(t as unknown as number)).toThrow(TypeError);
    expect(() => (t as unknown as number) + 1).toThrow(TypeError);
    expect(inspect(t)).toBe('SecretTensor<FM64>[2]');
    expect(inspect({ t })).not.toMatch(/\d{4,}/);
  });
});

describe('sharing', () => {
  it('SEMI2K shares are fresh and individually unlike the value; reconstruct sums them', () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM128', fxpFractionBits: 0, beaverType: 'TTP' };
    const v = f64([0, 1, -1, 123.5]);
    const s1 = makeShares(cfg, v, [4], 3), s2 = makeShares(cfg, v, [4], 3);
    expect(Buffer.from(s1[1]!).equals(Buffer.from(s2[1]!))).toBe(false);
    expect([...reconstruct(cfg, s1, [4])]).toEqual([...v]);
    expect([...reconstruct(cfg, [s1[0]!, s2[1]!, s1[2]!], [4])]).not.toEqual([...v]);
  });

  it('REF2K reconstruct detects ranks that disagree', () => {
    const cfg: SpuConfig = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
    const a = makeShares(cfg, f64([1, 2]), [2], 2), b = makeShares(cfg, f64([1, 3]), [2], 2);
    expect(() => reconstruct(cfg, [a[0]!, b[1]!], [2])).toThrow(/disagree/);
  });
});

describe('dealer modes', () => {
  it('TFP works, needs no dealer endpoint, and warns once (rank 0) that it is insecure', async () => {
    const warnings: string[] = [];
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TFP', onWarning: (m) => warnings.push(m) };
    const X = shareInputs(cfg, f64([1.5, -2]), [2], 3);
    const { results, hub } = await runLocal(cfg, 3, async (c) => c.revealToAll(await c.mul(X[c.rank]!, X[c.rank]!)));
    expect([...results[2]!]).toEqual([2.25, 4]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/insecure/i);
    for (let r = 0; r < 3; r++) expect(hub.traffic(3, r).messages + hub.traffic(r, 3).messages).toBe(0);
  });

  it('TTP emits no warning; one dealer serves consecutive sessions', async () => {
    const warnings: string[] = [];
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP', onWarning: (m) => warnings.push(m) };
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    for (let session = 0; session < 3; session++) {
      const X = shareInputs(cfg, f64([session, 2]), [2], 2);
      const ctxs = [0, 1].map((r) => createSpuContext(cfg, hub.endpoint(r)));
      const out = await Promise.all(ctxs.map(async (c) => c.revealToAll(await c.mul(X[c.rank]!, X[c.rank]!))));
      ctxs.forEach((c) => c.close());
      expect([...out[0]!]).toEqual([session * session, 4]);
    }
    dealer.stop();
    await dealer.done;
    expect(warnings).toHaveLength(0);
  });
});

describe('dealer failures surface on both sides', () => {
  it('a request the dealer cannot serve rejects at rank 0 and fails the dealer', async () => {
    const { correlationKind } = await import('./mpc/correlation.ts');
    const { SEMI2K } = await import('./protocol.ts');
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
    // A kind whose dealer-side derive() throws, in a table both sides are given.
    const correlations = SEMI2K.correlations!.with([correlationKind<{ n: number }>('test.broken', {
      parse: (raw) => ({ n: Number((raw as { n: number }).n) }),
      random: (p, field) => [{ name: 'a', field, shape: [p.n], sharing: 'additive' }],
      derived: (p, field) => [{ name: 'c', field, shape: [p.n], sharing: 'additive' }],
      derive: () => {
        throw new Error('broken');
      },
    })]);
    expect(correlations.kinds()).toContain('test.broken');
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2), { correlations });
    const ctxs = [0, 1].map((r) => createSpuContext(cfg, hub.endpoint(r), { correlations }));
    await expect(ctxs[0]!.dealer!.takeAll('test.broken', { n: 4 })).rejects.toThrow(/could not serve/);
    await expect(dealer.done).rejects.toThrow(/broken/);
    await ctxs[1]!.dealer!.takeAll('test.broken', { n: 4 }); // non-adjust ranks need no dealer
  });
});
