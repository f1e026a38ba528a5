// RingArena: kernels run in place on arena tensors and must agree with BigInt reference math.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RingArena, RingError, wipeRingScratch, add, fromBigInts, matmul, mul, mulAdd, mulScalar, neg, shl, shr, sub, sum, toBigInts, toBytes, addScalar, lshr, truncPair,
  type FieldType,
} from './index.ts';

const fields: FieldType[] = ['FM64', 'FM128'];

describe('RingArena', () => {
  for (const f of fields) {
    const k = f === 'FM64' ? 64 : 128;
    const u = (x: bigint): bigint => BigInt.asUintN(k, x);
    it(`${f}: in-place kernels match BigInt math (odd sizes, crossing no blocks)`, () => {
      const arena = new RingArena(1 << 20);
      const n = 1001;
      const xs = fc.sample(fc.bigInt({ min: -(1n << BigInt(k - 1)), max: (1n << BigInt(k - 1)) - 1n }), 2 * n);
      const x = xs.slice(0, n), y = xs.slice(n);
      const a = arena.adopt(fromBigInts(f, x)), b = arena.adopt(fromBigInts(f, y)), o = arena.alloc(f, [n]);
      expect(toBigInts(add(a, b, o))).toEqual(x.map((v, i) => u(v + (y[i] as bigint))));
      expect(toBigInts(sub(a, b, o))).toEqual(x.map((v, i) => u(v - (y[i] as bigint))));
      expect(toBigInts(mul(a, b, o))).toEqual(x.map((v, i) => u(v * (y[i] as bigint))));
      expect(toBigInts(mulAdd(a, b, b, o))).toEqual(x.map((v, i) => u(v * (y[i] as bigint) + (y[i] as bigint))));
      expect(toBigInts(neg(a, o))).toEqual(x.map((v) => u(-v)));
      expect(toBigInts(mulScalar(a, -3n, o))).toEqual(x.map((v) => u(v * -3n)));
      expect(toBigInts(addScalar(a, 5n, o))).toEqual(x.map((v) => u(v + 5n)));
      expect(toBigInts(shr(a, 70 % k, o))).toEqual(x.map((v) => u(BigInt.asIntN(k, v) >> BigInt(70 % k))));
      expect(toBigInts(lshr(a, 3, o))).toEqual(x.map((v) => u(v) >> 3n));
      // out === input is allowed
      expect(toBigInts(add(a, b, a))).toEqual(x.map((v, i) => u(v + (y[i] as bigint))));
      const m1 = arena.adopt(fromBigInts(f, x.slice(0, 12), [3, 4])), m2 = arena.adopt(fromBigInts(f, y.slice(0, 20), [4, 5]));
      const mo = arena.alloc(f, [3, 5]);
      mo.data.fill(7n); // stale contents must not leak into the product
      const ref = toBigInts(matmul(fromBigInts(f, x.slice(0, 12), [3, 4]), fromBigInts(f, y.slice(0, 20), [4, 5])));
      expect(toBigInts(matmul(m1, m2, mo))).toEqual(ref);
      expect(toBigInts(sum(arena.adopt(fromBigInts(f, x, [7, 143])), 0))).toHaveLength(143);
    });

    it(`${f}: fused programs in place on arena tensors match the streamed run (and fall back when outputs alias inputs)`, () => {
      const arena = new RingArena(1 << 20);
      const n = 1001;
      const x = fc.sample(fc.bigInt({ min: -(1n << BigInt(k - 1)), max: (1n << BigInt(k - 1)) - 1n }), n);
      expect(toBigInts(shl(arena.adopt(fromBigInts(f, x)), 5, arena.alloc(f, [n])))).toEqual(x.map((v) => u(v << 5n)));
      for (const bits of [0, 13]) {
        const ref = truncPair(fromBigInts(f, x), bits);
        const r = arena.adopt(fromBigInts(f, x));
        const inPlace = truncPair(r, bits, arena.alloc(f, [n]), arena.alloc(f, [n]));
        expect([toBigInts(inPlace.d), toBigInts(inPlace.rTop)]).toEqual([toBigInts(ref.d), toBigInts(ref.rTop)]);
        expect(toBigInts(r)).toEqual(x.map(u)); // the input is only read
        const aliased = truncPair(r, bits, arena.alloc(f, [n]), r); // rTop over r: streamed
        expect([toBigInts(aliased.d), toBigInts(aliased.rTop)]).toEqual([toBigInts(ref.d), toBigInts(ref.rTop)]);
      }
    });
  }

  it('toBytes of an arena tensor is a copy; reset zeroes and reuses; full arena throws', () => {
    const arena = new RingArena(65536);
    const t = arena.alloc('FM64', [4]);
    t.data[0] = 42n;
    const b = toBytes(t);
    expect(b.buffer).not.toBe(t.data.buffer);
    expect(b.byteLength).toBe(32);
    expect(b[0]).toBe(42);
    expect(arena.used).toBe(32);
    arena.reset();
    expect(t.data[0]).toBe(0n);
    expect(arena.used).toBe(0);
    expect(() => arena.alloc('FM128', [arena.capacity / 16 + 1])).toThrow(RingError);
  });
});

describe('wipeRingScratch', () => {
  it('kernels keep working after the scratch is wiped', () => {
    expect(toBigInts(add(fromBigInts('FM64', [1n, 2n]), fromBigInts('FM64', [3n, 4n])))).toEqual([4n, 6n]);
    wipeRingScratch();
    expect(toBigInts(add(fromBigInts('FM64', [1n, 2n]), fromBigInts('FM64', [3n, 4n])))).toEqual([4n, 6n]);
  });
});
