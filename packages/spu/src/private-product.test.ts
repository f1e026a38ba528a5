// privateMatmul (products of rank-held plaintext blocks with a secret, mpc/private-product.ts) vs a
// float64 reference (SEMI2K TTP/TFP, REF2K, FM64/FM128, 2 and 3 ranks, k = 1 and 3, row ranges,
// shift); counted traffic per rank pair, dealer bytes and rounds vs privateMatmulCost; and the
// leakage checks: what a non-owner rank receives and opens does not depend on the owner's block or
// on w (chi-square homogeneity, as masked-leakage.test.ts), the owner's plaintext never appears in
// any message, and the owner-only mask is not drawn by the other ranks.
import { describe, expect, it } from 'vitest';
import { toBytes, type FieldType } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import { runLocal, shareInputs } from './simulation.ts';
import { importShare, makeShares, reconstruct } from './share.ts';
import { privateMatmulCost } from './mpc/private-product.ts';
import { PrivateTensor } from './private-tensor.ts';
import { barrier } from './__tests__/barrier.ts';
import { testRng } from './__tests__/test-rng.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, wordsOf as words, type Hist } from './__tests__/leakage-stats.ts';
import { expectCountedTraffic } from './__tests__/counted-traffic.ts';

const N = 29, R0 = 3, R1 = 26;

const vals = (rnd: () => number, n: number) => Float64Array.from({ length: n }, () => (rnd() - 0.5) * 4);
const fxp = (field: FieldType) => (field === 'FM64' ? 18 : 26);
const maxErr = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Blocks (owner, cols), their row-major values, and the plaintext [X_1 | X_2 | ...][r0:r1] . w. */
function plainProduct(blocks: { owner: number; cols: number; x: Float64Array }[], w: Float64Array, k: number, r0: number, r1: number): Float64Array {
  const out = new Float64Array((r1 - r0) * k);
  let off = 0;
  for (const b of blocks) {
    for (let i = r0; i < r1; i++)
      for (let j = 0; j < b.cols; j++)
        for (let c = 0; c < k; c++) out[(i - r0) * k + c]! += b.x[i * b.cols + j]! * w[(off + j) * k + c]!;
    off += b.cols;
  }
  return out;
}

function layout(parties: number, seed: string) {
  const rnd = testRng(seed);
  // Two blocks for 2 ranks; three for 3 ranks, rank 0 owning two of them.
  const owners = parties === 2 ? [0, 1] : [2, 0, 0];
  const blocks = owners.map((owner, i) => ({ owner, cols: 3 + i, x: vals(rnd, N * (3 + i)) }));
  return { blocks, rnd };
}

