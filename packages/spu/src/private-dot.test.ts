// privateDotRing (row-wise products of two rank-held blocks, mpc/private-dot.ts): exact against
// BigInt row sums (SEMI2K TTP/TFP, REF2K, FM64/FM128, 2 and 3 ranks, with and without the odd
// weights, row chunks); counted traffic per rank pair, dealer bytes and rounds vs privateDotCost;
// leakage: what each owner receives (the other's masked block, the weight split's openings and
// beta) has the same distribution for very different blocks and weights, no block value crosses
// in the clear.
import { describe, expect, it } from 'vitest';
import { FIELD_BITS, encode, fromBigInts, toBigInts, toBytes, type FieldType, type RingTensor } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import { runLocal, shareInputs } from './simulation.ts';
import { reconstructRing } from './share.ts';
import { privateDotCost } from './mpc/private-dot.ts';
import { barrier } from './__tests__/barrier.ts';
import { testRng } from './__tests__/test-rng.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, wordsOf as words, type Hist } from './__tests__/leakage-stats.ts';
import { expectCountedTraffic } from './__tests__/counted-traffic.ts';

const N = 29, D = 5, CHUNK = 8;

const fxp = (field: FieldType) => (field === 'FM64' ? 18 : 26);
/** Integers in [-lim, lim] as the doubles whose fixed-point encoding is exactly that ring integer. */
const ints = (rnd: () => number, n: number, lim: number, f: number) => Float64Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * lim) * 2 ** -f);

/** BigInt reference: rowsum(X ⊙ Y ⊙ s) mod 2^k, s = 2w + 1 (or 1). */
function plainDot(field: FieldType, x: RingTensor, y: RingTensor, w: RingTensor | undefined): bigint[] {
  const bits = FIELD_BITS[field];
  const xv = toBigInts(x), yv = toBigInts(y), wv = w === undefined ? undefined : toBigInts(w);
  const out: bigint[] = [];
  for (let i = 0; i < N; i++) {
    let s = 0n;
    for (let j = 0; j < D; j++) s += xv[i * D + j]! * yv[i * D + j]! * (wv === undefined ? 1n : 2n * wv[j]! + 1n);
    out.push(BigInt.asUintN(bits, s));
  }
  return out;
}

