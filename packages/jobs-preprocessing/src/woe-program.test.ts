// The SPU program of vert_woe_binning on two in-process SEMI2K ranks with a TTP dealer (rank 0 the
// label holder, rank 1 the feature party):
// (1) per-bin positive counts equal the plaintext counts exactly;
// (2) leakage: what the feature party's rank receives does not depend on the label (chi-square
//     homogeneity of the top / bottom 4 bits and of bits 16..19, where fixed-point 0/1 labels
//     differ, of every word, p < 1e-6, the SPU leakage helpers), for the same bin numbers and two
//     very different label vectors, and the same statistic does reject the plaintext label bits
//     (power check); what the label holder's rank receives shows no row order: each row's bin
//     numbers land at every position equally often.
import { describe, expect, it } from 'vitest';
import { LocalHub, createSpuContext, reconstruct, serveDealer, exportShare } from '@sfw/spu';
import type { SpuConfig } from '@sfw/spu';
import { CRITICAL, addWords, chi2, newHist, seededRng, wordsOf } from '@sfw/testkit';
import { RecordingComm } from '@sfw/spu/simulation';
import type { Hist } from '@sfw/testkit';
import { binCounts } from './woe-program.ts';

const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
const N = 64;
/** Two features: 3 bins, and 4 bins of which the last is the else bin. */
const GROUPS = [3, 4];

function binNumbers(seed: string): Float64Array {
  const rng = seededRng(seed);
  return Float64Array.from({ length: N * 2 }, (_, i) => Math.floor(rng() * GROUPS[i % 2]!));
}

/** Bits 16..19 of each word: fixed-point 0/1 labels (2^18) differ there, not in the top/low bits. */
const newMid = (): number[] => new Array<number>(16).fill(0);
function addMid(h: number[], ws: Iterable<bigint>): void {
  for (const w of ws) h[Number((w >> 16n) & 15n)]! += 1;
}
interface Seen { received: Hist; mid: number[] }

/** Runs the program; `me` is recorded. Returns the revealed counts and what `me` received. */
async function run(codes: Float64Array, y: Float64Array, me: 0 | 1 = 1): Promise<{ counts: Float64Array; received: Uint8Array[] }> {
  const hub = new LocalHub(2);
  const dealer = serveDealer(cfg, hub.endpoint(2));
  const rec = new RecordingComm(hub.endpoint(me));
  const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === me ? rec : hub.endpoint(q)));
  const outs = await Promise.all(ctxs.map(async (c, q) => {
    const priv = [c.privateInput(0, [N, 1], q === 0 ? y : undefined), c.privateInput(1, [N, 2], q === 1 ? codes : undefined)];
    const [acc] = await binCounts(c, [], { groups: GROUPS }, priv);
    return exportShare(acc!);
  }));
  ctxs.forEach((c) => c.close());
  dealer.stop();
  await dealer.done;
  return { counts: reconstruct(cfg, outs, [7, 1]), received: rec.fromPeers };
}

describe('binCounts (per-bin positive counts through privateGroupSums)', () => {
  it('equals the plaintext per-bin positive counts', async () => {
    const codes = binNumbers('m1');
    const rng = seededRng('y1');
    const y = Float64Array.from({ length: N }, () => (rng() < 0.4 ? 1 : 0));
    const { counts } = await run(codes, y);
    const want = new Float64Array(7);
    for (let r = 0; r < N; r++) {
      want[codes[r * 2]!]! += y[r]!;
      want[3 + codes[r * 2 + 1]!]! += y[r]!;
    }
    expect(Array.from(counts)).toEqual(Array.from(want));
  });

  it("the feature party's view is independent of the label", async () => {
    const codes = binNumbers('m2');
    const yA = new Float64Array(N);
    const yB = Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const seen = (): Seen => ({ received: newHist(), mid: newMid() });
    const a = seen(), b = seen();
    for (let t = 0; t < 120; t++) {
      for (const [y, s] of [[yA, a], [yB, b]] as const) {
        const { received } = await run(codes, y);
        expect(received.length).toBe(1); // the label under its one-time pad, nothing else
        addWords(s.received, wordsOf(received[0]!));
        addMid(s.mid, wordsOf(received[0]!));
      }
    }
    for (const part of ['top', 'low'] as const) expect(chi2(a.received[part], b.received[part]), part).toBeLessThan(CRITICAL);
    expect(chi2(a.mid, b.mid), 'received.mid').toBeLessThan(CRITICAL);
    // Power: the mid-bit statistic tells the two labels apart when they are sent in plaintext.
    const enc = (y: Float64Array): bigint[] => Array.from(y, (v) => BigInt(v * 2 ** 18));
    const pa = newMid(), pb = newMid();
    for (let t = 0; t < 120; t++) { addMid(pa, enc(yA)); addMid(pb, enc(yB)); }
    expect(chi2(pa, pb)).toBeGreaterThan(CRITICAL);
  }, 60_000);

  it("the label holder's view carries no row order", async () => {
    // Feature 1's bin numbers name rows 0..3 (the rest in the else bin): where they land is uniform.
    const codes = Float64Array.from({ length: N * 2 }, (_, i) => (i % 2 === 0 ? 0 : Math.min(Math.floor(i / 2), 3)));
    const y = Float64Array.from({ length: N }, (_, i) => (i < 10 ? 1 : 0));
    const at = Array.from({ length: 3 }, () => new Array<number>(8).fill(0));
    const trials = 240;
    for (let t = 0; t < trials; t++) {
      const { received } = await run(codes, y, 0);
      expect(received.length).toBe(2); // shuffled labels under the dealer's share, bin numbers
      const col1 = received[1]!.subarray(N, 2 * N);
      // Position (in eighths) of rows 0, 1 and 2 of feature 1.
      for (let r = 0; r < 3; r++) at[r]![Math.floor((col1.indexOf(r) * 8) / N)]!++;
    }
    // 7 d.f.: critical value 38 at p = 1e-6.
    const e = trials / 8;
    for (const h of at) expect(h.reduce((s, o) => s + (o - e) ** 2 / e, 0)).toBeLessThan(38);
  }, 60_000);
});
