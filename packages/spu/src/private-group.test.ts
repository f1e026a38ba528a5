// privateGroupSums (grouped sums of one rank's vector by another rank's codes, learnt by the vector's
// owner; mpc/private-group.ts): exact against plain sums (SEMI2K TTP/TFP, REF2K, FM64/FM128, 2 and 3
// ranks, either owner at rank 0 or neither, groups up to 300 so codes cross as 1 or 2 bytes);
// counted traffic per rank pair, dealer bytes and rounds vs privateGroupCost; the permutations are
// uniform (chi-square over all 5! orders) and independent per column; leakage: what b receives has
// the same distribution whatever v is, and a sees the rows in an order unrelated to the row order.
import { describe, expect, it } from 'vitest';
import { decode, makeTensor, toBytes, type FieldType } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { createSpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import { runLocal } from './simulation.ts';
import { reconstructRing } from './share.ts';
import { permutationsFrom, privateGroupCost } from './mpc/private-group.ts';
import { barrier } from './__tests__/barrier.ts';
import { testRng } from './__tests__/test-rng.ts';
import { CRITICAL, RecordingComm, addWords, chi2, newHist, wordsOf as words } from './__tests__/leakage-stats.ts';
import { expectCountedTraffic } from './__tests__/counted-traffic.ts';

const N = 37;
const fxp = (field: FieldType) => (field === 'FM64' ? 18 : 26);

function plainSums(v: Float64Array, codes: Float64Array, groups: readonly number[]): number[] {
  const f = groups.length;
  const out: number[] = [];
  groups.forEach((g, c) => {
    const s = new Array<number>(g).fill(0);
    for (let i = 0; i < v.length; i++) s[codes[i * f + c]!]! += v[i]!;
    out.push(...s);
  });
  return out;
}

describe('privateGroupSums is exact', () => {
  const layouts: [number, number, number][] = [[2, 0, 1], [2, 1, 0], [3, 2, 1], [3, 0, 2], [3, 1, 2]];
  for (const protocol of ['SEMI2K', 'REF2K'] as const)
    for (const beaverType of protocol === 'SEMI2K' ? (['TTP', 'TFP'] as const) : (['TTP'] as const))
      for (const field of ['FM64', 'FM128'] as const)
        for (const [parties, a, b] of layouts)
          it(`${protocol}/${beaverType} ${field} ${parties} ranks, values at ${a}, codes at ${b}`, async () => {
            const f = fxp(field);
            const cfg: SpuConfig = { protocol, field, fxpFractionBits: f, beaverType, onWarning: () => undefined };
            const rnd = testRng(`${protocol}${beaverType}${field}${parties}${a}${b}`);
            const groups = [3, 10, 1, 300];
            const F = groups.length;
            // Signed values with fractions: the sums are exact ring sums of the encodings.
            const v = Float64Array.from({ length: N }, () => Math.round((rnd() * 2 - 1) * 1000) / 8);
            const codes = Float64Array.from({ length: N * F }, (_, i) => Math.floor(rnd() * groups[i % F]!));
            const { results } = await runLocal(cfg, parties, async (ctx) => {
              const vs = ctx.privateInput(a, [N, 1], ctx.rank === a ? v : undefined);
              const cs = ctx.privateInput(b, [N, F], ctx.rank === b ? codes : undefined);
              const s = await ctx.privateGroupSums(vs, cs, groups);
              expect(s.shape).toEqual([groups.reduce((x, g) => x + g, 0), 1]);
              // Only a's share carries the value.
              if (protocol === 'SEMI2K' && ctx.rank !== a) expect([...decode(ctx.unwrap(s), f)].every((x) => x === 0)).toBe(true);
              return toBytes(ctx.unwrap(s)).slice();
            });
            const got = [...decode(reconstructRing(cfg, results, [314, 1]), f)];
            expect(got).toEqual(plainSums(v, codes, groups));
          });

  it('0/1 labels by bins, 20,000 rows x 3 columns: the per-bin positive counts', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const rnd = testRng('big');
    const n = 20_000, groups = [10, 11, 2];
    const y = Float64Array.from({ length: n }, () => (rnd() < 0.3 ? 1 : 0));
    const codes = Float64Array.from({ length: n * 3 }, (_, i) => Math.floor(rnd() * groups[i % 3]!));
    const { results } = await runLocal(cfg, 2, async (ctx) => {
      const s = await ctx.privateGroupSums(ctx.privateInput(0, [n, 1], ctx.rank === 0 ? y : undefined), ctx.privateInput(1, [n, 3], ctx.rank === 1 ? codes : undefined), groups);
      return ctx.unwrap(s);
    });
    expect([...decode(results[0]!, 18)]).toEqual(plainSums(y, codes, groups));
  });

  it('argument checks', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    await runLocal(cfg, 2, async (ctx) => {
      const v0 = ctx.privateInput(0, [N, 1], ctx.rank === 0 ? new Float64Array(N) : undefined);
      const c0 = ctx.privateInput(0, [N, 2], ctx.rank === 0 ? new Float64Array(N * 2) : undefined);
      const c1 = ctx.privateInput(1, [N + 1, 2], ctx.rank === 1 ? new Float64Array((N + 1) * 2) : undefined);
      await expect(ctx.privateGroupSums(v0, c0, [2, 2])).rejects.toThrow(RangeError);
      await expect(ctx.privateGroupSums(v0, c1, [2, 2])).rejects.toThrow(RangeError);
      const c1ok = ctx.privateInput(1, [N, 2], ctx.rank === 1 ? new Float64Array(N * 2) : undefined);
      await expect(ctx.privateGroupSums(v0, c1ok, [2])).rejects.toThrow(RangeError);
      await expect(ctx.privateGroupSums(v0, c1ok, [2, 0])).rejects.toThrow(RangeError);
    });
  });

  it('a code outside its column\'s groups is refused at its owner before anything is sent', async () => {
    const cfg: SpuConfig = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const hub = new LocalHub(2);
    const ctx = createSpuContext(cfg, hub.endpoint(1));
    const codes = Float64Array.from({ length: N * 2 }, (_, i) => (i === 5 ? 2 : 0));
    const v0 = ctx.privateInput(0, [N, 1]);
    await expect(ctx.privateGroupSums(v0, ctx.privateInput(1, [N, 2], codes), [2, 2])).rejects.toThrow(/column 1 is not an integer in \[0, 2\)/);
    await expect(ctx.privateGroupSums(v0, ctx.privateInput(1, [N, 2], codes.map((c, i) => (i === 4 ? 0.5 : c === 2 ? 0 : c))), [2, 2])).rejects.toThrow(RangeError);
    expect(hub.pending()).toBe(0);
    ctx.close();
  });
});

