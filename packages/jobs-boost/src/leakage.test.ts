// Leakage of one SS-XGB tree on two in-process SEMI2K ranks with a TTP dealer: everything rank 1
// (bob, the passive feature party) receives and opens while alice's features and label take two very
// different values must have the same distribution (chi-square homogeneity of the top / bottom /
// middle 4 bits of every 64-bit word, 15 df, reject at p < 1e-6; the SPU leakage helpers). The run
// covers what a tree does: bucket maps shared and masked, g and h from the sr sigmoid, two levels of
// memberships, fixed-mask bucket sums, gains with division and argmax, leaf weights and margins. The
// per-node winning column is the one value SS-XGB reveals; here the harness plays the owners with
// fixed public split masks and never opens the argmax, so nothing else may depend on alice's data.
// Power: the same statistic separates the two labels when they are opened in plaintext.
import { describe, expect, it } from 'vitest';
import { LocalHub, createSpuContext, importShare, makeShares, serveDealer } from '@sfw/spu';
import type { SpuConfig } from '@sfw/spu';
import { CRITICAL, addWords, chi2, newHist, seededRng, viewDifferences, wordsOf } from '@sfw/testkit';
import { RecordingComm } from '@sfw/spu/simulation';
import type { View } from '@sfw/testkit';
import { binFeature, bucketMap } from './binning.ts';
import { gradientsProgram, leavesProgram, levelProgram, ringOne } from './program.ts';
import type { LevelPub } from './program.ts';

const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
const N = 32, BUCKETS = 4, TRIALS = 24;

type Mid = number[];
const newMid = (): Mid => new Array<number>(16).fill(0);
/** Bits 16..19: fixed-point 0/1 values (2^18) differ there, not in the top or bottom bits. */
function addMid(h: Mid, ws: Iterable<bigint>): void {
  for (const w of ws) h[Number((w >> 16n) & 15n)]! += 1;
}
interface Seen { view: View; mid: { received: Mid; opened: Mid } }
const newSeen = (): Seen => ({ view: { received: newHist(), opened: newHist() }, mid: { received: newMid(), opened: newMid() } });

/** A party's 0/1 cumulative bucket map of two features with 4 distinct values each. */
function partyMap(cols: Float64Array[]): { data: Float64Array; cols: number } {
  return bucketMap(cols.map((c) => binFeature(c, BUCKETS)), N);
}

/** A public split mask as the owner hands it over: 0/1 as ring integers. */
const fixedMask = (f: (i: number) => boolean): Float64Array => Float64Array.from({ length: N }, (_, i) => (f(i) ? ringOne(cfg.fxpFractionBits) : 0));

