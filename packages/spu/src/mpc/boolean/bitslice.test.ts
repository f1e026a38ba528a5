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
});
