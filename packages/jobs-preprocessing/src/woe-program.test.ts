// The SPU program of vert_woe_binning on two in-process SEMI2K ranks with a TTP dealer:
// (1) per-bin positive counts equal the plaintext M^T y (rounded; fixed-point error < 0.01);
// (2) leakage: what the feature party's rank receives and opens does not depend on the label
//     (chi-square homogeneity of the top / bottom 4 bits of every word, p < 1e-6, the SPU leakage
//     helpers), for the same membership matrix and two very different label vectors; and the same
//     statistic does reject the plaintext label bits (power check).
import { describe, expect, it } from 'vitest';
import { LocalHub, createSpuContext, exportShare, importShare, makeShares, reconstruct, serveDealer } from '@sfw/spu';
import type { SpuConfig } from '@sfw/spu';
import { CRITICAL, addWords, chi2, newHist, seededRng, viewDifferences, wordsOf } from '@sfw/testkit';
import { RecordingComm } from '@sfw/spu/simulation';
import type { View } from '@sfw/testkit';
import { binPositives } from './woe-program.ts';

const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
const N = 64, B = 6;
const CHUNKS: [number, number][] = [[0, 40], [40, 64]];

/** A membership matrix: two features of 3 bins each (one 1 per row per feature). */
function membership(seed: string): Float64Array {
  const rng = seededRng(seed);
  const m = new Float64Array(N * B);
  for (let r = 0; r < N; r++) {
    m[r * B + Math.floor(rng() * 3)] = 1;
    m[r * B + 3 + Math.floor(rng() * 3)] = 1;
  }
  return m;
}

/** Bits 16..19 of each word: fixed-point 0/1 labels (2^18) differ there, not in the top/low bits. */
type Mid = { received: number[]; opened: number[] };
const newMid = (): Mid => ({ received: new Array<number>(16).fill(0), opened: new Array<number>(16).fill(0) });
function addMid(h: number[], ws: Iterable<bigint>): void {
  for (const w of ws) h[Number((w >> 16n) & 15n)]! += 1;
}
interface Seen { view: View; mid: Mid }

const rows = (m: Float64Array, r0: number, r1: number): Float64Array => m.slice(r0 * B, r1 * B);

/** Runs the program; rank 1 (the feature party) is recorded. Returns the revealed counts and rank 1's view. */
async function run(m: Float64Array, y: Float64Array, seen?: Seen): Promise<Float64Array> {
  const hub = new LocalHub(2);
  const dealer = serveDealer(cfg, hub.endpoint(2));
  const rec = new RecordingComm(hub.endpoint(1));
  const ctxs = [createSpuContext(cfg, hub.endpoint(0)), createSpuContext(cfg, rec)];
  const ys = makeShares(cfg, y, [N, 1], 2);
  const blocks = CHUNKS.map(([r0, r1]) => makeShares(cfg, rows(m, r0, r1), [r1 - r0, B], 2));
  if (seen !== undefined) {
    // The share of y that rank 1 is sent by the label holder.
    addWords(seen.view.received, wordsOf(ys[1]!));
    addMid(seen.mid.received, wordsOf(ys[1]!));
  }
  const outs = await Promise.all(ctxs.map(async (c, q) => {
    const inputs = [importShare(cfg, ys[q]!, [N, 1]), ...blocks.map((b, i) => importShare(cfg, b[q]!, [CHUNKS[i]![1] - CHUNKS[i]![0], B]))];
    const [acc] = await binPositives(c, inputs, { chunks: CHUNKS });
    return exportShare(acc!);
  }));
  ctxs.forEach((c) => c.close());
  dealer.stop();
  await dealer.done;
  if (seen !== undefined) {
    rec.fromPeers.forEach((p, i) => {
      addWords(seen.view.received, wordsOf(p));
      addMid(seen.mid.received, wordsOf(p));
      const a = wordsOf(p), s = wordsOf(rec.sent[i]!);
      const opened = a.map((v, j) => BigInt.asUintN(64, v + s[j]!));
      addWords(seen.view.opened, opened);
      addMid(seen.mid.opened, opened);
    });
  }
  return reconstruct(cfg, outs, [B, 1]);
}

describe('binPositives (M^T y in SPU with fixed-mask products)', () => {
  it('equals the plaintext per-bin positive counts', async () => {
    const m = membership('m1');
    const rng = seededRng('y1');
    const y = Float64Array.from({ length: N }, () => (rng() < 0.4 ? 1 : 0));
    const got = await run(m, y);
    const want = new Float64Array(B);
    for (let r = 0; r < N; r++) for (let j = 0; j < B; j++) want[j]! += m[r * B + j]! * y[r]!;
    got.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(0.01));
    expect(Array.from(got, Math.round)).toEqual(Array.from(want));
  });

  it("the feature party's view is independent of the label", async () => {
    const m = membership('m2');
    const yA = new Float64Array(N);
    const yB = Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const seen = (): Seen => ({ view: { received: newHist(), opened: newHist() }, mid: newMid() });
    const a = seen(), b = seen();
    for (let t = 0; t < 60; t++) {
      await run(m, yA, a);
      await run(m, yB, b);
    }
    expect(viewDifferences(a.view, b.view)).toEqual([]);
    expect(chi2(a.mid.received, b.mid.received), 'received.mid').toBeLessThan(CRITICAL);
    expect(chi2(a.mid.opened, b.mid.opened), 'opened.mid').toBeLessThan(CRITICAL);
    // Power: the mid-bit statistic tells the two labels apart when they are opened in plaintext.
    const enc = (y: Float64Array): bigint[] => Array.from(y, (v) => BigInt(v * 2 ** 18));
    const pa = newMid(), pb = newMid();
    for (let t = 0; t < 60; t++) { addMid(pa.opened, enc(yA)); addMid(pb.opened, enc(yB)); }
    expect(chi2(pa.opened, pb.opened)).toBeGreaterThan(CRITICAL);
  }, 60_000);
});
