import { describe, expect, it } from 'vitest';
import { fromPlanes, planeBits, plane, toPlanes } from './bitslice.ts';

describe('bit slicing', () => {
  it('round-trips FM64 and FM128 and puts bit j of element e in plane j', () => {
    for (const field of ['FM64', 'FM128'] as const) {
      for (const n of [1, 31, 32, 33, 100]) {
        const L = field === 'FM64' ? 1 : 2;
        const data = new BigUint64Array(n * L);
        for (let i = 0; i < data.length; i++) data[i] = BigInt.asUintN(64, BigInt(i * 7919 + 1) * 0x9e3779b97f4a7c15n);
        const p = toPlanes(field, data, n);
        expect(fromPlanes(field, p)).toEqual(data);
        for (const j of [0, 5, 63, L * 64 - 1]) {
          const bits = planeBits(plane(p, j), n);
          for (let e = 0; e < n; e++) expect(bits[e]).toBe(Number((data[e * L + (j >> 6)]! >> BigInt(j & 63)) & 1n));
        }
      }
    }
  });

  it('every bit of every element for partial widths and several block counts', () => {
    for (const field of ['FM64', 'FM128'] as const) {
      const L = field === 'FM64' ? 1 : 2;
      for (const n of [1, 32, 64, 65, 1000]) {
        const data = new BigUint64Array(n * L);
        for (let i = 0; i < data.length; i++) data[i] = BigInt.asUintN(64, BigInt(i * 104729 + 3) * 0xbf58476d1ce4e5b9n);
        for (const k of [1, 33, 44, 64, L * 64]) {
          const p = toPlanes(field, data, n, k);
          for (let j = 0; j < k; j++) {
            const bits = planeBits(plane(p, j), n);
            for (let e = 0; e < n; e++) if (bits[e] !== Number((data[e * L + (j >> 6)]! >> BigInt(j & 63)) & 1n)) expect({ field, n, k, j, e }).toBe('bit mismatch');
          }
          const back = fromPlanes(field, p);
          for (let e = 0; e < n; e++) {
            const v = L === 1 ? data[e]! : data[2 * e]! | (data[2 * e + 1]! << 64n);
            const w = L === 1 ? back[e]! : back[2 * e]! | (back[2 * e + 1]! << 64n);
            expect(w).toBe(BigInt.asUintN(k, v));
          }
        }
      }
    }
  });
});