async function runTree(alice: { cols: Float64Array[]; y: Float64Array }, bobCols: Float64Array[], seen: Seen): Promise<void> {
  const hub = new LocalHub(2);
  const dealer = serveDealer(cfg, hub.endpoint(2));
  const rec = new RecordingComm(hub.endpoint(1));
  const ctxs = [createSpuContext(cfg, hub.endpoint(0)), createSpuContext(cfg, rec)];
  const am = partyMap(alice.cols), bm = partyMap(bobCols);
  // Shares each owner sends: alice's go to rank 1 (recorded as received), bob's stay comparable.
  const aliceShares = [makeShares(cfg, am.data, [N, am.cols], 2), makeShares(cfg, alice.y, [N, 1], 2)];
  const bobShares = makeShares(cfg, bm.data, [N, bm.cols], 2);
  const masks1 = [makeShares(cfg, fixedMask((i) => i % 2 === 0), [N, 1], 2)];
  const masks2 = [makeShares(cfg, fixedMask((i) => i % 3 === 0), [N, 1], 2), makeShares(cfg, fixedMask((i) => i < N / 2), [N, 1], 2)];
  for (const s of aliceShares) {
    addWords(seen.view.received, wordsOf(s[1]!));
    addMid(seen.mid.received, wordsOf(s[1]!));
  }
  const pub = (prevNodes: number): LevelPub => ({
    n: N, prevNodes, partyCols: [am.cols, bm.cols], colRanges: [[0, am.cols + bm.cols]], totalCol: 3, lambda: 1, scaleBits: 0,
  });
  await Promise.all(ctxs.map(async (c, q) => {
    const imp = (s: Uint8Array[], shape: number[]) => importShare(cfg, s[q]!, shape);
    const maps = [await c.fixedMask(imp(aliceShares[0]!, [N, am.cols])), await c.fixedMask(imp(bobShares, [N, bm.cols]))];
    const y = imp(aliceShares[1]!, [N, 1]);
    const pred = c.fromPublic(new Float64Array(N), [N, 1]);
    const [g, h] = await gradientsProgram(c, [pred, y], { objective: 'logistic', rows: null });
    const [, s0, sums0] = await levelProgram(c, maps, [g!, h!], pub(0));
    const [, s1, sums1] = await levelProgram(c, maps, [g!, h!, s0!, sums0!, ...masks1.map((m) => imp(m, [N, 1]))], pub(1));
    await leavesProgram(c, [s1!, sums1!, pred, ...masks2.map((m) => imp(m, [N, 1]))], { n: N, prevNodes: 2, splitCols: [1, 5], cols: am.cols + bm.cols, totalCol: 3, lambda: 1, learningRate: 0.3 });
    for (const m of maps) await c.releaseMasked(m);
  }));
  ctxs.forEach((c) => c.close());
  dealer.stop();
  await dealer.done;
  expect(rec.fromPeers.length).toBe(rec.sent.length);
  rec.fromPeers.forEach((p, i) => {
    const a = wordsOf(p), s = wordsOf(rec.sent[i]!);
    addWords(seen.view.received, a);
    addMid(seen.mid.received, a);
    if (a.length !== s.length) return;
    const opened = a.map((v, j) => BigInt.asUintN(64, v + s[j]!));
    addWords(seen.view.opened, opened);
    addMid(seen.mid.opened, opened);
  });
}

const distinct4 = (f: (i: number) => number): Float64Array => Float64Array.from({ length: N }, (_, i) => f(i) % 4);

describe('SS-XGB tree: rank 1 view vs alice data', () => {
  it("bob's received and opened words do not depend on alice's features or label", async () => {
    const rng = seededRng('ssxgb-leak');
    const bob = [distinct4((i) => i), distinct4((i) => 3 * i + 1)];
    const dataA = { cols: [distinct4((i) => i), distinct4((i) => i)], y: new Float64Array(N) };
    const dataB = {
      cols: [distinct4((i) => (i * 7 + 3) % 11).map((v) => v * 1000 - 5), distinct4(() => Math.floor(rng() * 100)).map((v) => -v)],
      y: Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : 1)),
    };
    const a = newSeen(), b = newSeen();
    for (let t = 0; t < TRIALS; t++) {
      await runTree(dataA, bob, a);
      await runTree(dataB, bob, b);
    }
    expect(viewDifferences(a.view, b.view)).toEqual([]);
    expect(chi2(a.mid.received, b.mid.received), 'received.mid').toBeLessThan(CRITICAL);
    expect(chi2(a.mid.opened, b.mid.opened), 'opened.mid').toBeLessThan(CRITICAL);
    // Power: the mid-bit statistic tells the two labels apart when they are opened in plaintext.
    const enc = (y: Float64Array): bigint[] => Array.from(y, (v) => BigInt(v * 2 ** 18));
    const pa = newMid(), pb = newMid();
    for (let t = 0; t < TRIALS; t++) {
      addMid(pa, enc(dataA.y));
      addMid(pb, enc(dataB.y));
    }
    expect(chi2(pa, pb)).toBeGreaterThan(CRITICAL);
  }, 300_000);
});
