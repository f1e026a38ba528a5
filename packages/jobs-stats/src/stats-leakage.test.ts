// Leakage test (statistical): what alice's SPU rank receives and opens while the ss_vif program runs
// (cross products in row blocks, the public rescaling, the Newton-Schulz inverse, the diagonal) has
// the same distribution whichever of two very different private column blocks bob holds. Nothing is
// revealed inside the program (the driver reveals only the output afterwards), so the whole view must
// be indistinguishable. Same statistic as the SPU's own leakage tests: chi-square homogeneity of the
// top and bottom 4 bits of every 64-bit word received or opened, with a power check on plaintext.
import { describe, expect, it } from 'vitest';
import { LocalHub, createSpuContext, importShare, makeShares, serveDealer } from '@sfw/spu';
import type { SpuConfig } from '@sfw/spu';
import { CRITICAL, addWords, chi2, newHist, seededRng, viewDifferences, wordsOf } from '@sfw/testkit';
import { RecordingComm } from '@sfw/spu/simulation';
import type { View } from '@sfw/testkit';
import { vif } from './programs.ts';
import type { VifPub } from './programs.ts';

const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
const N = 64;
const PUB: VifPub = { dims: [2, 2], rows: N, blockRows: 32, iters: 8 };

/** Standardized columns (row-major n x 2) and their own Gram block / n. */
function block(cols: Array<(i: number) => number>): { z: Float64Array; g: Float64Array } {
  const d = cols.length;
  const raw = cols.map((f) => Float64Array.from({ length: N }, (_, i) => f(i)));
  const z = new Float64Array(N * d);
  raw.forEach((v, j) => {
    const m = v.reduce((a, b) => a + b, 0) / N;
    const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / N);
    for (let i = 0; i < N; i++) z[i * d + j] = (v[i]! - m) / s;
  });
  const g = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) for (let i = 0; i < N; i++) g[a * d + b] = g[a * d + b]! + (z[i * d + a]! * z[i * d + b]!) / N;
  return { z, g };
}

const rng = seededRng('stats-leakage');
const aliceCols = [(i: number) => Math.sin(i) * 3 + rng(), (i: number) => i % 7];
const alice = block(aliceCols);
// Bob's two candidate blocks: nearly collinear with alice's columns (symmetric, half the standardized
// values negative), and unrelated and heavily skewed (one outlier per column: almost every
// standardized value is slightly negative), so even their sign bits differ.
const bobA = block([(i) => Math.sin(i) * 3 + 0.01 * (i % 3), (i) => Math.cos(i * 1.3) * 2 + 0.5 * Math.sin(i)]);
const bobB = block([(i) => (i === 3 ? 1e6 : i % 5), (i) => (i === 40 ? 5e4 : (i * 7919) % 13)]);

async function observe(bob: { z: Float64Array; g: Float64Array }, trials: number): Promise<View> {
  const view: View = { received: newHist(), opened: newHist() };
  for (let t = 0; t < trials; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(0));
    const ctxs = [0, 1].map((r) => createSpuContext(cfg, r === 0 ? rec : hub.endpoint(r)));
    const inputs = [
      [alice.g, [2, 2]],
      [bob.g, [2, 2]],
      [alice.z, [N, 2]],
      [bob.z, [N, 2]],
    ] as const;
    const shares = inputs.map(([v, shape]) => makeShares(cfg, v, shape, 2).map((b) => importShare(cfg, b, shape)));
    await Promise.all(ctxs.map((c, r) => vif(c, shares.map((s) => s[r]!), PUB)));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    for (const m of rec.received) addWords(view.received, wordsOf(m));
    const peer = rec.fromPeers.map(wordsOf);
    const sent = rec.sent.map(wordsOf);
    expect(peer.length).toBe(sent.length);
    sent.forEach((s, i) => {
      const p = peer[i]!;
      const opened = new BigUint64Array(s.length);
      for (let j = 0; j < s.length; j++) opened[j] = BigInt.asUintN(64, s[j]! + p[j]!);
      addWords(view.opened, opened);
    });
  }
  return view;
}

describe("ss_vif leaks nothing of bob's columns to alice's rank", () => {
  it('the statistic has power: the two plaintext blocks are told apart', () => {
    const enc = (v: Float64Array): BigUint64Array => wordsOf(makeShares({ ...cfg, protocol: 'REF2K' }, v, [v.length], 1)[0]!);
    const a = newHist();
    const b = newHist();
    for (let t = 0; t < 20; t++) {
      addWords(a, enc(bobA.z));
      addWords(b, enc(bobB.z));
    }
    expect(chi2(a.top, b.top)).toBeGreaterThan(CRITICAL);
  });

  it("alice's received messages and opened values have the same distribution for either block of bob", async () => {
    const va = await observe(bobA, 6);
    const vb = await observe(bobB, 6);
    expect(viewDifferences(va, vb)).toEqual([]);
  }, 120_000);
});
