// Fixed-mask products vs a float64 reference (SEMI2K TTP/TFP, 2 and 3 ranks, FM64/FM128; REF2K),
// and the counted traffic per rank pair, the dealer's bytes and the round clock vs maskedCost.
import { describe, expect, it } from 'vitest';
import { toBytes, type FieldType } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import type { SpuContext } from './context.ts';
import { runLocal, shareInputs } from './simulation.ts';
import { LocalHub } from './local-hub.ts';
import { reconstruct } from './share.ts';
import type { SecretTensor } from './secret-tensor.ts';
import { dealerMaskedCount } from './mpc/masked-correlations.ts';
import { maskedCost } from './mpc/masked-cost.ts';
import type { MaskedMatrix } from './mpc/masked-matrix.ts';
import { barrier } from './__tests__/barrier.ts';
import { testRng } from './__tests__/test-rng.ts';
import { expectCountedTraffic } from './__tests__/counted-traffic.ts';

const N = 37, D = 6, R0 = 5, R1 = 29, B = R1 - R0;

function data(seed: string) {
  const rnd = testRng(seed);
  const u = () => (rnd() - 0.5) * 4; // |v| < 2
  return { x: Float64Array.from({ length: N * D }, u), w: Float64Array.from({ length: D }, u), r: Float64Array.from({ length: B }, u) };
}

function refRight(x: Float64Array, w: Float64Array): Float64Array {
  const out = new Float64Array(B);
  for (let i = R0; i < R1; i++) for (let j = 0; j < D; j++) out[i - R0]! += x[i * D + j]! * w[j]!;
  return out;
}
function refLeft(x: Float64Array, r: Float64Array): Float64Array {
  const out = new Float64Array(D);
  for (let i = R0; i < R1; i++) for (let j = 0; j < D; j++) out[j]! += x[i * D + j]! * r[i - R0]!;
  return out;
}
const maxErr = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const fxp = (field: FieldType) => (field === 'FM64' ? 18 : 26);

async function run(cfg: SpuConfig, parties: number, seed: string) {
  const { x, w, r } = data(seed);
  const xs = shareInputs(cfg, x, [N, D], parties);
  const ws = shareInputs(cfg, w, [D, 1], parties);
  const rs = shareInputs(cfg, r, [B, 1], parties);
  const { results } = await runLocal(cfg, parties, async (ctx) => {
    const m = await ctx.fixedMask(xs[ctx.rank]!);
    const y = await ctx.maskedMatmul(m, [R0, R1], ws[ctx.rank]!);
    const g = await ctx.maskedMatmulT(m, [R0, R1], rs[ctx.rank]!);
    const q = await ctx.maskedMatmul(m, [R0, R1], ws[ctx.rank]!, 2); // / 4 folded into the truncation
    await ctx.releaseMasked(m);
    return [toBytes(ctx.unwrap(y)).slice(), toBytes(ctx.unwrap(g)).slice(), toBytes(ctx.unwrap(q)).slice()] as const;
  });
  return {
    y: reconstruct(cfg, results.map((q) => q[0]), [B, 1]),
    g: reconstruct(cfg, results.map((q) => q[1]), [D, 1]),
    quarter: reconstruct(cfg, results.map((q) => q[2]), [B, 1]),
    ref: { y: refRight(x, w), g: refLeft(x, r) },
  };
}

describe('fixed-mask products match the plaintext product', () => {
  for (const protocol of ['SEMI2K', 'REF2K'] as const)
    for (const beaverType of protocol === 'SEMI2K' ? (['TTP', 'TFP'] as const) : (['TTP'] as const))
      for (const field of ['FM64', 'FM128'] as const)
        for (const parties of [2, 3])
          it(`${protocol}/${beaverType} ${field} ${parties} ranks`, async () => {
            const f = fxp(field);
            const cfg: SpuConfig = { protocol, field, fxpFractionBits: f, beaverType, onWarning: () => undefined };
            const before = dealerMaskedCount();
            const out = await run(cfg, parties, `${protocol}${beaverType}${field}${parties}`);
            // Error: encoding rounding of x and w (each <= 2^-(f+1), |values| < 2) summed over <= 24
            // terms, plus one ulp of truncation: < 50 * 2^-f.
            const bound = 50 * 2 ** -f;
            expect(maxErr(out.y, out.ref.y)).toBeLessThan(bound);
            expect(maxErr(out.g, out.ref.g)).toBeLessThan(bound);
            expect(maxErr(out.quarter, out.ref.y.map((v) => v / 4))).toBeLessThan(bound / 4 + 2 ** -f);
            // The dealer's table entry was released.
            expect(dealerMaskedCount()).toBe(before);
          });
});