describe('privateMatmul matches the plaintext product', () => {
  for (const protocol of ['SEMI2K', 'REF2K'] as const)
    for (const beaverType of protocol === 'SEMI2K' ? (['TTP', 'TFP'] as const) : (['TTP'] as const))
      for (const field of ['FM64', 'FM128'] as const)
        for (const parties of [2, 3])
          for (const k of [1, 3])
            it(`${protocol}/${beaverType} ${field} ${parties} ranks k=${k}`, async () => {
              const f = fxp(field);
              const cfg: SpuConfig = { protocol, field, fxpFractionBits: f, beaverType, onWarning: () => undefined };
              const { blocks, rnd } = layout(parties, `${protocol}${beaverType}${field}${parties}${k}`);
              const dTotal = blocks.reduce((s, b) => s + b.cols, 0);
              const w = vals(rnd, dTotal * k);
              const ws = shareInputs(cfg, w, [dTotal, k], parties);
              const { results } = await runLocal(cfg, parties, async (ctx) => {
                const xs = blocks.map((b) => ctx.privateInput(b.owner, [N, b.cols], b.owner === ctx.rank ? b.x : undefined));
                const all = await ctx.privateMatmul(xs, ws[ctx.rank]!);
                const part = await ctx.privateMatmul(xs, ws[ctx.rank]!, { rows: [R0, R1], shift: 2 });
                expect(all.shape).toEqual([N, k]);
                expect(part.shape).toEqual([R1 - R0, k]);
                return [toBytes(ctx.unwrap(all)).slice(), toBytes(ctx.unwrap(part)).slice()] as const;
              });
              // Error: encoding rounding of x and w (each <= 2^-(f+1), |values| < 2) over <= 12
              // terms, plus one ulp of truncation: < 30 * 2^-f.
              const bound = 30 * 2 ** -f;
              expect(maxErr(reconstruct(cfg, results.map((r) => r[0]), [N, k]), plainProduct(blocks, w, k, 0, N))).toBeLessThan(bound);
              const quarter = plainProduct(blocks, w, k, R0, R1).map((v) => v / 4);
              expect(maxErr(reconstruct(cfg, results.map((r) => r[1]), [R1 - R0, k]), quarter)).toBeLessThan(bound / 4 + 2 ** -f);
            });

  it('argument checks and an opaque handle', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const ws = shareInputs(cfg, new Float64Array(4), [4, 1], 2);
    await runLocal(cfg, 2, async (ctx) => {
      const mine = ctx.rank === 0 ? new Float64Array(N * 4) : undefined;
      const x = ctx.privateInput(0, [N, 4], mine);
      expect(x).toBeInstanceOf(PrivateTensor);
      expect(x.held).toBe(ctx.rank === 0);
      expect(() => JSON.stringify(x)).toThrow(TypeError);
      expect(() => String(x)).toThrow(TypeError);
      // Values only at the owner, of the right size, owner a rank.
      expect(() => ctx.privateInput(0, [N, 4], ctx.rank === 0 ? undefined : new Float64Array(N * 4))).toThrow(RangeError);
      expect(() => ctx.privateInput(2, [N, 4])).toThrow(RangeError);
      if (ctx.rank === 0) expect(() => ctx.privateInput(0, [N, 4], new Float64Array(3))).toThrow(RangeError);
      await expect(ctx.privateMatmul([x], ws[ctx.rank]!, { rows: [0, N + 1] })).rejects.toThrow(RangeError);
      await expect(ctx.privateMatmul([], ws[ctx.rank]!)).rejects.toThrow(RangeError);
    });
  });
});

describe('counted traffic == privateMatmulCost', () => {
  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      for (const parties of [2, 3])
        it(`${beaverType} ${field} ${parties} ranks`, async () => {
          const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: fxp(field), beaverType, onWarning: () => undefined };
          const { blocks, rnd } = layout(parties, 'cost');
          const dTotal = blocks.reduce((s, b) => s + b.cols, 0);
          const ws = shareInputs(cfg, vals(rnd, dTotal), [dTotal, 1], parties);
          const hub = new LocalHub(parties);
          const sync = barrier(parties, () => hub.resetCounters());
          await runLocal(cfg, parties, async (ctx) => {
            await ctx.revealToAll(ws[ctx.rank]!); // session setup traffic settles first
            const xs = blocks.map((b) => ctx.privateInput(b.owner, [N, b.cols], b.owner === ctx.rank ? b.x : undefined));
            await sync();
            return ctx.privateMatmul(xs, ws[ctx.rank]!, { rows: [R0, R1] });
          }, hub);
          const want = privateMatmulCost(blocks, R1 - R0, 1, parties, field);
          expectCountedTraffic(hub, parties, beaverType, want, (i) => want.bytesPerPeer[i]!);
        });

  it('50,000 x 100 split 50/50 (SS-LR predict): O(n d_p) from each owner, O(n + d) otherwise', () => {
    const c = privateMatmulCost([{ owner: 0, cols: 50 }, { owner: 1, cols: 51 }], 50_000, 1, 2, 'FM64');
    // Each rank sends its own block masked (n d_p), F (d) and the truncation opening (n): no share
    // of X, no opening of another party's block, the dealer sends n per block plus the pair.
    expect(c.bytesPerPeer).toEqual([(50_000 * 50 + 101 + 50_000) * 8, (50_000 * 51 + 101 + 50_000) * 8]);
    expect(c.dealerBytes).toBe(4 * 50_000 * 8);
  });
});

// ---- leakage ----

const LN = 12, LD0 = 3, LD1 = 2, TRIALS = 160;
type LView = Record<'E1' | 'F' | 'trunc' | 'received', Hist>;

/**
 * Rank 0's view over TRIALS sessions when rank 1 owns X1 [LN, LD1] and rank 0 owns X0: messages
 * from rank 1 are, in order, E1 = X1 - A1, F (rank 1's part of w - B), the truncation opening.
 */
