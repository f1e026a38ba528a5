// Leakage test for comparison (statistical, like the one for mul in ../leakage.test.ts): what one
// rank receives while computing less(x, y) must have the same distribution whatever the other
// party's private x is. Over many runs with fresh CSPRNG shares and dealer seeds we record the
// observer's received messages and the values it opens (first message: the ring opening c = x + r,
// summed; later messages: AND-gate and B2A openings, XORed), and compare histograms of the top and
// bottom 4 bits of every 64-bit word with a chi-square homogeneity test (15 d.o.f., reject at
// p < 1e-6). A power check shows the same pipeline catches a protocol that opens x - y.
import { describe, expect, it } from 'vitest';
import { createSpuContext, type SpuContext } from '../context.ts';
import { serveDealer } from '../dealer.ts';
import { LocalHub } from '../local-hub.ts';
import type { SecretTensor } from '../secret-tensor.ts';
import { importShare, makeShares } from '../share.ts';
import { cfgOf } from '../__tests__/nl-testutil.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, expectSameView, wordsOf as words, type View } from '../__tests__/leakage-stats.ts';


const cfg = cfgOf('SEMI2K', 'FM64');
const N = 64; // two plane words: every message is a whole number of u64 words


async function collect(trials: number, observer: number, priv: Float64Array, other: Float64Array, op: (c: SpuContext, mine: SecretTensor, theirs: SecretTensor) => Promise<unknown>): Promise<View> {
  const view: View = { received: newHist(), opened: newHist() };
  for (let t = 0; t < trials; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(observer));
    const ctxs = [0, 1].map((r) => createSpuContext(cfg, r === observer ? rec : hub.endpoint(r)));
    const ps = makeShares(cfg, priv, [N], 2).map((b) => importShare(cfg, b, [N]));
    const os = makeShares(cfg, other, [N], 2).map((b) => importShare(cfg, b, [N]));
    await Promise.all(ctxs.map((c, r) => op(c, ps[r]!, os[r]!)));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    for (const m of rec.received) addWords(view.received, words(m));
    expect(rec.fromPeers.length).toBe(rec.sent.length);
    rec.sent.forEach((s, i) => {
      const sw = words(s), pw = words(rec.fromPeers[i]!);
      const opened = new BigUint64Array(sw.length);
      for (let j = 0; j < sw.length; j++) opened[j] = i === 0 ? BigInt.asUintN(64, sw[j]! + pw[j]!) : sw[j]! ^ pw[j]!;
      addWords(view.opened, opened);
    });
  }
  return view;
}


const zeros = new Float64Array(N);
const wild = Float64Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1) * 1234.5678);
const ones = Float64Array.from({ length: N }, () => 1.5);

describe("leakage: a rank's view during comparison does not depend on the other party's input", () => {
  it('power: the pipeline catches a "comparison" that opens x - y', async () => {
    const bad = (x: Float64Array) => collect(40, 1, x, ones, async (c, x0, y) => c.revealToAll(c.sub(x0, y)));
    const a = await bad(zeros), b = await bad(wild);
    expect(chi2(a.opened.top, b.opened.top)).toBeGreaterThan(CRITICAL);
  });

  it('less: rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(120, 1, x, ones, (c, x0, y) => c.less(x0, y));
    expectSameView(await run(zeros), await run(wild));
  });

  it('less: rank 0 view (incl. dealer corrections) vs party 1 input', async () => {
    const run = (x: Float64Array) => collect(120, 0, x, ones, (c, x1, y) => c.less(y, x1));
    expectSameView(await run(zeros), await run(wild));
  });

  // clip evaluates [x < lo] and [x <= hi] from ONE opening of x + r (msbOffsetsA): the view must still
  // be independent of x, whichever side of the interval the values fall on.
  it('clip (shared mask): rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(120, 1, x, ones, (c, x0) => c.clip(x0, -1, 2.5));
    expectSameView(await run(zeros), await run(wild));
  });

  it('sigmoid t1 (shared mask, incl. dealer corrections): rank 0 view vs party 1 input', async () => {
    const run = (x: Float64Array) => collect(120, 0, x, ones, (c, x1) => c.sigmoid(x1, 't1'));
    expectSameView(await run(zeros), await run(wild));
  });

  // The real sigmoid keeps its comparison bits XOR-shared and multiplies them into values with the
  // bit-times-value kernel: its messages (x - a and the bits XOR r, in one payload) must be uniform
  // too, whatever the signs and magnitudes of x (wild has both signs and |x| past exp's clamp).
  it('sigmoid real (bit-times-value openings): rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(60, 1, x, ones, (c, x0) => c.sigmoid(x0, 'real'));
    expectSameView(await run(zeros), await run(wild));
  });

  it('sigmoid real (incl. dealer corrections of nl.bitMul): rank 0 view vs party 1 input', async () => {
    const run = (x: Float64Array) => collect(60, 0, x, ones, (c, x1) => c.sigmoid(x1, 'real'));
    expectSameView(await run(zeros), await run(wild));
  });

  it('equal: rank 1 view vs party 0 input', async () => {
    const run = (x: Float64Array) => collect(120, 1, x, zeros, (c, x0, y) => c.equal(x0, y));
    expectSameView(await run(zeros), await run(wild));
  });
});
