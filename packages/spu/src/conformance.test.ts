// Conformance suite: every arithmetic kernel against a BigInt plaintext reference, for SEMI2K (TTP
// and TFP dealers) and REF2K, 2 and 3 ranks, FM64 and FM128, random and edge values (0, +-1, ring
// min/max, the truncation range ends). Ring-level results are exact except truncation, which must
// land on floor(x / 2^m) + d with d in {0, 1} for SEMI2K (d = 0 for REF2K).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIELD_BITS, fromBigInts, toBigInts, type FieldType, type RingTensor } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { runKernelLocal } from './simulation.ts';

const RUNS = 12;
const SETUPS = [
  { protocol: 'SEMI2K', beaverType: 'TTP' },
  { protocol: 'SEMI2K', beaverType: 'TFP' },
  { protocol: 'REF2K', beaverType: 'TTP' },
] as const;
const FIELDS: FieldType[] = ['FM64', 'FM128'];
const PARTIES = [2, 3];

function ringArb(field: FieldType): fc.Arbitrary<bigint> {
  const M = 1n << BigInt(FIELD_BITS[field]);
  const edges = [0n, 1n, M - 1n, M >> 1n, (M >> 1n) - 1n, (M >> 1n) + 1n, M >> 2n];
  return fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: M - 1n }));
}

/** Signed values in [lo, hi] with the ends, 0 and +-1 as edge cases. */
function signedArb(lo: bigint, hi: bigint): fc.Arbitrary<bigint> {
  return fc.oneof(fc.constantFrom(lo, hi, 0n, 1n, -1n, lo + 1n, hi - 1n), fc.bigInt({ min: lo, max: hi }));
}

const vecs = <T,>(arb: fc.Arbitrary<T>, count: number) =>
  fc.integer({ min: 1, max: 6 }).chain((n) => fc.array(fc.array(arb, { minLength: n, maxLength: n }), { minLength: count, maxLength: count }));