describe('privateDotRing is exact', () => {
  for (const protocol of ['SEMI2K', 'REF2K'] as const)
    for (const beaverType of protocol === 'SEMI2K' ? (['TTP', 'TFP'] as const) : (['TTP'] as const))
      for (const field of ['FM64', 'FM128'] as const)
        for (const parties of [2, 3])
          for (const weighted of [false, true])
            it(`${protocol}/${beaverType} ${field} ${parties} ranks${weighted ? ' weighted' : ''}`, async () => {
              const f = fxp(field);
              const cfg: SpuConfig = { protocol, field, fxpFractionBits: f, beaverType, onWarning: () => undefined };
              const rnd = testRng(`${protocol}${beaverType}${field}${parties}${weighted}`);
              const [a, b] = parties === 2 ? [1, 0] : [2, 0];
              // Large blocks (wrapping products) and full-ring weights: the result is exact mod 2^k.
              const x = ints(rnd, N * D, 2 ** 30, f), y = ints(rnd, N * D, 2 ** 30, f);
              const wRing = fromBigInts(field, Array.from({ length: D }, (_, j) => BigInt(Math.floor(rnd() * 2 ** 52)) * BigInt(j + 1) * 0x9e3779b97f4a7c15n), [D, 1]);
              const ws = shareInputs(cfg, wRing, [D, 1], parties);
              const { results } = await runLocal(cfg, parties, async (ctx) => {
                const xa = ctx.privateInput(a, [N, D], ctx.rank === a ? x : undefined);
                const yb = ctx.privateInput(b, [N, D], ctx.rank === b ? y : undefined);
                const z = await ctx.privateDotRing(xa, yb, { chunkRows: CHUNK, ...(weighted ? { oddWeights: ws[ctx.rank]! } : {}) });
                expect(z.shape).toEqual([N, 1]);
                return toBytes(ctx.unwrap(z)).slice();
              });
              const got = toBigInts(reconstructRing(cfg, results, [N, 1]));
              expect(got).toEqual(plainDot(field, encode(x, field, f, [N, D]), encode(y, field, f, [N, D]), weighted ? wRing : undefined));
            });

  for (const field of ['FM64', 'FM128'] as const)
    for (const weighted of [false, true])
      it(`0/1 blocks entered as bytes (privateIndicators) ${field}${weighted ? ' weighted' : ''}`, async () => {
        const f = fxp(field);
        const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: f, beaverType: 'TTP' };
        const rnd = testRng(`bits${field}${weighted}`);
        const xb = Uint8Array.from({ length: N * D }, () => (rnd() < 0.5 ? 1 : 0));
        const yb = Uint8Array.from({ length: N * D }, () => (rnd() < 0.3 ? 0 : 7)); // any nonzero byte is 1
        const wRing = fromBigInts(field, Array.from({ length: D }, (_, j) => BigInt(Math.floor(rnd() * 2 ** 52)) * BigInt(j + 3) * 0x9e3779b97f4a7c15n), [D, 1]);
        const ws = shareInputs(cfg, wRing, [D, 1], 2);
        const { results } = await runLocal(cfg, 2, async (ctx) => {
          const xa = ctx.privateIndicators(0, [N, D], ctx.rank === 0 ? xb : undefined);
          const yo = ctx.privateIndicators(1, [N, D], ctx.rank === 1 ? yb : undefined);
          expect(xa.held).toBe(ctx.rank === 0);
          const z = await ctx.privateDotRing(xa, yo, { chunkRows: CHUNK, ...(weighted ? { oddWeights: ws[ctx.rank]! } : {}) });
          return toBytes(ctx.unwrap(z)).slice();
        });
        const ring = (b: Uint8Array) => fromBigInts(field, Array.from(b, (v) => (v === 0 ? 0n : 1n)), [N, D]);
        expect(toBigInts(reconstructRing(cfg, results, [N, 1]))).toEqual(plainDot(field, ring(xb), ring(yb), weighted ? wRing : undefined));
      });

  it('argument checks', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    await runLocal(cfg, 2, async (ctx) => {
      const x0 = ctx.privateInput(0, [N, D], ctx.rank === 0 ? new Float64Array(N * D) : undefined);
      const x0b = ctx.privateInput(0, [N, D], ctx.rank === 0 ? new Float64Array(N * D) : undefined);
      const y1 = ctx.privateInput(1, [N, D + 1], ctx.rank === 1 ? new Float64Array(N * (D + 1)) : undefined);
      await expect(ctx.privateDotRing(x0, x0b)).rejects.toThrow(RangeError);
      await expect(ctx.privateDotRing(x0, y1)).rejects.toThrow(RangeError);
      expect(() => ctx.privateIndicators(1, [N, D], ctx.rank === 0 ? new Uint8Array(N * D) : undefined)).toThrow(RangeError);
      if (ctx.rank === 0) expect(() => ctx.privateIndicators(0, [N, D], new Uint8Array(3))).toThrow(RangeError);
    });
  });
});

describe('counted traffic == privateDotCost', () => {
  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      for (const parties of [2, 3])
        for (const weighted of [false, true])
          it(`${beaverType} ${field} ${parties} ranks${weighted ? ' weighted' : ''}`, async () => {
            const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: fxp(field), beaverType, onWarning: () => undefined };
            const rnd = testRng('cost');
            const owners: [number, number] = parties === 2 ? [0, 1] : [1, 2];
            const x = ints(rnd, N * D, 1, fxp(field)), y = ints(rnd, N * D, 1, fxp(field));
            const ws = shareInputs(cfg, ints(rnd, D, 100, 0), [D, 1], parties);
            const hub = new LocalHub(parties);
            const sync = barrier(parties, () => hub.resetCounters());
            await runLocal(cfg, parties, async (ctx) => {
              await ctx.revealToAll(ws[ctx.rank]!); // session setup traffic settles first
              const xa = ctx.privateInput(owners[0], [N, D], ctx.rank === owners[0] ? x : undefined);
              const yb = ctx.privateInput(owners[1], [N, D], ctx.rank === owners[1] ? y : undefined);
              await sync();
              return ctx.privateDotRing(xa, yb, { chunkRows: CHUNK, ...(weighted ? { oddWeights: ws[ctx.rank]! } : {}) });
            }, hub);
            const chunks = Math.ceil(N / CHUNK);
            const want = privateDotCost(N, D, chunks, owners, parties, field, weighted);
            expectCountedTraffic(hub, parties, beaverType, want, (i, j) => want.bytes[i]![j]!);
          });

  it('50,000 rows x 320 (10 trees of depth 5, SS-XGB predict): n d from each owner, d-sized otherwise', () => {
    const c = privateDotCost(50_000, 320, 8, [0, 1], 2, 'FM64', true);
    expect(c.bytes[0]![1]).toBe((50_000 * 320 + 3 * 320) * 8);
    expect(c.bytes[1]![0]).toBe((50_000 * 320 + 2 * 320) * 8);
    expect(c.dealerBytes).toBe((50_000 + 320) * 8);
  });
});

