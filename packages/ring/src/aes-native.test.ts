// The native AES-CTR keystream (aes-native.ts): byte-identical to node:crypto's at random keys,
// unaligned offsets and lengths up to several MiB, into every kind of view the kernels use (plain,
// SharedArrayBuffer, WASM memory, wider typed arrays); SFW_NATIVE_AES=0 and a missing addon fall
// back to node:crypto; Prg fills, split fills over kernel threads and keystream block programs give
// the same bytes with the binding on and off. The binding tests skip when the addon is not built
// (tools/setup.sh builds it best-effort); the fallback tests always run.
import { afterAll, describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { BlockProgram, Prg, makeTensor, randomSeed, setKernelThreads, type FieldType, type RingTensor } from './index.ts';
import { loadNativeAes, nativeAes, useNativeAes } from './aes-native.ts';
import { helperJobs } from './threads.ts';
import { useWasmKernels } from './__tests__/wasm-kernels.ts';

useWasmKernels();
const initial = nativeAes() !== undefined;
afterAll(() => void useNativeAes(initial));
const binding = loadNativeAes();

/** node:crypto's keystream bytes [offset, offset + len) of key (IV = big-endian block counter). */
function reference(key: Uint8Array, offset: number, len: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc((offset % 16) + len)).subarray(offset % 16);
}

const bytesOf = (v: ArrayBufferView): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe('native AES-CTR keystream: fallback', () => {
  it('SFW_NATIVE_AES=0 or a missing addon gives no binding (node:crypto is used)', () => {
    expect(loadNativeAes({ SFW_NATIVE_AES: '0' })).toBeUndefined();
    expect(loadNativeAes({}, '/nonexistent/sfw_aes.node')).toBeUndefined();
    expect(useNativeAes(false)).toBe(false);
    expect(nativeAes()).toBeUndefined();
    const seed = randomSeed();
    expect(bytesOf(new Prg(seed, 7).bytes(100_003)).equals(reference(seed, 7, 100_003))).toBe(true);
  });
});

describe.skipIf(binding === undefined)('native AES-CTR keystream', () => {
  it('equals node:crypto at random keys, unaligned offsets and lengths 0 .. several MiB', () => {
    const b = binding!;
    for (let t = 0; t < 60; t++) {
      const key = new Uint8Array(randomBytes(16));
      const h = b.ctx(key);
      for (let r = 0; r < 3; r++) {
        const offset = t % 3 === 0 ? randomInt(2 ** 47) * 16 + randomInt(16) : randomInt(200_000);
        const len = t % 20 === 0 ? randomInt(6 << 20) : t % 7 === 0 ? randomInt(17) : randomInt(300_000);
        const dst = new Uint8Array(len);
        b.fill(h, offset, dst);
        expect(bytesOf(dst).equals(reference(key, offset, len))).toBe(true);
      }
      b.free(h);
    }
  });

  it('writes into SharedArrayBuffer, WASM memory and wider views, touching nothing outside them', () => {
    const b = binding!;
    const key = new Uint8Array(randomBytes(16));
    const h = b.ctx(key);
    const sab = new Uint8Array(new SharedArrayBuffer(70_000)).fill(0xa5);
    b.fill(h, 33, sab.subarray(3, 65_540));
    expect(bytesOf(sab.subarray(3, 65_540)).equals(reference(key, 33, 65_537))).toBe(true);
    expect([sab[2], sab[65_540]]).toEqual([0xa5, 0xa5]);
    // The global's type here (webassembly.d.ts) declares only what the kernels use.
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly.Memory;
    const mem = new Memory({ initial: 2 });
    const wv = new Uint8Array(mem.buffer, 1000, 100_000);
    b.fill(h, 1 << 20, wv);
    expect(bytesOf(wv).equals(reference(key, 1 << 20, 100_000))).toBe(true);
    const u64 = new BigUint64Array(new SharedArrayBuffer(8 * 1001)).subarray(1);
    b.fill(h, 5, u64);
    expect(bytesOf(u64).equals(reference(key, 5, 8000))).toBe(true);
    b.free(h);
    expect(() => b.fill(h, 0, new Uint8Array(16))).toThrow();
    expect(() => b.ctx(new Uint8Array(15))).toThrow();
    expect(() => b.fill(b.ctx(key), -1, new Uint8Array(16))).toThrow();
  });

  it('Prg fills (serial and split over kernel threads) give the same stream with the binding on and off', () => {
    const seed = randomSeed();
    const bytes = (3 << 19) + 8;
    const draw = (threads: number): Buffer => {
      setKernelThreads(1); // helpers read the choice when they start
      setKernelThreads(threads);
      const p = new Prg(seed, 21);
      const out = new Uint8Array(new SharedArrayBuffer(bytes + 100));
      p.bytes(11); // the stream is now block-aligned: a shared fill may split
      const j0 = helperJobs();
      p.fill(out.subarray(0, bytes));
      if (threads > 1) expect(helperJobs()).toBeGreaterThan(j0);
      p.fill(out.subarray(bytes));
      expect(p.offset).toBe(21 + 11 + bytes + 100);
      setKernelThreads(1);
      return Buffer.from(out);
    };
    useNativeAes(false);
    const want = draw(1);
    expect(want.equals(reference(seed, 32, bytes + 100))).toBe(true);
    expect(draw(3).equals(want)).toBe(true);
    expect(useNativeAes(true)).toBe(true);
    expect(draw(1).equals(want)).toBe(true);
    expect(draw(3).equals(want)).toBe(true);
  }, 60_000);

  for (const f of ['FM64', 'FM128'] as FieldType[])
    it(`${f}: keystream block programs give the same result with the binding on and off, split or not`, () => {
      const n = (1 << 16) + 77;
      const eb = f === 'FM64' ? 8 : 16;
      const seed = randomSeed();
      const run = (native: boolean, threads: number): Buffer[] => {
        useNativeAes(native);
        setKernelThreads(1);
        setKernelThreads(threads);
        const prg = new Prg(seed, 5);
        const streams = prg.streams([n * eb, n * eb]);
        const g = new BlockProgram(f, 2, 2);
        g.add(0, 1, 2).copy(0, 3);
        const outs = [0, 1].map((): RingTensor => makeTensor(f, [n], new BigUint64Array(new SharedArrayBuffer(n * eb))));
        expect(g.run(n, streams, outs, 1 << 15)).toBe(true);
        setKernelThreads(1);
        return outs.map((o) => Buffer.from(bytesOf(o.data)));
      };
      const want = run(false, 1);
      const first = makeTensor(f, [n]);
      new Prg(seed, 5).fill(new Uint8Array(first.data.buffer));
      expect(want[1]!.equals(bytesOf(first.data))).toBe(true);
      const same = (got: Buffer[]): boolean => got.every((g, i) => g.equals(want[i]!));
      expect(same(run(false, 2))).toBe(true);
      expect(same(run(true, 1))).toBe(true);
      expect(same(run(true, 2))).toBe(true);
    }, 60_000);
});
