// Fixed-point codec against exact BigInt math: encode(x) = round_half_away(x * 2^f) mod 2^k and
// decode(encode(x)) within 2^-(f+1) of x, for both rings, defaults and custom fraction bits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_FXP_BITS, RingError, decode, encode, fromBigInts, fxpRange, toBigInts, type FieldType } from './index.ts';

const fields: FieldType[] = ['FM64', 'FM128'];

/** Exact reference: the double x is a dyadic rational; scale and round with BigInt. */
function refEncode(x: number, f: number): bigint {
  const y = x * 2 ** f; // exact (power-of-two scaling of a normal double)
  const t = Math.trunc(y);
  let r = BigInt(t);
  const d = y - t;
  if (d >= 0.5) r += 1n;
  else if (d <= -0.5) r -= 1n;
  return r;
}

describe('fixed point', () => {
  for (const field of fields) {
    const k = field === 'FM64' ? 64 : 128;
    for (const fx of [DEFAULT_FXP_BITS[field], 0, 40]) {
      it(`${field} f=${fx}: encode is exact rounding, decode inverts within 2^-(f+1)`, () => {
        const range = fxpRange(field, fx);
        const val = fc.oneof(
          fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 1.5, -2.5, 2 ** -fx, -(2 ** -fx), -range, range / 2, -range / 2, 3.25e-7),
          fc.double({ min: -range, max: range * (1 - 2 ** -52), noNaN: true }),
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        );
        fc.assert(
          fc.property(fc.array(val, { maxLength: 30 }), (xs) => {
            const t = encode(Float64Array.from(xs), field, fx);
            expect(toBigInts(t, true)).toEqual(xs.map((x) => BigInt.asIntN(k, refEncode(x, fx))));
            const back = decode(t, fx);
            xs.forEach((x, i) => {
              const err = Math.abs((back[i] as number) - x);
              // rounding to the grid, plus float rounding of the decoded value itself
              expect(err).toBeLessThanOrEqual(2 ** -(fx + 1) * (1 + 2 ** -40) + Math.abs(x) * 2 ** -50);
            });
          }),
          { numRuns: 100 },
        );
      });
    }

    it(`${field}: decode of ring min/max and ±1 ulp is the signed value / 2^f`, () => {
      const f = DEFAULT_FXP_BITS[field];
      const half = 1n << BigInt(k - 1);
      const vals = [0n, 1n, -1n, half - 1n, -half, 12345n, -(1n << 62n)];
      const got = decode(fromBigInts(field, vals), f);
      vals.forEach((v, i) => expect(got[i]).toBeCloseTo(Number(v) / 2 ** f, 6));
      expect(got[4]).toBe(-fxpRange(field, f));
    });

    it(`${field}: rejects NaN, infinities and out-of-range without echoing the value`, () => {
      const r = fxpRange(field);
      for (const bad of [NaN, Infinity, -Infinity, r, -r * 2]) {
        let msg = '';
        try {
          encode(Float64Array.of(1, bad), field);
        } catch (e) {
          expect(e).toBeInstanceOf(RingError);
          msg = (e as Error).message;
        }
        expect(msg).toContain('index 1');
        expect(msg).not.toContain(String(bad));
      }
      expect(toBigInts(encode(Float64Array.of(-r), field), true)).toEqual([-(1n << BigInt(k - 1))]);
    });
  }

  it('defaults follow SPU: FM64 f=18, FM128 f=26', () => {
    expect(DEFAULT_FXP_BITS).toEqual({ FM64: 18, FM128: 26 });
    expect(toBigInts(encode([1], 'FM64'))).toEqual([1n << 18n]);
    expect(toBigInts(encode([1], 'FM128'))).toEqual([1n << 26n]);
  });
});
