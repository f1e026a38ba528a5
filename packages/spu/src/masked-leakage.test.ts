// Leakage test for the fixed-mask products (statistical): what rank 1 receives and opens while
// rank 0's private X and w take two very different values must have the same distribution
// (chi-square homogeneity on the top and bottom 4 bits of every 64-bit word, 15 df, reject at
// p < 1e-6). Checked per message kind: E (opened once), F = w - V and F' = r - V' (every batch).
// Mask reuse: two products with the same X in one session open F1, F2; F1 - F2 must not depend on
// whether w1 = w2 (a reused V would give F1 - F2 = w1 - w2). Power checks: the same statistic
// rejects on the plaintext itself and on a V-reusing opening.
import { describe, expect, it } from 'vitest';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import { importShare, makeShares } from './share.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, wordsOf as words, type Hist } from './__tests__/leakage-stats.ts';

const N = 24, D = 5, B = 16, TRIALS = 160;


// Messages rank 1 receives from rank 0, in order: E, F1, trunc1, F2, trunc2, F', trunc'.
const KINDS = ['E', 'F1', 'trunc1', 'F2', 'trunc2', "F'", "trunc'"] as const;
type View = Record<(typeof KINDS)[number] | 'received' | 'F1-F2', Hist>;

async function collect(x: Float64Array, w1: Float64Array, w2: Float64Array, r: Float64Array): Promise<View> {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
  const view = Object.fromEntries([...KINDS, 'received', 'F1-F2'].map((k) => [k, newHist()])) as View;
  for (let t = 0; t < TRIALS; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(1));
    const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === 1 ? rec : hub.endpoint(q)));
    const share = (v: Float64Array, shape: number[]) => makeShares(cfg, v, shape, 2).map((b) => importShare(cfg, b, shape));
    const xs = share(x, [N, D]), w1s = share(w1, [D, 1]), w2s = share(w2, [D, 1]), rs = share(r, [B, 1]);
    await Promise.all(ctxs.map(async (c, q) => {
      const m = await c.fixedMask(xs[q]!);
      await c.maskedMatmul(m, [0, B], w1s[q]!);
      await c.maskedMatmul(m, [B, N], w2s[q]!);
      await c.maskedMatmulT(m, [N - B, N], rs[q]!);
      await c.releaseMasked(m);
    }));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    expect(rec.fromPeers.length).toBe(KINDS.length);
    const opened = rec.fromPeers.map((p, i) => {
      const a = words(p), s = words(rec.sent[i]!);
      const o = new BigUint64Array(a.length);
      for (let j = 0; j < a.length; j++) o[j] = BigInt.asUintN(64, a[j]! + s[j]!);
      return o;
    });
    KINDS.forEach((k, i) => {
      addWords(view[k], opened[i]!);
      addWords(view.received, words(rec.fromPeers[i]!));
    });
    const f1 = opened[1]!, f2 = opened[3]!;
    addWords(view['F1-F2'], f1.map((v, j) => BigInt.asUintN(64, v - f2[j]!)));
  }
  return view;
}

const fill = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('fixed-mask products: rank 1 view does not depend on rank 0 data', () => {
  it('E, F, F\', truncation openings and every received message; F1 - F2 with w1 = w2 vs w1 != w2', async () => {
    // A: zeros and equal weight vectors; B: large varied X, different w1 / w2.
    const a = await collect(new Float64Array(N * D), new Float64Array(D), new Float64Array(D), new Float64Array(B));
    const b = await collect(fill(N * D, (i) => ((i * 37) % 101) - 50), fill(D, (i) => 1000 + i), fill(D, (i) => -7 * i), fill(B, (i) => i - 3));
    for (const k of [...KINDS, 'received', 'F1-F2'] as const)
      for (const part of ['top', 'low'] as const) expect(chi2(a[k][part], b[k][part]), `${k}.${part}`).toBeLessThan(CRITICAL);
  }, 60_000);

  it('power: the statistic rejects the plaintext and a reused V (F1 - F2 = w1 - w2)', () => {
    const enc = (v: Float64Array) => Array.from(v, (z) => BigInt.asUintN(64, BigInt(Math.round(z * 2 ** 18))));
    const h0 = newHist(), h1 = newHist();
    for (let t = 0; t < TRIALS; t++) {
      addWords(h0, enc(new Float64Array(N * D)));
      addWords(h1, enc(fill(N * D, (i) => ((i * 37) % 101) - 50)));
    }
    expect(chi2(h0.top, h1.top)).toBeGreaterThan(CRITICAL);
    // Reused V: the difference of two openings would be w1 - w2 (0 for A; for B
    // a negative difference so both the top and the low bits move).
    const d0 = newHist(), d1 = newHist();
    for (let t = 0; t < TRIALS; t++) {
      addWords(d0, enc(new Float64Array(D)));
      addWords(d1, enc(fill(D, (i) => -1000.3 - 8 * i)));
    }
    expect(chi2(d0.low, d1.low) + chi2(d0.top, d1.top)).toBeGreaterThan(CRITICAL);
  });
});