describe('a masked matrix outlives its session (the SS-LR job masks in one SPU run, uses it in later ones)', () => {
  it('SEMI2K/TTP FM64, 2 ranks, three sessions on one dealer endpoint', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const { x, w } = data('sessions');
    const xs = shareInputs(cfg, x, [N, D], 2);
    const ws = shareInputs(cfg, w, [D, 1], 2);
    const { results: ms } = await runLocal(cfg, 2, (ctx) => ctx.fixedMask(xs[ctx.rank]!));
    const { results } = await runLocal(cfg, 2, async (ctx) => toBytes(ctx.unwrap(await ctx.maskedMatmul(ms[ctx.rank]!, [R0, R1], ws[ctx.rank]!))).slice());
    expect(maxErr(reconstruct(cfg, results, [B, 1]), refRight(x, w))).toBeLessThan(50 * 2 ** -18);
    await runLocal(cfg, 2, (ctx) => ctx.releaseMasked(ms[ctx.rank]!));
    await expect(runLocal(cfg, 2, (ctx) => ctx.maskedMatmul(ms[ctx.rank]!, [R0, R1], ws[ctx.rank]!))).rejects.toThrow(/released/);
  });

  it('opaque handle, argument checks', async () => {
    const cfg: SpuConfig = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const xs = shareInputs(cfg, new Float64Array(N * D), [N, D], 2);
    const ws = shareInputs(cfg, new Float64Array(D + 1), [D + 1, 1], 2);
    await runLocal(cfg, 2, async (ctx) => {
      const m: MaskedMatrix = await ctx.fixedMask(xs[ctx.rank]!);
      expect(m.shape).toEqual([N, D]);
      expect(() => JSON.stringify(m)).toThrow(TypeError);
      expect(() => `${m as unknown as number + 1}`).toThrow(TypeError);
      await expect(ctx.maskedMatmul(m, [R0, R1], ws[ctx.rank]!)).rejects.toThrow(RangeError);
      await expect(ctx.maskedMatmul(m, [0, N + 1], ws[ctx.rank]!)).rejects.toThrow(RangeError);
    });
  });
});

describe('counted traffic == maskedCost', () => {
  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      for (const parties of [2, 3])
        for (const kernel of ['fixedMask', 'maskedMatmul', 'maskedMatmulT'] as const)
          it(`${kernel} ${beaverType} ${field} ${parties} ranks`, async () => {
            const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: fxp(field), beaverType, onWarning: () => undefined };
            const { x, w, r } = data('cost');
            const xs = shareInputs(cfg, x, [N, D], parties);
            const ws = shareInputs(cfg, w, [D, 1], parties);
            const rs = shareInputs(cfg, r, [B, 1], parties);
            const hub = new LocalHub(parties);
            const sync = barrier(parties, () => hub.resetCounters());
            await runLocal(cfg, parties, async (ctx: SpuContext) => {
              await ctx.revealToAll(ws[ctx.rank]!); // warm-up: session setup traffic settles
              let m: MaskedMatrix | undefined;
              if (kernel !== 'fixedMask') m = await ctx.fixedMask(xs[ctx.rank]!);
              await sync();
              let out: SecretTensor | MaskedMatrix;
              if (kernel === 'fixedMask') out = await ctx.fixedMask(xs[ctx.rank]!);
              else if (kernel === 'maskedMatmul') out = await ctx.maskedMatmul(m!, [R0, R1], ws[ctx.rank]!);
              else out = await ctx.maskedMatmulT(m!, [R0, R1], rs[ctx.rank]!);
              return out;
            }, hub);
            const want = maskedCost(kernel, kernel === 'fixedMask' ? [N, D] : [B, D], field);
            expectCountedTraffic(hub, parties, beaverType, want, () => want.bytesPerPeer);
            for (let i = 0; i < parties; i++) for (let j = 0; j < parties; j++) if (i !== j) expect(hub.traffic(i, j).messages).toBe(want.rounds);
          });
});

describe('k secret columns in one product (one pass over the mask)', () => {
  const K = 3;
  for (const protocol of ['SEMI2K', 'REF2K'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      it(`${protocol} ${field}: X^T R and X W per column, traffic == maskedCost with k`, async () => {
        const f = fxp(field);
        const cfg: SpuConfig = { protocol, field, fxpFractionBits: f, beaverType: 'TTP', onWarning: () => undefined };
        const cols = [0, 1, 2].map((c) => data(`k${c}`));
        const x = cols[0]!.x;
        // R [B, K] and W [D, K] row-major, column c = the c-th data set's vector.
        const R = Float64Array.from({ length: B * K }, (_, i) => cols[i % K]!.r[Math.floor(i / K)]!);
        const W = Float64Array.from({ length: D * K }, (_, i) => cols[i % K]!.w[Math.floor(i / K)]!);
        const xs = shareInputs(cfg, x, [N, D], 2);
        const rs = shareInputs(cfg, R, [B, K], 2);
        const ws = shareInputs(cfg, W, [D, K], 2);
        const hub = new LocalHub(2);
        const sync = barrier(2, () => hub.resetCounters());
        let leftBytes = 0;
        const { results } = await runLocal(cfg, 2, async (ctx) => {
          const m = await ctx.fixedMask(xs[ctx.rank]!);
          await sync();
          const g = await ctx.maskedMatmulT(m, [R0, R1], rs[ctx.rank]!);
          if (ctx.rank === 0) leftBytes = hub.traffic(0, 1).bytes;
          const y = await ctx.maskedMatmul(m, [R0, R1], ws[ctx.rank]!);
          await ctx.releaseMasked(m);
          expect(g.shape).toEqual([D, K]);
          expect(y.shape).toEqual([B, K]);
          return [toBytes(ctx.unwrap(g)).slice(), toBytes(ctx.unwrap(y)).slice()] as const;
        }, hub);
        const g = reconstruct(cfg, results.map((q) => q[0]), [D, K]);
        const y = reconstruct(cfg, results.map((q) => q[1]), [B, K]);
        const bound = 50 * 2 ** -f;
        for (let c = 0; c < K; c++) {
          expect(maxErr(g.filter((_, i) => i % K === c), refLeft(x, cols[c]!.r))).toBeLessThan(bound);
          expect(maxErr(y.filter((_, i) => i % K === c), refRight(x, cols[c]!.w))).toBeLessThan(bound);
        }
        if (protocol === 'SEMI2K') expect(leftBytes).toBe(maskedCost('maskedMatmulT', [B, D, K], field).bytesPerPeer);
      });
});
