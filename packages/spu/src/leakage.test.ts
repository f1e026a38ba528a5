// Leakage test (statistical, not a code read): what one rank receives during fixed-point mul,
// square and matmul must have the same distribution whatever the other party's private input is.
// For two very different private inputs A and B of one party, we run the protocol many times with
// fresh CSPRNG shares and dealer seeds, record the other rank's view (every message it receives,
// and the values it opens = its sent share + the received share), and compare the distributions of
// the top and bottom 4 bits of every 64-bit word with a chi-square test of homogeneity
// (16 bins, 15 degrees of freedom, reject at p < 1e-6: statistic > 56.49).
// A power check runs the same statistic on the plaintext inputs themselves (what an unmasked
// protocol would reveal) and requires it to reject, so the test can tell a leak from no leak.
import { describe, expect, it } from 'vitest';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import { importShare, makeShares } from './share.ts';
import type { SecretTensor } from './secret-tensor.ts';
import type { SpuContext } from './context.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, expectSameView, wordsOf, type View } from './__tests__/leakage-stats.ts';

const words = (bufs: readonly Uint8Array[]): BigUint64Array[] => bufs.map(wordsOf);



/**
 * Runs `op` `trials` times (two parties, TTP dealer) with party `owner`'s private input `priv`
 * and the other input `other`; returns histograms of observer rank's view.
 */
async function collect(
  cfg: SpuConfig,
  trials: number,
  observer: number,
  owner: number,
  priv: Float64Array,
  other: Float64Array,
  shapes: [number[], number[]],
  op: (ctx: SpuContext, mine: SecretTensor, theirs: SecretTensor) => Promise<SecretTensor>,
): Promise<View> {
  const view: View = { received: newHist(), opened: newHist() };
  for (let t = 0; t < trials; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(observer));
    const ctxs = [0, 1].map((r) => createSpuContext(cfg, r === observer ? rec : hub.endpoint(r)));
    const ownerShares = makeShares(cfg, priv, shapes[0], 2).map((b) => importShare(cfg, b, shapes[0]));
    const otherShares = makeShares(cfg, other, shapes[1], 2).map((b) => importShare(cfg, b, shapes[1]));
    await Promise.all(ctxs.map((c, r) => op(c, ownerShares[r]!, otherShares[r]!)));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    // Everything the observer received (peer shares of e, f, c and, at rank 0, dealer corrections).
    const recvW = words(rec.received);
    for (const w of recvW) addWords(view.received, w);
    // What it opened: its own sent share + the peer's share, message by message (2 parties, one
    // message each way per round, FIFO).
    const peerMsgs = words(rec.fromPeers);
    const sentW = words(rec.sent);
    expect(peerMsgs.length).toBe(sentW.length);
    sentW.forEach((s, i) => {
      const p = peerMsgs[i]!;
      expect(p.length).toBe(s.length);
      const opened = new BigUint64Array(s.length);
      for (let j = 0; j < s.length; j++) opened[j] = BigInt.asUintN(64, s[j]! + p[j]!);
      addWords(view.opened, opened);
    });
  }
  return view;
}


const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
const N = 16;
const zeros = new Float64Array(N);
const wild = Float64Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1) * 1234.5678);
const ones = Float64Array.from({ length: N }, () => 1.5);

describe('leakage: a rank\'s view does not depend on the other party\'s private input', () => {
  it('the statistic has power: plaintext inputs are told apart', () => {
    const a = newHist(), b = newHist();
    const enc = (v: Float64Array) => words(makeShares({ ...cfg, protocol: 'REF2K' }, v, [N], 1))[0]!;
    for (let t = 0; t < 100; t++) {
      addWords(a, enc(zeros));
      addWords(b, enc(wild));
    }
    expect(chi2(a.top, b.top)).toBeGreaterThan(CRITICAL);
  });

  it('the whole pipeline has power: a protocol that opens the input is caught', async () => {
    const run = (x: Float64Array) => collect(cfg, 40, 1, 0, x, ones, [[N], [N]], async (c, x0) => (await c.revealToAll(x0), x0));
    const a = await run(zeros), b = await run(wild);
    expect(chi2(a.opened.top, b.opened.top)).toBeGreaterThan(CRITICAL);
  });

  it('mul: rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(cfg, 200, 1, 0, x, ones, [[N], [N]], (c, x0, y) => c.mul(x0, y));
    expectSameView(await run(zeros), await run(wild));
  });

  it('mul: rank 0 view (incl. dealer corrections) vs party 1 input', async () => {
    const run = (y: Float64Array) => collect(cfg, 200, 0, 1, y, ones, [[N], [N]], (c, y1, x) => c.mul(x, y1));
    expectSameView(await run(zeros), await run(wild));
  });

  it('square: rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(cfg, 200, 1, 0, x, ones, [[N], [N]], (c, x0) => c.square(x0));
    expectSameView(await run(zeros), await run(wild));
  });

  it('square: rank 0 view (incl. dealer corrections) vs party 1 input', async () => {
    const run = (x: Float64Array) => collect(cfg, 200, 0, 1, x, ones, [[N], [N]], (c, x1) => c.square(x1));
    expectSameView(await run(zeros), await run(wild));
  });

  it('FM128 mul: rank 1 view vs party 0 input (features on both 64-bit limbs)', async () => {
    const c128: SpuConfig = { ...cfg, field: 'FM128' };
    const run = (x: Float64Array) => collect(c128, 150, 1, 0, x, ones, [[N], [N]], (c, x0, y) => c.mul(x0, y));
    expectSameView(await run(zeros), await run(wild));
  });

  it('matmul: rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(cfg, 200, 1, 0, x, ones, [[4, 4], [4, 4]], (c, x0, y) => c.matmul(x0, y));
    expectSameView(await run(zeros), await run(wild));
  });

  it('matmul: rank 0 view vs party 1 input', async () => {
    const run = (y: Float64Array) => collect(cfg, 200, 0, 1, y, ones, [[4, 4], [4, 4]], (c, y1, x) => c.matmul(x, y1));
    expectSameView(await run(zeros), await run(wild));
  });
});
