// The WASM SIMD transpose against the JS reference (bits.ts), bit for bit, on the OT extension's
// shapes and on small and odd ones; and the committed module against its generator.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../__tests__/fixtures.ts';
import { transposeBits } from './bits.ts';
import { transposeBitsFast } from './transpose.ts';

function randomMatrix(rows: number, cols: number, seed: number): Uint32Array {
  const rnd = mulberry32(seed);
  const m = new Uint32Array((rows * cols) >>> 5);
  for (let i = 0; i < m.length; i += 1) m[i] = Math.floor(rnd() * 2 ** 32) >>> 0;
  return m;
}

describe('transposeBitsFast (WASM SIMD)', () => {
  const shapes: Array<[number, number]> = [
    [128, 128], [256, 512], [512, 128], [128, 512], [4096, 512], [512, 4096], [384, 640], [512, 32768], [32768, 512], [512, 32768 - 128],
  ];
  for (const [rows, cols] of shapes) {
    it(`equals the JS transpose for ${rows} x ${cols} bits`, () => {
      const src = randomMatrix(rows, cols, rows * 7 + cols);
      const want = transposeBits(src, rows, cols);
      const got = transposeBitsFast(src, rows, cols);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      // Back again gives the input; into a caller's buffer too.
      const back = new Uint32Array(src.length);
      transposeBitsFast(got, cols, rows, back);
      expect(Buffer.from(back.buffer).equals(Buffer.from(src.buffer))).toBe(true);
    });
  }

  it('single set bits land where the definition puts them', () => {
    const rows = 256;
    const cols = 128;
    for (const [r, c] of [[0, 0], [0, 127], [255, 0], [17, 93], [8, 7], [130, 120], [255, 127]] as const) {
      const src = new Uint32Array((rows * cols) >>> 5);
      src[r * (cols >>> 5) + (c >>> 5)] = 1 << (c & 31);
      const out = transposeBitsFast(src, rows, cols);
      const set: number[] = [];
      out.forEach((w, i) => {
        for (let b = 0; b < 32; b += 1) if ((w >>> b) & 1) set.push(i * 32 + b);
      });
      expect(set).toEqual([c * rows + r]);
    }
  });

  it('falls back to the JS version for shapes the kernel does not take', () => {
    for (const [rows, cols] of [[32, 96], [96, 128], [128, 32]] as const) {
      const src = randomMatrix(rows, cols, rows + cols);
      expect(Array.from(transposeBitsFast(src, rows, cols))).toEqual(Array.from(transposeBits(src, rows, cols)));
    }
  });

  it('src/kkrt/transpose-wasm-bytes.ts is what the generator emits', async () => {
    const script = fileURLToPath(new URL('../../scripts/build-transpose-wasm.mjs', import.meta.url));
    const { render } = (await import(script)) as { render: () => Promise<string> };
    const committed = await readFile(fileURLToPath(new URL('./transpose-wasm-bytes.ts', import.meta.url)), 'utf8');
    expect(committed).toBe(await render());
  });
});