describe('counted traffic == privateGroupCost', () => {
  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      for (const [parties, a, b] of [[2, 0, 1], [2, 1, 0], [3, 1, 2], [3, 2, 0]] as const)
        for (const maxGroups of [7, 700])
          it(`${beaverType} ${field} ${parties} ranks (${a}, ${b}), ${maxGroups} groups`, async () => {
            const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: fxp(field), beaverType, onWarning: () => undefined };
            const groups = [maxGroups, 3];
            const v = Float64Array.from({ length: N }, (_, i) => i % 2);
            const codes = Float64Array.from({ length: N * 2 }, (_, i) => i % 3);
            const hub = new LocalHub(parties);
            const sync = barrier(parties, () => hub.resetCounters());
            await runLocal(cfg, parties, async (ctx) => {
              await ctx.revealToAll(ctx.fromPublic(new Float64Array(1))); // session setup traffic settles first
              const vs = ctx.privateInput(a, [N, 1], ctx.rank === a ? v : undefined);
              const cs = ctx.privateInput(b, [N, 2], ctx.rank === b ? codes : undefined);
              await sync();
              return ctx.privateGroupSums(vs, cs, groups);
            }, hub);
            const want = privateGroupCost(N, 2, maxGroups, [a, b], parties, field);
            expectCountedTraffic(hub, parties, beaverType, want, (i, j) => want.bytes[i]![j]!);
          });

  it('100,000 rows x 25 columns of 10 bins, FM64: n F elements and bytes to the label holder', () => {
    const c = privateGroupCost(100_000, 25, 11, [0, 1], 2, 'FM64');
    expect(c.bytes[0]![1]).toBe(100_000 * 8);
    expect(c.bytes[1]![0]).toBe(100_000 * 25 * 9);
    expect(c.dealerBytes).toBe(100_000 * 25 * 8);
  });
});

/** FM128 words [F, n] from a seeded test stream (the kernels draw them from the CSPRNG). */
function testWords(rnd: () => number, n: number, f: number) {
  const t = makeTensor('FM128', [f, n]);
  const w = new Uint32Array(t.data.buffer, t.data.byteOffset, n * f * 4);
  for (let i = 0; i < w.length; i++) w[i] = Math.floor(rnd() * 2 ** 32);
  return t;
}

