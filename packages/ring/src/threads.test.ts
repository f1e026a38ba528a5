// Kernel threads: every split kernel gives bit-identical results to one thread and to the BigInt
// reference, for shared operands (split in place), non-shared ones (one thread; matmul staged) and
// mixed ones; the PRG stream is the same whether or not a fill was split.
import { describe, expect, it } from 'vitest';
import {
  Prg, add, allocLimbs, beaverCombine, beaverMask, jsKernels, kernelThreads, makeTensor, matmul, mulAdd, randomTensor, setKernels,
  setKernelThreads, shr, toBigInts, truncFinish, truncPair, wasmKernels, type FieldType, type KeyStream, type RingTensor,
} from './index.ts';
import { useWasmKernels } from './__tests__/wasm-kernels.ts';
import { helperJobs, runMatmul, winogradLevel, type Exports } from './threads.ts';
import { RING_WASM_BASE64 } from './wasm-bytes.ts';

useWasmKernels();

/** A copy of t in shared memory while threads are on (allocLimbs decides). */
function pooled(t: RingTensor): RingTensor {
  const s = makeTensor(t.field, t.shape, allocLimbs(t.data.length));
  s.data.set(t.data);
  return s;
}

function withBackend<R>(k: typeof jsKernels, fn: () => R): R {
  setKernels(k);
  try {
    return fn();
  } finally {
    setKernels(wasmKernels);
  }
}

