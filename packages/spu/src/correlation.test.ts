// The correlation registry and dealer core, independent of any kernel: additive and XOR parts, 2 and
// 3 ranks, TTP and TFP, and the rule that only rank 0 gets dealer traffic.
import { describe, expect, it } from 'vitest';
import { Prg, add, and, mul, sub, toBigInts, xor, type KeyStream, type RingTensor } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { CorrelationTable, asRecord, correlationKind, parseDims, type CorrelationSpec } from './mpc/correlation.ts';
import { SEMI2K } from './protocol.ts';
import { runLocal } from './simulation.ts';
import { exportShare, importShare } from './share.ts';

interface P { n: number }
const mixedSpec: CorrelationSpec<P> = {
  parse: (raw) => ({ n: parseDims([asRecord(raw).n], 'n', 1)[0]! }),
  random: (p, field) => [
    { name: 'a', field, shape: [p.n], sharing: 'xor' },
    { name: 'b', field, shape: [p.n], sharing: 'xor' },
    { name: 'r', field, shape: [p.n], sharing: 'additive' },
  ],
  derived: (p, field) => [
    { name: 'c', field, shape: [p.n], sharing: 'xor' }, // AND triple
    { name: 'rx', field, shape: [p.n], sharing: 'xor' }, // r in XOR form (eqz-style pair)
  ],
  derive: (_p, _f, r) => ({ c: and(r.a!, r.b!), rx: r.r! }),
};
const mixed = correlationKind<P>('test.mixed', mixedSpec);
// The same kind marked elementwise: the dealer generates it block by block (dealer/core.ts).
const mixedBlocks = correlationKind<P>('test.mixedBlocks', { ...mixedSpec, elementwise: true });
// A dealer-only part r (no rank draws it) folded into a derived part, and dealt as another: the
// whole-tensor path (not elementwise) and its deriveAdjust variant. combine(c) - combine(a) = combine(m).
const ownSpec: CorrelationSpec<P> = {
  parse: (raw) => ({ n: parseDims([asRecord(raw).n], 'n', 1)[0]! }),
  random: (p, field) => [{ name: 'a', field, shape: [p.n], sharing: 'additive' }],
  dealerOnly: (p, field) => [{ name: 'r', field, shape: [p.n], sharing: 'additive' }],
  derived: (p, field) => [
    { name: 'c', field, shape: [p.n], sharing: 'additive' },
    { name: 'm', field, shape: [p.n], sharing: 'additive' },
  ],
  derive: (_p, _f, r) => ({ c: add(r.a!, r.r!), m: sub(add(r.r!, r.a!), r.a!) }), // m: a copy of r
};
const own = correlationKind<P>('test.own', ownSpec);
const ownAdjust = correlationKind<P>('test.ownAdjust', {
  ...ownSpec,
  deriveAdjust: (_p, _f, r, others) => {
    sub(add(r.a!, r.r!), others.c!, others.c!);
    sub(r.r!, others.m!, others.m!);
  },
});
const correlations = SEMI2K.correlations!.with([mixed, mixedBlocks, own, ownAdjust]);

const combine = (ts: RingTensor[], op: 'xor' | 'add') => ts.slice(1).reduce((acc, t) => (op === 'xor' ? xor(acc, t) : add(acc, t)), ts[0]!);

