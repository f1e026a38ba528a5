// kkrtPsiBucket on its own: exact intersections at edge sizes, both roles, counts; the sender's
// view is the same for two receiver sets of one size; the cuckoo failure rate against the bound.
import { describe, expect, it } from 'vitest';
import { packStrings } from '../packed-keys.ts';
import { mulberry32 } from '../__tests__/fixtures.ts';
import { memoryLinkPair, Tag } from '../link.ts';
import type { PsiLink } from '../link.ts';
import { addWords, chi2, CRITICAL, newHist, wordsOf } from '@sfw/testkit';
import { kkrtPsiBucket } from './bucket.ts';
import { cuckooInsert, fileIndex } from './cuckoo.ts';
import { binCount, expansion } from './params.ts';

type Opt = Parameters<typeof kkrtPsiBucket>[2];
const base = { batchSize: 64, expectCounts: false, valueBatch: 100 } as const;

function run(A: string[], B: string[], receivers: 'both' | 'alice' | 'bob', wrap?: (l: PsiLink) => PsiLink, counts?: Int32Array) {
  const [la, lb] = memoryLinkPair();
  const aRecv = receivers !== 'bob';
  const bRecv = receivers !== 'alice';
  const single = receivers !== 'both';
  const oa: Opt = { ...base, selfIsDs1: true, selfReceives: aRecv, peerReceives: bRecv, expectCounts: single && aRecv && !!counts };
  const ob: Opt = { ...base, selfIsDs1: false, selfReceives: bRecv, peerReceives: aRecv, expectCounts: false, ...(single && aRecv && counts ? { sendCounts: counts } : {}) };
  return Promise.all([kkrtPsiBucket(la, packStrings(A), oa), kkrtPsiBucket(wrap ? wrap(lb) : lb, packStrings(B), ob)]);
}

const keys = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

describe('kkrtPsiBucket', { timeout: 60_000 }, () => {
  const cases: [number, number, number][] = [
    [0, 5, 0], [5, 0, 0], [1, 1, 1], [1, 1, 0], [2, 3, 2], [255, 256, 100], [256, 255, 255], [3000, 2000, 1000],
  ];
  for (const [na, nb, common] of cases) {
    it(`n_R=${na}, n_S=${nb}, ${common} common: exact result on both sides`, async () => {
      const A = [...keys('c', Math.min(common, na)), ...keys('a', na - Math.min(common, na))];
      const B = [...keys('b', nb - common), ...keys('c', common)];
      const [ra, rb] = await run(A, B, 'both');
      expect(Array.from(ra.matched!, Boolean)).toEqual(A.map((k) => B.includes(k)));
      expect(Array.from(rb.matched!, Boolean)).toEqual(B.map((k) => A.includes(k)));
      expect([ra.peerSize, rb.peerSize]).toEqual([nb, na]);
    });
  }

  it('single receiver on either side; the sender learns nothing; counts follow the shuffle', async () => {
    const A = keys('k', 300);
    const B = keys('k', 300, 150);
    const counts = Int32Array.from(B, (_, i) => 1 + (i % 5));
    const [ra, rb] = await run(A, B, 'alice', undefined, counts);
    expect(rb.matched).toBeNull();
    expect(Array.from(ra.matched!, Boolean)).toEqual(A.map((_, i) => i >= 150));
    expect(Array.from(ra.peerCounts!)).toEqual(A.map((_, i) => (i >= 150 ? 1 + ((i - 150) % 5) : 0)));
    const [ra2, rb2] = await run(A, B, 'bob');
    expect(ra2.matched).toBeNull();
    expect(Array.from(rb2.matched!, Boolean)).toEqual(B.map((_, i) => i < 150));
  });

  it('no key bytes on the wire; the sender receives only the hello, one point and W x m correction bits', async () => {
    const A = keys('secret-alice-', 500);
    const B = keys('secret-alice-', 400, 250);
    const toSender: Uint8Array[] = [];
    const all: Uint8Array[] = [];
    const wrap = (l: PsiLink): PsiLink => ({ send: (d) => (all.push(d), l.send(d)), recv: async () => { const d = await l.recv(); toSender.push(d); all.push(d); return d; } });
    await run(A, B, 'alice', wrap);
    const wire = Buffer.concat(all);
    for (const k of [...A, ...B]) expect(wire.includes(Buffer.from(k))).toBe(false);
    const ot = toSender.filter((m) => m[0] === Tag.Ot).map((m) => m.length - 1);
    expect(ot).toEqual([32, binCount(500) * 64]);
    expect(toSender.filter((m) => m[0] !== Tag.Ot && m[0] !== Tag.Json)).toEqual([]);
  });
});

