import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeNumber } from './number-text.ts';
import { formatCsv } from './csv-write.ts';
import { makeTable } from './table.ts';

const buf = Buffer.alloc(64);
const text = (v: number): string => buf.toString('latin1', 0, writeNumber(buf, 0, v));
const expected = (v: number): string => (Number.isNaN(v) ? '' : Object.is(v, -0) ? '-0' : String(v));

describe('writeNumber (Number#toString into bytes)', () => {
  it('matches String() on edge values', () => {
    const edges = [
      0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 1 / 3, 2 / 3, 4.35, 1e-6, 1e-7, 9.999999e-7, 1.5e-6,
      1e15, 1e15 - 0.5, 1e15 + 0.5, 1e16, 1e21, 1e21 - 65536, 1e22, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 60, 123456789012345.6,
      Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308, 2.225073858507201e-308, Number.EPSILON, 123e-20, 5e-7, 0.000001234,
    ];
    for (let e = -1074; e < 1024; e++) edges.push(2 ** e, 2 ** e * (1 + 2 ** -52), 2 ** e * (1 - 2 ** -53));
    for (let e = -30; e <= 30; e++) {
      const v = Number(`1e${e}`);
      edges.push(v, v * (1 + 2 ** -52), v * (1 - 2 ** -53), v / 3, v * 0.7);
    }
    for (const v of edges) {
      expect(text(v), String(v)).toBe(expected(v));
      expect(text(-v), String(-v)).toBe(expected(-v));
    }
  });

  it('matches String() on any double (bit patterns)', () => {
    fc.assert(fc.property(fc.double(), (v) => text(v) === expected(v)), { numRuns: 100_000 });
  });

  it('matches String() on decimals, their neighbours and computed values in fixed notation', () => {
    const digits = fc.tuple(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 22 }), fc.integer({ min: -2, max: 2 }));
    fc.assert(
      fc.property(digits, ([m, k, step]) => {
        const v = m / 10 ** k;
        const n = v * (1 + step * 2 ** -53);
        return text(v) === expected(v) && text(n) === expected(n) && text(-n) === expected(-n);
      }),
      { numRuns: 100_000 },
    );
    // Standardized and min-max scaled columns: 16 and 17 significant digits.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 1, max: 1000, noNaN: true }), (x, s) => {
        const a = (x / 100 - 500.123) / s;
        const b = x / 99_999;
        return text(a) === expected(a) && text(b) === expected(b);
      }),
      { numRuns: 100_000 },
    );
  });

  it('matches String() and reads back (parseFloat) across every binade of fixed notation', () => {
    // A seeded sweep, about a million values: random mantissas in each binade from 2^-20 to 2^50
    // (every digit count, point position and 15/16/17-digit path), the neighbours of random
    // 15-, 16- and 17-digit decimals (the boundaries between the paths), and scaled columns.
    let seed = 0x9e3779b9;
    const u32 = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const f64 = new Float64Array(1);
    const w32 = new Uint32Array(f64.buffer);
    const hiIx = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
    let bad = 0;
    let checked = 0;
    const check = (v: number): void => {
      const t = text(v);
      checked++;
      if (t !== expected(v) || (Number.isFinite(v) && Number.parseFloat(t) !== v)) bad++;
    };
    for (let e = -20; e <= 50; e++) {
      for (let i = 0; i < 6000; i++) {
        w32[hiIx] = ((1023 + e) << 20) | (u32() & 0xfffff);
        w32[1 - hiIx] = u32();
        const v = f64[0]!;
        check(v);
        check(-v);
      }
    }
    for (let i = 0; i < 100_000; i++) {
      const digits = 15 + (i % 3);
      const m = Math.floor((u32() / 2 ** 32) * 9 * 10 ** (digits - 1)) + 10 ** (digits - 1);
      const v = m / 10 ** ((u32() % 21) + 1);
      check(v);
      check(v * (1 + 2 ** -52));
      check(v * (1 - 2 ** -53));
    }
    for (let i = 0; i < 100_000; i++) {
      const x = (u32() % 100_000) / 100;
      check((x - 500.123) / (1 + (u32() % 1000) / 7));
      check((u32() % 100) / 99);
    }
    expect(checked).toBeGreaterThan(1_000_000);
    expect(bad).toBe(0);
  });

  it('keeps formatCsv text unchanged (numbers unquoted, text quoted, UTF-8)', () => {
    const t = makeTable(['x', 's'], { x: Float64Array.from([0.1, -0, NaN, 1e21, 1 / 3]), s: ['a"b', 'é', '', '𝄞"', 'x'] });
    expect(formatCsv(t)).toBe('"x","s"\n0.1,"a""b"\n-0,"é"\n,""\n1e+21,"𝄞"""\n0.3333333333333333,"x"\n');
  });
});