describe('correlation tables', () => {
  it('rejects duplicate and malformed kind names, and kinds a table does not hold', () => {
    const spec = { parse: () => ({}), random: () => [], derived: () => [], derive: () => ({}) };
    expect(() => correlations.with([correlationKind('test.mixed', spec)])).toThrow(/defined twice/);
    expect(() => correlationKind('bad name!', spec)).toThrow(/not a valid name/);
    expect(() => new CorrelationTable([]).get('beaver')).toThrow(/not in this protocol's table/);
    expect(SEMI2K.correlations!.kinds()).toEqual(expect.arrayContaining(['beaver', 'truncPr', 'nl.andTriple', 'masked.fixedMatrix']));
  });

  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const field of ['FM64', 'FM128'] as const)
      for (const parties of [2, 3])
        it(`${beaverType} ${field} ${parties} ranks: XOR and additive parts combine to the derived values`, async () => {
          const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType };
          const { results, hub } = await runLocal(cfg, parties, (ctx) => ctx.dealer!.takeAll('test.mixed', { n: 33 }), undefined, { correlations });
          const part = (name: string) => results.map((r) => r[name]!);
          const a = combine(part('a'), 'xor'), b = combine(part('b'), 'xor'), c = combine(part('c'), 'xor');
          const r = combine(part('r'), 'add'), rx = combine(part('rx'), 'xor');
          expect(toBigInts(c)).toEqual(toBigInts(and(a, b)));
          expect(toBigInts(rx)).toEqual(toBigInts(r));
          expect(new Set(toBigInts(a)).size).toBeGreaterThan(30); // random, not constant
          for (let j = 1; j < parties; j++) expect(hub.traffic(parties, j).messages).toBe(0);
        });

  for (const beaverType of ['TTP', 'TFP'] as const)
    for (const parties of [1, 2, 3])
      it(`${beaverType} ${parties} ranks: dealer-only parts reach derived parts, and the streams stay in step`, async () => {
        const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType };
        const { results } = await runLocal(cfg, parties, async (ctx) => ({
          own: await ctx.dealer!.takeAll('test.own', { n: 33 }),
          adj: await ctx.dealer!.takeAll('test.ownAdjust', { n: 35 }),
          beaver: await ctx.dealer!.takeAll('beaver', { shape: [9] }),
        }), undefined, { correlations });
        for (const key of ['own', 'adj'] as const) {
          const sum = (name: string) => combine(results.map((r) => r[key][name]!), 'add');
          expect(toBigInts(sum('c'))).toEqual(toBigInts(add(sum('a'), sum('m'))));
          expect(new Set(toBigInts(sum('m'))).size).toBeGreaterThan(30); // random, not constant
        }
        const bv = (name: string) => combine(results.map((r) => r.beaver[name]!), 'add');
        expect(toBigInts(bv('c'))).toEqual(toBigInts(mul(bv('a'), bv('b'))));
      });

  for (const [beaverType, field, parties] of [['TTP', 'FM64', 2], ['TFP', 'FM128', 3], ['TTP', 'FM64', 3]] as const)
    it(`${beaverType} ${field} ${parties} ranks: block-wise generation over several blocks matches, and the streams stay in step`, async () => {
      const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType };
      const n = 2 * 8192 + 77; // two whole blocks and a tail
      const { results } = await runLocal(cfg, parties, async (ctx) => {
        const blocks = await ctx.dealer!.takeAll('test.mixedBlocks', { n });
        const beaver = await ctx.dealer!.takeAll('beaver', { shape: [n] });
        const trunc = await ctx.dealer!.takeAll('truncPr', { shape: [n], bits: 18 });
        const bt = await ctx.dealer!.takeAll('beaverTrunc', { shape: [n], bits: 18 });
        const st = await ctx.dealer!.takeAll('squareTrunc', { shape: [n], bits: 18 });
        const after = await ctx.dealer!.takeAll('test.mixed', { n: 33 }); // whole-tensor path after the block ones
        return { blocks, beaver, trunc, bt, st, after };
      }, undefined, { correlations });
      for (const key of ['blocks', 'after'] as const) {
        const part = (name: string) => results.map((r) => r[key][name]!);
        const a = combine(part('a'), 'xor'), b = combine(part('b'), 'xor'), c = combine(part('c'), 'xor');
        expect(toBigInts(c)).toEqual(toBigInts(and(a, b)));
        expect(toBigInts(combine(part('rx'), 'xor'))).toEqual(toBigInts(combine(part('r'), 'add')));
      }
      const bv = (name: string) => combine(results.map((r) => r.beaver[name]!), 'add');
      expect(toBigInts(bv('c'))).toEqual(toBigInts(mul(bv('a'), bv('b'))));
      const tr = (name: string) => toBigInts(combine(results.map((r) => r.trunc[name]!), 'add'));
      const k = field === 'FM64' ? 64n : 128n;
      const r = tr('r'), d = tr('d'), rTop = tr('rTop');
      const mod = (v: bigint) => BigInt.asUintN(Number(k), v);
      r.forEach((ri, i) => {
        const top = (ri >> (k - 1n)) << (k - 1n - 18n);
        expect(rTop[i]).toBe(top);
        expect(d[i]).toBe(mod(2n * top - (ri >> 18n) - (1n << (k - 2n - 18n))));
      });
      // The fused kinds: c = ab + r + 2^(k-2) for an r only the dealer drew, with (d, rTop) the
      // truncation pair of that same r.
      for (const key of ['bt', 'st'] as const) {
        const sum = (name: string) => toBigInts(combine(results.map((x) => x[key][name]!), 'add'));
        const a = sum('a'), b = key === 'bt' ? sum('b') : a, c = sum('c'), dd = sum('d'), top = sum('rTop');
        const rs = c.map((ci, i) => mod(ci - a[i]! * b[i]! - (1n << (k - 2n))));
        expect(new Set(rs).size).toBe(n); // uniform r: no repeats at this size
        rs.forEach((ri, i) => {
          const t = (ri >> (k - 1n)) << (k - 1n - 18n);
          expect(top[i]).toBe(t);
          expect(dd[i]).toBe(mod(2n * t - (ri >> 18n) - (1n << (k - 2n - 18n))));
        });
      }
    }, 60_000);
});

