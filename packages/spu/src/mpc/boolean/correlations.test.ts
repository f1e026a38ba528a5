import { describe, expect, it } from 'vitest';
import { Prg, makeTensor, randomSeed, sub, toBigInts } from '@sfw/ring';
import { BOOLEAN_KINDS, KIND_BITPAIR } from './correlations.ts';
import { planeWords } from './bitslice.ts';

describe('bit pair correlation', () => {
  const spec = BOOLEAN_KINDS.find((k) => k.kind === KIND_BITPAIR)!.spec;
  it.each(['FM64', 'FM128'] as const)('%s: the fused adjust share equals derive() minus the others', (field) => {
    const prg = new Prg(randomSeed());
    for (const n of [1, 31, 32, 33, 100, 1000]) {
      const p = spec.parse({ n });
      const W = planeWords(n);
      const bool = makeTensor('FM64', [(W + 1) >>> 1]);
      prg.fill(new Uint8Array(bool.data.buffer));
      // padding bits beyond n are arbitrary in a draw: the share must not depend on them
      const others = prg.fillRing(field, n);
      const want = toBigInts(sub(spec.derive(p, field, { bool })['arith']!, others));
      const got = makeTensor(field, [n], others.data.slice());
      spec.deriveAdjust!(p, field, { bool }, { arith: got });
      expect(toBigInts(got)).toEqual(want);
    }
  });
});