describe('kernel threads', () => {
  it('rejects bad thread counts and reports the setting', () => {
    expect(() => setKernelThreads(0)).toThrow(/integer/);
    expect(() => setKernelThreads(1.5)).toThrow(/integer/);
    setKernelThreads(3);
    expect(kernelThreads()).toBe(3);
    expect(allocLimbs(1 << 17).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(allocLimbs(100).buffer).toBeInstanceOf(ArrayBuffer); // small tensors stay on one thread
    setKernelThreads(1);
    expect(allocLimbs(1 << 17).buffer).toBeInstanceOf(ArrayBuffer);
  });

  for (const f of ['FM64', 'FM128'] as FieldType[]) {
    it(`${f}: split elementwise and fused kernels equal one thread and BigInt`, () => {
      const n = (2 << 17) + 77; // two ranges of >= 2^17 elements, odd tail
      const xs = Array.from({ length: 5 }, () => randomTensor(f, [n]));
      const programs = (ts: RingTensor[], out: () => RingTensor) => [
        add(ts[0]!, ts[1]!, out()),
        mulAdd(ts[0]!, ts[1]!, ts[2]!, out()),
        shr(ts[3]!, 17, out()),
        beaverCombine(ts[0]!, ts[1]!, ts[2]!, ts[3]!, ts[4]!, true, out()),
        truncFinish(ts[0]!, ts[1]!, ts[2]!, 18, true, out()),
        truncPair(ts[4]!, 18, out(), out()).d,
        beaverMask(ts[0]!, ts[1]!, ts[2]!, ts[3]!, ts[4]!, ts[0]!, ts[1]!, { withEf: true, r: ts[2]!, s: 5n, out: out(), keep: out() }),
        beaverMask(ts[0]!, ts[1]!, ts[2]!, ts[0]!, ts[1]!, ts[2]!, ts[3]!, { withEf: true, out: out() }),
        truncFinish(ts[0]!, ts[1]!, ts[2]!, 18, true, out(), ts[3]),
      ].map((t) => toBigInts(t));
      setKernelThreads(1);
      const one = programs(xs, () => makeTensor(f, [n]));
      setKernelThreads(3);
      const j0 = helperJobs();
      const split = programs(xs.map(pooled), () => pooled(makeTensor(f, [n])));
      expect(helperJobs() - j0).toBe(9); // every kernel: 2 ranges, one of them on a helper
      const mixed = programs([pooled(xs[0]!), ...xs.slice(1)], () => pooled(makeTensor(f, [n])));
      setKernelThreads(1);
      const ref = withBackend(jsKernels, () => programs(xs, () => makeTensor(f, [n])));
      expect(split).toEqual(one);
      expect(mixed).toEqual(one);
      expect(one).toEqual(ref);
    }, 120_000);
  }

  for (const f of ['FM64', 'FM128'] as FieldType[]) {
    it(`${f}: fused kernels reading keystream operands equal the expanded draws, split or not`, () => {
      const n = (2 << 17) + 77;
      const eb = f === 'FM64' ? 8 : 16;
      const seed = new Uint8Array(16).map((_, i) => 3 * i + 1);
      const xs = Array.from({ length: 5 }, () => randomTensor(f, [n]));
      // Offsets off the 16-byte block grid too (a rank's PRG may be mid-block).
      const ks = [40, 40 + n * eb, 40 + 2 * n * eb].map((offset) => ({ seed, offset }));
      const drawn = ks.map((k) => new Prg(k.seed, k.offset).fillRing(f, n));
      const programs = (ts: RingTensor[], c: RingTensor | KeyStream, rTop: RingTensor | KeyStream, d: RingTensor | KeyStream, out: () => RingTensor) => [
        beaverMask(ts[0]!, ts[1]!, ts[2]!, ts[3]!, ts[4]!, ts[0]!, c, { withEf: true, r: ts[2]!, s: 5n, out: out(), keep: out() }),
        beaverMask(ts[0]!, ts[1]!, ts[2]!, ts[0]!, ts[1]!, ts[2]!, c, { withEf: false, out: out() }),
        truncFinish(ts[0]!, rTop, d, 18, true, out(), ts[3]),
        truncFinish(ts[0]!, rTop, d, 18, false, out()),
      ].map((t) => toBigInts(t));
      setKernelThreads(1);
      const expanded = programs(xs, drawn[0]!, drawn[1]!, drawn[2]!, () => makeTensor(f, [n]));
      const one = programs(xs, ks[0]!, ks[1]!, ks[2]!, () => makeTensor(f, [n]));
      setKernelThreads(3);
      const j0 = helperJobs();
      const split = programs(xs.map(pooled), ks[0]!, ks[1]!, ks[2]!, () => pooled(makeTensor(f, [n])));
      expect(helperJobs() - j0).toBe(4);
      setKernelThreads(1);
      expect(one).toEqual(expanded);
      expect(split).toEqual(expanded);
      // The BigInt reference expands the streams itself (on a prefix: it is slow).
      const m = 1000, l = f === 'FM64' ? 1 : 2;
      const head = xs.map((t) => makeTensor(f, [m], t.data.slice(0, m * l)));
      const headDrawn = drawn.map((t) => makeTensor(f, [m], t.data.slice(0, m * l)));
      const ref = withBackend(jsKernels, () => programs(head, ks[0]!, ks[1]!, ks[2]!, () => makeTensor(f, [m])));
      expect(ref).toEqual(programs(head, headDrawn[0]!, headDrawn[1]!, headDrawn[2]!, () => makeTensor(f, [m])));
    }, 120_000);
  }

  it('split matmul (shared operands in place, others staged) equals one thread and BigInt', () => {
    for (const f of ['FM64', 'FM128'] as FieldType[]) {
      const [m, k, n] = f === 'FM64' ? [67, 300, 230] : [41, 330, 330]; // > 2 x 2^21 multiply-adds: 2 ranges
      const a = randomTensor(f, [m, k]), b = randomTensor(f, [k, n]);
      setKernelThreads(1);
      const one = toBigInts(matmul(a, b));
      setKernelThreads(2);
      const j0 = helperJobs();
      const staged = toBigInts(matmul(a, b));
      const inPlace = toBigInts(matmul(pooled(a), pooled(b), pooled(makeTensor(f, [m, n]))));
      expect(helperJobs() - j0).toBe(2);
      setKernelThreads(1);
      expect(staged).toEqual(one);
      expect(inPlace).toEqual(one);
      const small = [a, b].map((t) => makeTensor(f, t.shape, t.data)); // BigInt oracle on the same data
      expect(withBackend(jsKernels, () => toBigInts(matmul(small[0]!, small[1]!)))).toEqual(one);
    }
  }, 120_000);

  it('a row range with Winograd levels (runMatmul on even halves) equals BigInt, with and without accumulation', () => {
    // A level is taken while the rows, k and n are even with halves >= minHalf: small minHalf
    // values force one level, or two (8 rows x 12 x 16 with minHalf 1 or 2), on small ranges
    // at odd offsets, and shapes with an odd dimension take the direct kernel.
    const x = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(RING_WASM_BASE64, 'base64')), {}).exports as unknown as Exports;
    for (const f of ['FM64', 'FM128'] as FieldType[])
      for (const [m, i0, i1, k, n, minHalf] of [[11, 3, 9, 10, 14, 1], [11, 3, 9, 10, 14, 3], [20, 3, 17, 26, 18, 7], [9, 3, 9, 9, 14, 1], [8, 0, 8, 10, 8, 4], [10, 1, 9, 12, 16, 2], [13, 4, 12, 12, 16, 1]] as const) {
        const a = randomTensor(f, [m, k]), b = randomTensor(f, [k, n]), c = randomTensor(f, [m, n]);
        const ab = withBackend(jsKernels, () => toBigInts(matmul(a, b)));
        const mod = 1n << (f === 'FM64' ? 64n : 128n);
        const cs = toBigInts(c);
        for (const acc of [false, true]) {
          const out = makeTensor(f, [m, n], c.data.slice());
          runMatmul(x, winogradLevel, f === 'FM64' ? 1 : 2, a.data, b.data, out.data, i0, i1, k, n, acc, minHalf);
          const got = toBigInts(out);
          const want = cs.map((v, idx) => (Math.floor(idx / n) >= i0 && Math.floor(idx / n) < i1 ? (((acc ? v : 0n) + (ab[idx] as bigint)) % mod) : v));
          expect(got).toEqual(want);
        }
      }
  });

  it('a split PRG fill continues the same keystream', () => {
    const seed = new Uint8Array(16).fill(9);
    const bytes = (3 << 19) + 8; // ends mid-block: the stream must go on from there
    const serial = new Prg(seed, 48);
    const a = new Uint8Array(bytes + 40);
    serial.fill(a.subarray(0, bytes));
    serial.fill(a.subarray(bytes));
    setKernelThreads(3);
    const split = new Prg(seed, 48);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes + 40));
    const j0 = helperJobs();
    split.fill(shared.subarray(0, bytes));
    expect(helperJobs() - j0).toBe(2);
    split.fill(shared.subarray(bytes)); // the stream goes on after the split
    setKernelThreads(1);
    expect(split.offset).toBe(serial.offset);
    expect(Buffer.from(shared).equals(Buffer.from(a))).toBe(true);
  }, 60_000);
});
