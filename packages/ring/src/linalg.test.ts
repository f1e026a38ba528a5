// Matrix products: the Strassen-Winograd levels and the accumulating product are bit-identical to
// the direct kernel (exact in Z_2^k), on one thread and split over kernel threads; small products
// match the BigInt reference.
import { describe, expect, it } from 'vitest';
import {
  RingError, WINOGRAD_MIN, add, allocLimbs, jsKernels, kernels, makeTensor, matmul, matmulAdd, randomTensor, setKernelThreads, setKernels,
  toBigInts, wasmKernels, wipeRingScratch, type FieldType, type RingTensor,
} from './index.ts';
import { useWasmKernels } from './__tests__/wasm-kernels.ts';
import { helperJobs } from './threads.ts';
import { matmulPanelWidth } from './wasm.ts';

useWasmKernels();

/** The direct kernel (no Winograd level), into a fresh zeroed output. */
function direct(a: RingTensor, b: RingTensor): RingTensor {
  const m = a.shape[0]!, k = a.shape[1]!, n = b.shape[1]!;
  const o = makeTensor(a.field, [m, n]);
  kernels().matmul(a.field, a.data, b.data, o.data, m, k, n);
  return o;
}

const same = (x: RingTensor, y: RingTensor): boolean => x.data.length === y.data.length && x.data.every((v, i) => v === y.data[i]);

describe('matmul', () => {
  it('takes a Winograd level from WINOGRAD_MIN on, and stays exact', () => {
    expect(WINOGRAD_MIN).toBeGreaterThanOrEqual(64);
    const cases: Array<[FieldType, number, number, number]> = [
      ['FM64', 512, 512, 512],
      ['FM64', 520, 514, 1030], // rectangular: the 1030 columns do not nest (the other dims are below 2 x 512)
      ['FM64', 1024, 1024, 1024], // two nested levels
      ['FM64', 513, 512, 512], // odd dimension: direct product
      ['FM64', 1000, 1000, 1000], // one thread: resident level, and two more inside it (leaves of 125: odd rows)
      ['FM64', 800, 1000, 840], // rectangular levels below (400 x 500 x 420, 200 x 250 x 210; leaves 100 x 125 x 105)
      ['FM64', 1200, 800, 1000], // every block a different shape at each of the three levels (leaves 150 x 100 x 125)
      ['FM64', 1000, 804, 1002], // 501 columns per block: no second level
      ['FM128', 512, 512, 512],
    ];
    for (const [f, m, k, n] of cases) {
      const a = randomTensor(f, [m, k]), b = randomTensor(f, [k, n]);
      expect(same(matmul(a, b), direct(a, b))).toBe(true);
    }
  }, 120_000);

  it('measures the FM64 panel width on the leaves of the first large resident product (mixed widths in that product), exactly', () => {
    // 512^3 takes one resident level and one inside it: 49 leaves of 128^3, 30 of them rotating through
    // the three widths (unless an earlier product here measured already); every width is exact.
    const a = randomTensor('FM64', [512, 512]), b = randomTensor('FM64', [512, 512]);
    expect(same(matmul(a, b), direct(a, b))).toBe(true);
    const w = matmulPanelWidth();
    expect(w.measured).toBe(true);
    expect([1, 2, 3]).toContain(w.scalarColumns);
    expect(same(matmul(a, b), direct(a, b))).toBe(true);
  }, 60_000);

  it('matmulAdd accumulates into out: small sizes against BigInt, Winograd sizes against the direct kernel', () => {
    for (const f of ['FM64', 'FM128'] as FieldType[]) {
      const [m, k, n] = [7, 33, 9];
      const a = randomTensor(f, [m, k]), b = randomTensor(f, [k, n]), c = randomTensor(f, [m, n]);
      const got = matmulAdd(a, b, makeTensor(f, [m, n], c.data.slice()));
      setKernels(jsKernels);
      const ref = add(matmul(a, b), c);
      setKernels(wasmKernels);
      expect(toBigInts(got)).toEqual(toBigInts(ref));
    }
    for (const d of [512, 1000]) {
      const a = randomTensor('FM64', [d, d]), b = randomTensor('FM64', [d, d]), c = randomTensor('FM64', [d, d]);
      const got = matmulAdd(a, b, makeTensor('FM64', [d, d], c.data.slice()));
      expect(same(got, add(direct(a, b), c))).toBe(true);
    }
  }, 120_000);

  it('matmulAdd checks shapes and aliasing', () => {
    const a = randomTensor('FM64', [3, 4]), b = randomTensor('FM64', [4, 5]);
    expect(() => matmulAdd(a, b, makeTensor('FM64', [3, 4]))).toThrow(RingError);
    expect(() => matmulAdd(a, b, makeTensor('FM128', [3, 5]))).toThrow(RingError);
    expect(() => matmulAdd(a, randomTensor('FM64', [5, 5]), makeTensor('FM64', [3, 5]))).toThrow(RingError);
    const sq = randomTensor('FM64', [4, 4]);
    expect(() => matmulAdd(sq, b, sq)).toThrow(RingError);
  });

  it('split over kernel threads (Winograd levels inside each row range) equals one thread', () => {
    const n = 1000;
    const a = randomTensor('FM64', [n, n]), b = randomTensor('FM64', [n, n]);
    const one = matmul(a, b);
    const oneAcc = matmulAdd(a, b, makeTensor('FM64', [n, n], one.data.slice()));
    setKernelThreads(2);
    try {
      const j0 = helperJobs();
      const split = matmul(a, b);
      const pooledOut = makeTensor('FM64', [n, n], allocLimbs(n * n));
      pooledOut.data.set(one.data);
      const splitAcc = matmulAdd(a, b, pooledOut);
      expect(helperJobs() - j0).toBe(2); // each call split in two row ranges, the Winograd levels inside each
      expect(same(split, one)).toBe(true);
      expect(same(splitAcc, oneAcc)).toBe(true);
    } finally {
      setKernelThreads(1);
    }
    wipeRingScratch(); // drops the cached block buffers; the next product allocates again
    expect(same(matmul(a, b), one)).toBe(true);
  }, 120_000);
});