describe('the permutations', () => {
  it('are permutations, uniform over all 5! orders, independent per column', () => {
    const rnd = testRng('perm');
    const n = 5, trials = 12_000;
    const seen = new Map<string, number>();
    const pairs = new Map<string, number>();
    for (let t = 0; t < trials; t++) {
      const p = permutationsFrom(testWords(rnd, n, 2), n, 2);
      const c0 = [...p.subarray(0, n)], c1 = [...p.subarray(n)];
      expect([...c0].sort()).toEqual([0, 1, 2, 3, 4]);
      expect([...c1].sort()).toEqual([0, 1, 2, 3, 4]);
      seen.set(c0.join(''), (seen.get(c0.join('')) ?? 0) + 1);
      const k = `${c0[0]}${c1[0]}`;
      pairs.set(k, (pairs.get(k) ?? 0) + 1);
    }
    // Goodness of fit: 120 cells (119 d.f.) and 25 cells (24 d.f.), critical values at p = 1e-6.
    const fit = (m: Map<string, number>, cells: number) => [...m.values()].reduce((s, o) => s + (o - trials / cells) ** 2 / (trials / cells), 0) + (cells - m.size) * (trials / cells);
    expect(seen.size).toBe(120);
    expect(fit(seen, 120)).toBeLessThan(215);
    expect(fit(pairs, 25)).toBeLessThan(72);
  });

  it('a large n: every row exactly once', () => {
    const n = 100_003;
    const p = permutationsFrom(testWords(testRng('big-perm'), n, 1), n, 1);
    const hit = new Uint8Array(n);
    for (const x of p) hit[x]!++;
    expect(hit.every((h) => h === 1)).toBe(true);
  });
});

// ---- leakage ----

const LN = 16, TRIALS = 160;

/** Every word `me` receives from the other ranks over TRIALS sessions (values at 0, codes at 1). */
async function received(me: 0 | 1, v: Float64Array, codes: Float64Array): Promise<ReturnType<typeof newHist>> {
  const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
  const hist = newHist();
  for (let t = 0; t < TRIALS; t++) {
    const hub = new LocalHub(2);
    const dealer = serveDealer(cfg, hub.endpoint(2));
    const rec = new RecordingComm(hub.endpoint(me));
    const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === me ? rec : hub.endpoint(q)));
    await Promise.all(ctxs.map((c, q) => c.privateGroupSums(c.privateInput(0, [LN, 1], q === 0 ? v : undefined), c.privateInput(1, [LN, 1], q === 1 ? codes : undefined), [LN])));
    ctxs.forEach((c) => c.close());
    dealer.stop();
    await dealer.done;
    // a's received values (its first message from b); b: a's masked vector.
    addWords(hist, words(rec.fromPeers[0]!));
  }
  return hist;
}

describe('privateGroupSums: what each rank sees', () => {
  const distinct = Float64Array.from({ length: LN }, (_, i) => i);
  it('b: what it receives does not depend on v', async () => {
    const a = await received(1, new Float64Array(LN), distinct);
    const b = await received(1, Float64Array.from({ length: LN }, (_, i) => (i % 3 === 0 ? 1 : 1000 + i)), distinct);
    for (const part of ['top', 'low'] as const) expect(chi2(a[part], b[part]), part).toBeLessThan(CRITICAL);
  }, 60_000);

  it('a: each row lands at every position equally often (the order carries no row index)', async () => {
    // Codes 0..LN-1 name the rows; a's received codes show where each row went.
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
    const v = Float64Array.from({ length: LN }, (_, i) => (i < 4 ? 1 : 0));
    const at = Array.from({ length: LN }, () => new Array<number>(LN).fill(0));
    const trials = 480;
    for (let t = 0; t < trials; t++) {
      const hub = new LocalHub(2);
      const dealer = serveDealer(cfg, hub.endpoint(2));
      const rec = new RecordingComm(hub.endpoint(0));
      const ctxs = [0, 1].map((q) => createSpuContext(cfg, q === 0 ? rec : hub.endpoint(q)));
      const out = await Promise.all(ctxs.map((c, q) => c.privateGroupSums(c.privateInput(0, [LN, 1], q === 0 ? v : undefined), c.privateInput(1, [LN, 1], q === 1 ? distinct : undefined), [LN])));
      ctxs.forEach((c) => c.close());
      dealer.stop();
      await dealer.done;
      expect([...decode(ctxs[0]!.unwrap(out[0]!), 18)]).toEqual([...v]);
      const codes = rec.fromPeers[1]!;
      expect(codes.length).toBe(LN);
      codes.forEach((row, pos) => at[row]![pos]!++);
    }
    // Each row's position: uniform over LN positions (15 d.f., critical value 51 at p = 1e-6).
    const e = trials / LN;
    for (const r of at) expect(r.reduce((s, o) => s + (o - e) ** 2 / e, 0)).toBeLessThan(51);
  }, 60_000);
});