describe("the sender's view does not depend on the receiver's set", { timeout: 60_000 }, () => {
  it('two receiver sets of 4096 keys (sequential vs random strings): same distribution of every received word', async () => {
    const rng = mulberry32(99);
    const S = keys('k', 4096, 2000);
    const sequential = keys('k', 4096);
    const random = Array.from({ length: 4096 }, () => `r${Math.floor(rng() * 2 ** 40).toString(36)}`);
    const view = async (R: string[]) => {
      const got: Uint8Array[] = [];
      const wrap = (l: PsiLink): PsiLink => ({ send: (d) => l.send(d), recv: async () => { const d = await l.recv(); got.push(d); return d; } });
      await run(R, S, 'alice', wrap);
      const hist = newHist();
      for (const m of got.filter((x) => x[0] === Tag.Ot)) addWords(hist, wordsOf(m.subarray(1)));
      return { hist, lengths: got.map((m) => m.length) };
    };
    const a = await view(sequential);
    const b = await view(random);
    expect(a.lengths).toEqual(b.lengths); // the hello carries only n and a random seed share
    expect(a.hist.top.reduce((s, v) => s + v, 0)).toBeGreaterThan(40_000);
    expect(chi2(a.hist.top, b.hist.top)).toBeLessThan(CRITICAL);
    expect(chi2(a.hist.low, b.hist.low)).toBeLessThan(CRITICAL);
    // And each is close to uniform (a uniform histogram as the second sample).
    const flat = new Array<number>(16).fill(a.hist.top.reduce((s, v) => s + v, 0) / 16);
    expect(chi2(a.hist.top, flat)).toBeLessThan(CRITICAL);
  });
});

describe('cuckoo hashing failure rate', { timeout: 60_000 }, () => {
  // Method (Pinkas-Schneider-Zohner, eprint 2016/930 §5): measure the failure rate where failures
  // are observable (just above the load threshold, e ~ 1.09 for 3 hashes), fit log2 P[fail] as a
  // line in e, and extrapolate to the e the protocol uses. The PSZ18 fit behind binCount() says
  // log2 P = -(240 e - log2 n - 256); our insertion must fail no more often than that, and fall
  // at least as steeply, for the extrapolation to support the 2^-40 claim.
  it('n = 2^12: observed failure rates lie under the PSZ18 line; the fitted line is below 2^-40 at binCount(n)', () => {
    const n = 4096;
    const trials = 600;
    const rng = mulberry32(2016930);
    const bins = new Uint32Array(3 * n);
    const points: { e: number; log2p: number }[] = [];
    for (const e of [1.1, 1.105, 1.11, 1.115, 1.12]) {
      const m = Math.ceil(e * n);
      let fail = 0;
      for (let t = 0; t < trials; t += 1) {
        for (let i = 0; i < bins.length; i += 1) bins[i] = Math.floor(rng() * m);
        if (!cuckooInsert(bins, n, m)) fail += 1;
      }
      const psz = -(240 * e - Math.log2(n) - 256);
      // Upper 99.9% bound of the observed rate (normal approx. + 3/trials floor for zero counts).
      const upper = Math.min(1, (fail + 3.1 * Math.sqrt(fail + 1)) / trials);
      expect(Math.log2(upper)).toBeLessThanOrEqual(Math.max(psz, 0) + 1e-9);
      if (fail >= 5) points.push({ e, log2p: Math.log2(fail / trials) });
    }
    expect(points.length).toBeGreaterThanOrEqual(3);
    const me = points.reduce((s, p) => s + p.e, 0) / points.length;
    const mp = points.reduce((s, p) => s + p.log2p, 0) / points.length;
    const slope = points.reduce((s, p) => s + (p.e - me) * (p.log2p - mp), 0) / points.reduce((s, p) => s + (p.e - me) ** 2, 0);
    expect(slope).toBeLessThan(-240); // at least as steep as the PSZ18 line
    const eUsed = binCount(n) / n;
    expect(eUsed).toBeGreaterThanOrEqual(expansion(n));
    expect(mp + slope * (eUsed - me)).toBeLessThan(-40);
  });

  it('n = 2^16 at the bins the protocol uses: no failure in 20 runs (regression)', () => {
    const n = 1 << 16;
    const m = binCount(n);
    const rng = mulberry32(5);
    const bins = new Uint32Array(3 * n);
    for (let t = 0; t < 20; t += 1) {
      for (let i = 0; i < bins.length; i += 1) bins[i] = Math.floor(rng() * m);
      expect(cuckooInsert(bins, n, m)).not.toBeNull();
    }
  });

  it('files each item under the smallest hash index of the bin it ended in, repeated bins included', () => {
    const n = 3000;
    const m = binCount(n);
    const rng = mulberry32(77);
    const bins = new Uint32Array(3 * n);
    // A small range for some items' bins makes repeats within one item common.
    for (let i = 0; i < bins.length; i += 1) bins[i] = Math.floor(rng() * (i % 7 === 0 ? 3 : m));
    const table = cuckooInsert(bins, n, m);
    expect(table).not.toBeNull();
    let seen = 0;
    for (let b = 0; b < m; b += 1) {
      const x = table!.binItem[b]!;
      if (x < 0) continue;
      seen += 1;
      expect(table!.filed[x]).toBe(fileIndex(bins, x, b));
    }
    expect(seen).toBe(n);
  });
});