describe('streamed random parts', () => {
  // take(..., { streamRandom: true }) hands the random parts out as keystreams: expanded, they are
  // the shares drawing would have given (the dealer's c still equals a*b), and the rank's stream
  // stays in step with the dealer's for the correlations after it.
  for (const [beaverType, field, parties] of [['TTP', 'FM64', 2], ['TFP', 'FM128', 3]] as const)
    it(`${beaverType} ${field} ${parties} ranks: keystreams expand to the shares, and the streams stay in step`, async () => {
      const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType };
      const n = 8192 + 33;
      const expand = (ks: KeyStream | undefined) => new Prg(ks!.seed, ks!.offset).fillRing(field, n);
      const { results } = await runLocal(cfg, parties, async (ctx) => {
        const t = ctx.dealer!.take('beaver', { shape: [n] }, { streamRandom: true, streamDerived: true });
        expect(Object.keys(t.random)).toEqual([]);
        const derived = await t.derived;
        const streamed: Record<string, RingTensor> = { a: expand(t.randomStreams?.a), b: expand(t.randomStreams?.b), c: derived.c ?? expand(t.streams?.c) };
        const drawn = await ctx.dealer!.takeAll('beaver', { shape: [n] });
        return { streamed, drawn };
      });
      for (const key of ['streamed', 'drawn'] as const) {
        const sum = (name: string) => combine(results.map((r) => r[key][name]!), 'add');
        expect(toBigInts(sum('c'))).toEqual(toBigInts(mul(sum('a'), sum('b'))));
      }
    }, 60_000);
});

describe('share export/import', () => {
  it('round-trips a share through bytes (the runtime moves shares this way)', async () => {
    const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM128', fxpFractionBits: 0, beaverType: 'TTP' };
    const { results } = await runLocal(cfg, 2, async (ctx) => {
      const t = ctx.fromPublic([1.5, -2.25, 3], [3]);
      const back = importShare(cfg, exportShare(t), t.shape);
      expect(back.shape).toEqual([3]);
      return ctx.revealToAll(ctx.add(back, t));
    });
    expect([...results[0]!]).toEqual([3, -4.5, 6]);
  });
});
