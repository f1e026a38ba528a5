import { describe, expect, it } from 'vitest';
import { Prg, makeTensor, randomSeed, sub, toBigInts } from '@sfw/ring';
import { BOOLEAN_KINDS, KIND_BITMUL, KIND_BITPAIR } from './correlations.ts';
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

describe('bit-times-value correlation', () => {
  const spec = BOOLEAN_KINDS.find((k) => k.kind === KIND_BITMUL)!.spec;
  it.each(['FM64', 'FM128'] as const)('%s: r_j is bit j of block j as an integer, c_j = r_j a', (field) => {
    const prg = new Prg(randomSeed());
    for (const [n, J] of [[1, 1], [33, 3], [100, 2]] as const) {
      const p = spec.parse({ n, J });
      const W = planeWords(n);
      const bool = makeTensor('FM64', [(J * W + 1) >>> 1]);
      prg.fill(new Uint8Array(bool.data.buffer));
      const a = prg.fillRing(field, n);
      const av = toBigInts(a);
      const words = new Uint32Array(bool.data.buffer);
      const { r, c } = spec.derive(p, field, { bool, a: makeTensor(field, [n], a.data.slice()) });
      const rv = toBigInts(r!), cv = toBigInts(c!);
      for (let j = 0; j < J; j++)
        for (let i = 0; i < n; i++) {
          const bit = BigInt((words[j * W + (i >>> 5)]! >>> (i & 31)) & 1);
          expect(rv[j * n + i]).toBe(bit);
          expect(cv[j * n + i]).toBe(bit * av[i]!);
        }
    }
  });

  it.each(['FM64', 'FM128'] as const)('%s: the fused adjust shares equal derive() minus the others', (field) => {
    const prg = new Prg(randomSeed());
    for (const [n, J] of [[1, 1], [33, 3], [100, 2]] as const) {
      const p = spec.parse({ n, J });
      const bool = makeTensor('FM64', [(J * planeWords(n) + 1) >>> 1]);
      prg.fill(new Uint8Array(bool.data.buffer));
      const a = prg.fillRing(field, n);
      const or = prg.fillRing(field, J * n), oc = prg.fillRing(field, J * n);
      const d = spec.derive(p, field, { bool, a });
      const got = { r: makeTensor(field, [J * n], or.data.slice()), c: makeTensor(field, [J * n], oc.data.slice()) };
      spec.deriveAdjust!(p, field, { bool, a }, got);
      expect(toBigInts(got.r)).toEqual(toBigInts(sub(d['r']!, or)));
      expect(toBigInts(got.c)).toEqual(toBigInts(sub(d['c']!, oc)));
    }
  });

  it('rejects malformed parameters', () => {
    expect(() => spec.parse({ n: 0, J: 1 })).toThrow();
    expect(() => spec.parse({ n: 8, J: 65 })).toThrow();
    expect(() => spec.parse({ n: 8 })).toThrow();
  });
});