async function collect(x0: Float64Array, x1: Float64Array, w: Float64Array): Promise<LView> {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
  const view: LView = { E1: newHist(), F: newHist(), trunc: newHist(), received: newHist() };
  for (let t = 0; t < TRIALS; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(0));
    const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === 0 ? rec : hub.endpoint(q)));
    const ws = makeShares(cfg, w, [LD0 + LD1, 1], 2).map((b) => importShare(cfg, b, [LD0 + LD1, 1]));
    await Promise.all(ctxs.map(async (c, q) => {
      const xs = [c.privateInput(0, [LN, LD0], q === 0 ? x0 : undefined), c.privateInput(1, [LN, LD1], q === 1 ? x1 : undefined)];
      await c.privateMatmul(xs, ws[q]!);
    }));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    expect(rec.fromPeers.length).toBe(3);
    // E1 arrives as sent (it is not an opening); F and the truncation are openings (sum of both).
    addWords(view.E1, words(rec.fromPeers[0]!));
    const opened = [1, 2].map((m) => {
      const a = words(rec.fromPeers[m]!), s = words(rec.sent[m]!);
      return a.map((v, j) => BigInt.asUintN(64, v + s[j]!));
    });
    addWords(view.F, opened[0]!);
    addWords(view.trunc, opened[1]!);
    for (const m of rec.fromPeers) addWords(view.received, words(m));
  }
  return view;
}

const fill = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('privateMatmul: what a non-owner rank sees does not depend on the owner block or on w', () => {
  it('E (masked block), the opened F = w - B, the truncation opening, every received message', async () => {
    const a = await collect(new Float64Array(LN * LD0), new Float64Array(LN * LD1), new Float64Array(LD0 + LD1));
    const b = await collect(fill(LN * LD0, (i) => i - 7), fill(LN * LD1, (i) => ((i * 37) % 101) - 50), fill(LD0 + LD1, (i) => 1000 + 3 * i));
    for (const k of ['E1', 'F', 'trunc', 'received'] as const)
      for (const part of ['top', 'low'] as const) expect(chi2(a[k][part], b[k][part]), `${k}.${part}`).toBeLessThan(CRITICAL);
  }, 60_000);

  it('the owner block never crosses in the clear, and only the owner draws its mask', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const x1 = fill(LN * LD1, (i) => 100 + i); // distinctive words
    const enc = new Set(Array.from(x1, (v) => BigInt(Math.round(v * 2 ** 18))));
    const hub = new LocalHub(2);
    const rec = [0, 1].map((q) => new RecordingComm(hub.endpoint(q)));
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const ctxs = rec.map((r) => createSpuContext(cfg, r));
    const ws = makeShares(cfg, fill(LD1, () => 1), [LD1, 1], 2).map((b) => importShare(cfg, b, [LD1, 1]));
    await Promise.all(ctxs.map((c, q) => c.privateMatmul([c.privateInput(1, [LN, LD1], q === 1 ? x1 : undefined)], ws[q]!)));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    let hits = 0;
    for (const r of rec) for (const m of [...r.sent, ...r.received]) for (const v of words(m)) if (enc.has(v)) hits++;
    expect(hits).toBe(0);
    // Rank 0 received E1 (LN x LD1 words) from rank 1 and sent nothing n-sized but its truncation part.
    expect(rec[0]!.fromPeers[0]!.byteLength).toBe(LN * LD1 * 8);
    expect(rec[0]!.sent.map((m) => m.byteLength)).toEqual([LD1 * 8, LN * 8]);
  });

  it('power: the statistic rejects the plaintext itself', () => {
    const enc = (v: Float64Array) => Array.from(v, (z) => BigInt.asUintN(64, BigInt(Math.round(z * 2 ** 18))));
    const h0 = newHist(), h1 = newHist();
    for (let t = 0; t < TRIALS; t++) {
      addWords(h0, enc(new Float64Array(LN * LD1)));
      addWords(h1, enc(fill(LN * LD1, (i) => ((i * 37) % 101) - 50)));
    }
    expect(chi2(h0.top, h1.top)).toBeGreaterThan(CRITICAL);
  });
});
