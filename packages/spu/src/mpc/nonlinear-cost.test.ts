// Stated cost == counted traffic, for msb/eqz/topBit (the comparison kernels), FM64 and FM128, 2 parties:
// bytes rank 0 -> rank 1, bytes rank 1 -> rank 0, rounds (LocalHub's Lamport clock) and dealer bytes.
import { describe, expect, it } from 'vitest';
import { Prg, randomSeed } from '@sfw/ring';
import { LocalHub } from '../local-hub.ts';
import { runLocal } from '../simulation.ts';
import { bitMulACost, eqzACost, msbACost, msbOffsetsACost, msbOffsetsBCost, topBitOneHotACost } from './nonlinear-cost.ts';
import { semi2kNl } from './nonlinear.ts';
import { cfgOf } from '../__tests__/nl-testutil.ts';
import { barrier } from '../__tests__/barrier.ts';

describe.each(['FM64', 'FM128'] as const)('%s comparison kernel costs', (field) => {
  it.each([
    ['msbA', msbACost, semi2kNl.msbA],
    ['eqzA', eqzACost, semi2kNl.eqzA],
    ['topBitOneHotA (kk 44, G 8, as the FM64 normalisation)', (f: typeof field, n: number) => topBitOneHotACost(f, n, 44, 8), (env: Parameters<typeof semi2kNl.msbA>[0], x: Parameters<typeof semi2kNl.msbA>[1]) => semi2kNl.topBitOneHotA(env, x, 44, 8).then((r) => r[0]!)],
    ['topBitOneHotA signed (kk 44, G 8, as div and reciprocal on FM64)', (f: typeof field, n: number) => topBitOneHotACost(f, n, 44, 8, true), (env: Parameters<typeof semi2kNl.msbA>[0], x: Parameters<typeof semi2kNl.msbA>[1]) => semi2kNl.topBitOneHotA(env, x, 44, 8, true).then((r) => r[0]!)],
    ['msbOffsetsA (2 offsets, as clip)', (f: typeof field, n: number) => msbOffsetsACost(f, n, 2), (env: Parameters<typeof semi2kNl.msbA>[0], x: Parameters<typeof semi2kNl.msbA>[1]) => semi2kNl.msbOffsetsA(env, x, [5n, -7n]).then((r) => r[0]!)],
    ['msbOffsetsB (3 offsets)', (f: typeof field, n: number) => msbOffsetsBCost(f, n, 3), (env: Parameters<typeof semi2kNl.msbA>[0], x: Parameters<typeof semi2kNl.msbA>[1]) => semi2kNl.msbOffsetsB(env, x, [0n, 5n, -7n])],
    ['msbOffsetsB (3 offsets, low 12 / 20 bits fuzzy, as the real sigmoid)', (f: typeof field, n: number) => msbOffsetsBCost(f, n, 3, f === 'FM64' ? 12 : 20), (env: Parameters<typeof semi2kNl.msbA>[0], x: Parameters<typeof semi2kNl.msbA>[1]) => semi2kNl.msbOffsetsB(env, x, [0n, 5n, -7n], env.cfg.field === 'FM64' ? 12 : 20)],
  ] as const)('%s on 4096 elements', async (_name, cost, kernel) => {
    const n = 4096;
    const hub = new LocalHub(2);
    const cfg = cfgOf('SEMI2K', field);
    await runLocal(cfg, 2, async (ctx) => {
      const share = new Prg(randomSeed()).fillRing(field, n);
      return kernel(ctx.env, share);
    }, hub);
    const c = cost(field, n);
    expect(hub.traffic(0, 1).bytes).toBe(c.bytesPerPeer);
    expect(hub.traffic(1, 0).bytes).toBe(c.bytesPerPeer);
    expect(hub.rounds()).toBe(c.rounds);
    expect(hub.traffic(2, 0).bytes).toBe(c.dealerBytes);
    expect(hub.traffic(2, 1).bytes).toBe(0); // only the adjust rank hears from the dealer
  });
});

describe.each(['FM64', 'FM128'] as const)('%s bit-times-value cost', (field) => {
  // n not a multiple of 32: the plane words' padding is sent too. The bits come from msbOffsetsB
  // (checked above); the counters are reset between the two kernels.
  it.each([1, 3])('bitMulA with %i terms on 4000 elements', async (J) => {
    const n = 4000;
    const offsets = [0n, 5n, -7n].slice(0, J);
    const hub = new LocalHub(2);
    const sync = barrier(2, () => hub.resetCounters());
    const cfg = cfgOf('SEMI2K', field);
    await runLocal(cfg, 2, async (ctx) => {
      const prg = new Prg(randomSeed());
      const x = prg.fillRing(field, n), v = prg.fillRing(field, n);
      const bits = await semi2kNl.msbOffsetsB(ctx.env, x, offsets);
      await sync();
      return semi2kNl.bitMulA(ctx.env, bits, v, offsets.map((o, q) => ({ blocks: [q], shift: o })));
    }, hub);
    const c = bitMulACost(field, n, J);
    expect(hub.traffic(0, 1).bytes).toBe(c.bytesPerPeer);
    expect(hub.traffic(1, 0).bytes).toBe(c.bytesPerPeer);
    expect(hub.rounds()).toBe(c.rounds);
    expect(hub.traffic(2, 0).bytes).toBe(c.dealerBytes);
    expect(hub.traffic(2, 1).bytes).toBe(0);
  });
});