for (const setup of SETUPS)
  for (const field of FIELDS)
    for (const parties of PARTIES) {
      const k = FIELD_BITS[field];
      const cfg: SpuConfig = { ...setup, field, fxpFractionBits: 0 };
      const mod = (v: bigint) => BigInt.asUintN(k, v);
      const T = (vals: readonly bigint[], shape?: readonly number[]) => fromBigInts(field, vals, shape);
      const secure = setup.protocol === 'SEMI2K';
      const run = (inputs: RingTensor[], kern: Parameters<typeof runKernelLocal>[3]) => runKernelLocal(cfg, parties, inputs, kern);
      /** With SEMI2K no single rank's output share may equal the plaintext (the secure path ran). */
      const checkHidden = (shares: RingTensor[], result: RingTensor) => {
        if (secure && result.size > 0) expect(toBigInts(shares[1]!)).not.toEqual(toBigInts(result));
      };

      describe(`${setup.protocol}${secure ? '/' + setup.beaverType : ''} ${field} ${parties} parties`, () => {
        it('reconstruct(share(x)) = x', async () => {
          await fc.assert(
            fc.asyncProperty(vecs(ringArb(field), 1), async ([x]) => {
              const { result } = await run([T(x!)], (_c, [s]) => s!);
              expect(toBigInts(result)).toEqual(x!.map(mod));
            }),
            { numRuns: RUNS },
          );
        });

        it('addAA, subAA, negA, addAP, mulAP, a2p are exact', async () => {
          await fc.assert(
            fc.asyncProperty(vecs(ringArb(field), 3), async ([x, y, p]) => {
              const P = T(p!);
              const r = await run([T(x!), T(y!)], async (c, [a, b]) => {
                const K = c.kernels, e = c.env;
                const s1 = K.addAA(e, a!, b!); // x + y
                const s2 = K.subAA(e, s1, K.negA(e, b!)); // x + 2y
                const s3 = K.addAP(e, s2, P); // x + 2y + p
                const s4 = K.mulAP(e, s3, P); // (x + 2y + p) p
                const s5 = K.mulAP(e, s4, 3n); // * 3
                const opened = await K.a2p(e, s5);
                return K.p2a(e, opened);
              });
              expect(toBigInts(r.result)).toEqual(x!.map((xi, i) => mod((xi + 2n * y![i]! + p![i]!) * p![i]! * 3n)));
            }),
            { numRuns: RUNS },
          );
        });

        it('mulAA (Beaver) and squareA are exact mod 2^k', async () => {
          await fc.assert(
            fc.asyncProperty(vecs(ringArb(field), 2), async ([x, y]) => {
              const { result, shares } = await run([T(x!), T(y!)], (c, [a, b]) => c.kernels.mulAA(c.env, a!, b!));
              expect(toBigInts(result)).toEqual(x!.map((xi, i) => mod(xi * y![i]!)));
              checkHidden(shares, result);
              const sq = await run([T(x!)], (c, [a]) => c.kernels.squareA(c.env, a!));
              expect(toBigInts(sq.result)).toEqual(x!.map((xi) => mod(xi * xi)));
              checkHidden(sq.shares, sq.result);
            }),
            { numRuns: RUNS },
          );
        });

        it('matmulAA, matmulAP, matmulPA are exact mod 2^k', async () => {
          const dims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }));
          const arb = dims.chain(([m, kk, n]) =>
            fc.tuple(fc.constant([m, kk, n]), fc.array(ringArb(field), { minLength: m * kk, maxLength: m * kk }), fc.array(ringArb(field), { minLength: kk * n, maxLength: kk * n })),
          );
          await fc.assert(
            fc.asyncProperty(arb, async ([[m, kk, n], a, b]) => {
              const ref: bigint[] = [];
              for (let i = 0; i < m!; i++)
                for (let j = 0; j < n!; j++) {
                  let s = 0n;
                  for (let q = 0; q < kk!; q++) s += a[i * kk! + q]! * b[q * n! + j]!;
                  ref.push(mod(s));
                }
              const A = T(a, [m!, kk!]), B = T(b, [kk!, n!]);
              const ss = await run([A, B], (c, [x, y]) => c.kernels.matmulAA(c.env, x!, y!));
              expect(ss.result.shape).toEqual([m, n]);
              expect(toBigInts(ss.result)).toEqual(ref);
              checkHidden(ss.shares, ss.result);
              const sp = await run([A], (c, [x]) => c.kernels.matmulAP(c.env, x!, B));
              expect(toBigInts(sp.result)).toEqual(ref);
              const ps = await run([B], (c, [y]) => c.kernels.matmulPA(c.env, A, y!));
              expect(toBigInts(ps.result)).toEqual(ref);
            }),
            { numRuns: RUNS },
          );
        });

        it('truncA: floor(x / 2^m) + d, d in {0,1} (REF2K: d = 0), for |x| < 2^(k-2)', async () => {
          const lim = 1n << BigInt(k - 2);
          const arb = fc.tuple(vecs(signedArb(-lim, lim - 1n), 1), fc.constantFrom(0, 1, 18, 26, 40, k - 3, k - 2));
          await fc.assert(
            fc.asyncProperty(arb, async ([[x], m]) => {
              const { result, shares } = await run([T(x!)], (c, [a]) => c.kernels.truncA(c.env, a!, m));
              const got = toBigInts(result, true);
              got.forEach((g, i) => {
                const d = g - (x![i]! >> BigInt(m));
                if (secure) expect(d === 0n || d === 1n).toBe(true);
                else expect(d).toBe(0n);
              });
              if (m > 0) checkHidden(shares, result);
            }),
            { numRuns: RUNS },
          );
        });

        it('mulTruncAA / squareTruncA / matmulTruncAA: fixed-point product within 1 ulp of floor(XY / 2^f)', async () => {
          const f = k === 64 ? 18 : 26;
          const h = 1n << BigInt((k - 2) / 2 - 2); // |X|, |Y| < 2^((k-2)/2 - 2): |XY| and 4-term sums stay < 2^(k-2)
          const arb = fc.tuple(vecs(signedArb(-h, h - 1n), 2), fc.array(signedArb(-h, h - 1n), { minLength: 8, maxLength: 8 }));
          await fc.assert(
            fc.asyncProperty(arb, async ([[x, y], mm]) => {
              const { result } = await run([T(x!), T(y!)], (c, [a, b]) => c.kernels.mulTruncAA(c.env, a!, b!, f));
              toBigInts(result, true).forEach((g, i) => {
                const d = g - ((x![i]! * y![i]!) >> BigInt(f));
                expect(secure ? d === 0n || d === 1n : d === 0n).toBe(true);
              });
              const sq = await run([T(x!)], (c, [a]) => c.kernels.squareTruncA(c.env, a!, f));
              toBigInts(sq.result, true).forEach((g, i) => {
                const d = g - ((x![i]! * x![i]!) >> BigInt(f));
                expect(secure ? d === 0n || d === 1n : d === 0n).toBe(true);
              });
              // [2 x 2] . [2 x 2]
              const A = T(mm.slice(0, 4), [2, 2]), B = T(mm.slice(4), [2, 2]);
              const mr = await run([A, B], (c, [a, b]) => c.kernels.matmulTruncAA(c.env, a!, b!, f));
              const got = toBigInts(mr.result, true);
              for (let i = 0; i < 2; i++)
                for (let j = 0; j < 2; j++) {
                  const s = mm[2 * i]! * mm[4 + j]! + mm[2 * i + 1]! * mm[6 + j]!;
                  const d = got[2 * i + j]! - (s >> BigInt(f));
                  expect(secure ? d === 0n || d === 1n : d === 0n).toBe(true);
                }
            }),
            { numRuns: RUNS },
          );
        });

        it('large negative fixed-point operands (near -2^(k-2) after the product)', async () => {
          const f = k === 64 ? 18 : 26;
          const h = 1n << BigInt((k - 2) / 2);
          const x = [-h + 1n, -h + 1n, h - 1n, -(1n << BigInt(f)), -1n];
          const y = [h - 1n, -(h - 1n), -(h - 1n), -(1n << BigInt(f)), -1n];
          const { result } = await run([T(x), T(y)], (c, [a, b]) => c.kernels.mulTruncAA(c.env, a!, b!, f));
          toBigInts(result, true).forEach((g, i) => {
            const d = g - ((x[i]! * y[i]!) >> BigInt(f));
            expect(secure ? d === 0n || d === 1n : d === 0n).toBe(true);
          });
        });
      });
    }
