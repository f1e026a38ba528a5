// The correlation registry and dealer core, independent of any kernel: additive and XOR parts, 2 and
// 3 ranks, TTP and TFP, and the rule that only rank 0 gets dealer traffic.
import { describe, expect, it } from 'vitest';
import { add, and, toBigInts, xor, type RingTensor } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { CorrelationTable, asRecord, correlationKind, parseDims } from './mpc/correlation.ts';
import { SEMI2K } from './protocol.ts';
import { runLocal } from './simulation.ts';
import { exportShare, importShare } from './share.ts';

interface P { n: number }
const mixed = correlationKind<P>('test.mixed', {
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
});
const correlations = SEMI2K.correlations!.with([mixed]);

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
