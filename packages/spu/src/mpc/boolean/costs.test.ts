// Stated cost == counted traffic for the conversions (2 parties, FM64 and FM128).
import { describe, expect, it } from 'vitest';
import { Prg, randomSeed } from '@sfw/ring';
import { a2b, b2a } from './convert.ts';
import { a2bCost, b2aCost } from './costs.ts';
import { runNl } from '../../__tests__/nl-harness.ts';
import { planeWords } from './bitslice.ts';

describe.each(['FM64', 'FM128'] as const)('%s conversion costs', (field) => {
  const n = 4096;
  it('a2b (full width and 40 low bits)', async () => {
    for (const kk of [field === 'FM64' ? 64 : 128, 40]) {
      const { hub } = await runNl(2, field, 18, (core) => a2b(core, new Prg(randomSeed()).fillRing(field, n), kk));
      const c = a2bCost(field, n, kk);
      expect(hub.traffic(0, 1).bytes).toBe(c.bytesPerPeer);
      expect(hub.traffic(1, 0).bytes).toBe(c.bytesPerPeer);
      expect(hub.rounds()).toBe(c.rounds);
    }
  });
  it('b2a', async () => {
    const k = field === 'FM64' ? 64 : 128;
    const { hub } = await runNl(2, field, 18, (core) => {
      const prg = new Prg(randomSeed());
      const planes = Array.from({ length: k }, () => new Uint32Array(prg.bytes(4 * planeWords(n)).buffer));
      return b2a(core, planes, n);
    });
    const c = b2aCost(field, n);
    expect(hub.traffic(0, 1).bytes).toBe(c.bytesPerPeer);
    expect(hub.rounds()).toBe(c.rounds);
  });
});
