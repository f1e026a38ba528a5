// Block programs with keystream inputs: the result equals drawing the same stream regions with
// Prg.fill and running the tensor kernels (the BigInt reference backend), on one thread and split
// over kernel threads, from block-aligned and unaligned stream offsets; the PRG moves past exactly
// the regions handed out.
import { describe, expect, it } from 'vitest';
import {
  BlockProgram, Prg, add, addScalar, jsKernels, makeTensor, mulAdd, randomSeed, randomTensor, setKernelThreads, setKernels, sub,
  toBigInts, toBytes, truncPair, wasmKernels, type FieldType, type RingTensor,
} from './index.ts';
import { useWasmKernels } from './__tests__/wasm-kernels.ts';
import { helperJobs } from './threads.ts';

useWasmKernels();

function shared(field: FieldType, n: number): RingTensor {
  return makeTensor(field, [n], new BigUint64Array(new SharedArrayBuffer(8 * n * (field === 'FM64' ? 1 : 2))));
}

describe('block programs', () => {
  for (const f of ['FM64', 'FM128'] as FieldType[])
    for (const threads of [1, 2])
      it(`${f}, ${threads} thread(s): keystream inputs equal Prg draws and the kernels`, () => {
        setKernelThreads(threads);
        const n = (1 << 16) + 77; // two ranges of >= 2^15 elements (the split size passed below), odd tail
        const eb = f === 'FM64' ? 8 : 16;
        const seed = randomSeed();
        const m = randomTensor(f, [n]);
        for (const skip of [0, 5]) {
          // Reference: the same regions drawn one after another, then the kernels on the BigInt backend.
          const ref = new Prg(seed);
          ref.bytes(skip);
          const [a, b, r] = [0, 1, 2].map(() => {
            const t = makeTensor(f, [n]);
            ref.fill(toBytes(t));
            return t;
          }) as [RingTensor, RingTensor, RingTensor];
          setKernels(jsKernels);
          const c = addScalar(add(mulAdd(a, b, r), m), 3n);
          const { d, rTop } = truncPair(r, 18);
          const diff = sub(c, d);
          setKernels(wasmKernels);
          const after = ref.bytes(32);

          const prg = new Prg(seed);
          prg.bytes(skip);
          const streams = prg.streams([n * eb, n * eb, n * eb]);
          // slots: a0 b1 r2 m3 | c4 d5 rTop6 diff7 | temp8
          const g = new BlockProgram(f, 4, 4);
          const t = g.temp();
          g.mulAdd(0, 1, 2, t).add(t, 3, t).addScalar(t, 3n, 4).truncPair(2, 18, 2, 6).copy(2, 5).sub(4, 5, 7);
          const outs = [0, 1, 2, 3].map(() => shared(f, n));
          const mIn = shared(f, n);
          mIn.data.set(m.data);
          const j0 = helperJobs();
          expect(g.run(n, [...streams, mIn], outs, 1 << 15)).toBe(true);
          if (threads > 1) expect(helperJobs()).toBeGreaterThan(j0);
          expect(toBigInts(outs[0]!)).toEqual(toBigInts(c));
          expect(toBigInts(outs[1]!)).toEqual(toBigInts(d));
          expect(toBigInts(outs[2]!)).toEqual(toBigInts(rTop));
          expect(toBigInts(outs[3]!)).toEqual(toBigInts(diff));
          expect(prg.bytes(32)).toEqual(after);
        }
        setKernelThreads(1);
      }, 60_000);

  it('reports the JS backend as unable to run programs, and checks operand counts', () => {
    const g = new BlockProgram('FM64', 1, 1);
    g.copy(0, 1);
    expect(() => g.run(4, [], [makeTensor('FM64', [4])], 1 << 15)).toThrow(/operand count/);
    setKernels(jsKernels);
    try {
      expect(BlockProgram.available()).toBe(false);
      expect(g.run(4, [makeTensor('FM64', [4])], [makeTensor('FM64', [4])], 1 << 15)).toBe(false);
    } finally {
      setKernels(wasmKernels);
    }
    expect(BlockProgram.available()).toBe(true);
  });
});