// ---- leakage ----

const LN = 12, LD = 4, TRIALS = 160;
type LView = Record<'block' | 'received', Hist>;

/**
 * Rank `me`'s view over TRIALS weighted sessions (rank 0 owns X, rank 1 owns Y): the other owner's
 * masked block (the last message from the peer) and every word received.
 */
async function collect(me: 0 | 1, x: Float64Array, y: Float64Array, w: Float64Array): Promise<LView> {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
  const view: LView = { block: newHist(), received: newHist() };
  for (let t = 0; t < TRIALS; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(me));
    const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === me ? rec : hub.endpoint(q)));
    const ws = shareInputs(cfg, w, [LD, 1], 2);
    await Promise.all(ctxs.map(async (c, q) => {
      const xa = c.privateInput(0, [LN, LD], q === 0 ? x : undefined);
      const yb = c.privateInput(1, [LN, LD], q === 1 ? y : undefined);
      await c.privateDotRing(xa, yb, { oddWeights: ws[q]! });
    }));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    // Beaver openings (1 message), [rank 0 only: nothing more; rank 1: rank 0's share of beta], then the block.
    expect(rec.fromPeers.length).toBe(me === 0 ? 2 : 3);
    addWords(view.block, words(rec.fromPeers[rec.fromPeers.length - 1]!));
    for (const m of rec.fromPeers) addWords(view.received, words(m));
  }
  return view;
}

const fill = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
const one = 2 ** -18;

describe('privateDotRing: what each owner sees does not depend on the other block or on w', () => {
  for (const me of [0, 1] as const)
    it(`rank ${me}: the masked block, the split's messages, every received word`, async () => {
      const a = await collect(me, new Float64Array(LN * LD), new Float64Array(LN * LD), new Float64Array(LD));
      const b = await collect(me, fill(LN * LD, (i) => (i % 3 === 0 ? one : 0)), fill(LN * LD, (i) => ((i * 37) % 101) - 50), fill(LD, (i) => 1000 + 3 * i));
      for (const k of ['block', 'received'] as const)
        for (const part of ['top', 'low'] as const) expect(chi2(a[k][part], b[k][part]), `${k}.${part}`).toBeLessThan(CRITICAL);
    }, 60_000);

  it('no block value crosses in the clear', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const x = fill(LN * LD, (i) => 100 + i), y = fill(LN * LD, (i) => 300 + i); // distinctive words
    const enc = new Set([...x, ...y].map((v) => BigInt(Math.round(v * 2 ** 18))));
    const hub = new LocalHub(2);
    const rec = [0, 1].map((q) => new RecordingComm(hub.endpoint(q)));
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const ctxs = rec.map((r) => createSpuContext(cfg, r));
    const ws = shareInputs(cfg, fill(LD, () => 1), [LD, 1], 2);
    await Promise.all(ctxs.map((c, q) => c.privateDotRing(c.privateInput(0, [LN, LD], q === 0 ? x : undefined), c.privateInput(1, [LN, LD], q === 1 ? y : undefined), { oddWeights: ws[q]! })));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    let hits = 0;
    for (const r of rec) for (const m of [...r.sent, ...r.received]) for (const v of words(m)) if (enc.has(v)) hits++;
    expect(hits).toBe(0);
  });
});
