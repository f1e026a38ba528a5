// Every kernel against BigInt reference math written here (independent of js-kernels.ts), for both
// backends and both rings, on random and edge values (0, ±1, ring min/max, 2^63 boundaries).
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add, addPublicVec, addScalar, and, beaverCombine, beaverMask, bitAt, bitsAt, extractBits, fromBigInts, jsKernels, kernels, lshr, matmul, matmulAdd, msb, mul,
  mulAdd, mulPublicVec, mulScalar, neg, not, or, randomTensor, setKernels, shl, shr, sub, sum, toBigInts, transpose, truncFinish, truncPair, wasmKernels, xor,
  type FieldType, type RingKernels,
} from './index.ts';
import { RING_WASM_BASE64 } from './wasm-bytes.ts';
import { MATMUL_SCRATCH } from './wasm.ts';

const fields: FieldType[] = ['FM64', 'FM128'];
const backends: RingKernels[] = [wasmKernels, jsKernels];
const initial = kernels();
afterAll(() => setKernels(initial));

const bitsOf = (f: FieldType): bigint => (f === 'FM64' ? 64n : 128n);
const u = (f: FieldType, x: bigint): bigint => BigInt.asUintN(Number(bitsOf(f)), x);
const s = (f: FieldType, x: bigint): bigint => BigInt.asIntN(Number(bitsOf(f)), x);
/** The m x k by k x n product by the triple loop in BigInt, reduced into the field: the reference. */
function refMatmul(f: FieldType, xa: readonly bigint[], xb: readonly bigint[], m: number, k: number, n: number): bigint[] {
  const ref: bigint[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0n;
      for (let t = 0; t < k; t++) acc += xa[i * k + t]! * xb[t * n + j]!;
      ref.push(u(f, acc));
    }
  return ref;
}

function elem(f: FieldType): fc.Arbitrary<bigint> {
  const k = bitsOf(f);
  const half = 1n << (k - 1n);
  return fc.oneof(
    fc.constantFrom(0n, 1n, -1n, half - 1n, -half, (1n << 63n), (1n << 63n) - 1n, (1n << 64n) - 1n, 1n << 64n, -(1n << 40n)),
    fc.bigInt({ min: -half, max: half - 1n }),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
  );
}

function vec(f: FieldType, min = 0, max = 40): fc.Arbitrary<bigint[]> {
  return fc.array(elem(f), { minLength: min, maxLength: max });
}

function pair(f: FieldType): fc.Arbitrary<[bigint[], bigint[]]> {
  return fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(vec(f, n, n), vec(f, n, n)));
}

for (const be of backends) {
  for (const f of fields) {
    describe(`${be.name} ${f}`, () => {
      const T = (xs: bigint[], shape?: number[]) => fromBigInts(f, xs, shape);
      const run = <R>(fn: () => R): R => {
        setKernels(be);
        return fn();
      };

      it('add, sub, mul, neg, mulAdd match BigInt mod 2^k', () => {
        fc.assert(
          fc.property(pair(f), ([x, y]) => {
            run(() => {
              const a = T(x), b = T(y);
              expect(toBigInts(add(a, b))).toEqual(x.map((v, i) => u(f, v + (y[i] as bigint))));
              expect(toBigInts(sub(a, b))).toEqual(x.map((v, i) => u(f, v - (y[i] as bigint))));
              expect(toBigInts(mul(a, b))).toEqual(x.map((v, i) => u(f, v * (y[i] as bigint))));
              expect(toBigInts(neg(a))).toEqual(x.map((v) => u(f, -v)));
              expect(toBigInts(mulAdd(a, b, a))).toEqual(x.map((v, i) => u(f, v * (y[i] as bigint) + v)));
            });
          }),
          { numRuns: 150 },
        );
      }, 30_000);

      it('scalar ops and bitwise ops', () => {
        fc.assert(
          fc.property(pair(f), elem(f), ([x, y], c) => {
            run(() => {
              const a = T(x), b = T(y);
              expect(toBigInts(mulScalar(a, c))).toEqual(x.map((v) => u(f, v * c)));
              expect(toBigInts(addScalar(a, c))).toEqual(x.map((v) => u(f, v + c)));
              expect(toBigInts(xor(a, b))).toEqual(x.map((v, i) => u(f, v) ^ u(f, y[i] as bigint)));
              expect(toBigInts(and(a, b))).toEqual(x.map((v, i) => u(f, v) & u(f, y[i] as bigint)));
              expect(toBigInts(or(a, b))).toEqual(x.map((v, i) => u(f, v) | u(f, y[i] as bigint)));
              expect(toBigInts(not(a))).toEqual(x.map((v) => u(f, ~v)));
            });
          }),
          { numRuns: 100 },
        );
      });

      it('shr (arithmetic), lshr, shl, bit extraction for every shift amount', () => {
        const k = Number(bitsOf(f));
        fc.assert(
          fc.property(vec(f, 1, 12), fc.integer({ min: 0, max: k }), fc.integer({ min: 0, max: 128 }), ([...x], sh, cntSeed) => {
            run(() => {
              const a = T(x);
              expect(toBigInts(shr(a, sh))).toEqual(x.map((v) => u(f, s(f, v) >> BigInt(sh))));
              expect(toBigInts(lshr(a, sh))).toEqual(x.map((v) => u(f, u(f, v) >> BigInt(sh))));
              expect(toBigInts(shl(a, sh))).toEqual(x.map((v) => u(f, v << BigInt(sh))));
              if (sh < k) {
                expect(toBigInts(bitAt(a, sh))).toEqual(x.map((v) => (u(f, v) >> BigInt(sh)) & 1n));
                expect([...bitsAt(a, sh)]).toEqual(x.map((v) => Number((u(f, v) >> BigInt(sh)) & 1n)));
                const cnt = cntSeed % (k - sh + 1);
                expect(toBigInts(extractBits(a, sh, cnt))).toEqual(x.map((v) => (u(f, v) >> BigInt(sh)) & ((1n << BigInt(cnt)) - 1n)));
              }
              expect(toBigInts(msb(a))).toEqual(x.map((v) => (s(f, v) < 0n ? 1n : 0n)));
            });
          }),
          { numRuns: 200 },
        );
      }, 30_000);

      it('fused beaverCombine, truncFinish, truncPair match their BigInt formulas', () => {
        const k = Number(bitsOf(f));
        const five = fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: 5 }, () => vec(f, n, n))));
        fc.assert(
          fc.property(five, fc.boolean(), fc.integer({ min: 0, max: k - 2 }), ([e, b, ff, a, c]: bigint[][], flag, bits) => {
            if (e === undefined || b === undefined || ff === undefined || a === undefined || c === undefined) throw new Error('five vectors');
            run(() => {
              const at = (xs: bigint[], i: number) => xs[i] as bigint;
              expect(toBigInts(beaverCombine(T(e), T(b), T(ff), T(a), T(c), flag))).toEqual(
                e.map((v, i) => u(f, at(c, i) + v * at(b, i) + at(ff, i) * at(a, i) + (flag ? v * at(ff, i) : 0n))));
              // out aliasing an input (the SPU writes results over its own scratch)
              const alias = T(c);
              beaverCombine(T(e), T(b), T(ff), T(a), alias, flag, alias);
              expect(toBigInts(alias)).toEqual(toBigInts(beaverCombine(T(e), T(b), T(ff), T(a), T(c), flag)));
              const msbOf = (v: bigint) => (u(f, v) >> BigInt(k - 1)) & 1n;
              expect(toBigInts(truncFinish(T(e), T(b), T(c), bits, flag))).toEqual(
                e.map((v, i) => u(f, at(c, i) - 2n * msbOf(v) * at(b, i) + (flag ? u(f, v) >> BigInt(bits) : 0n))));
              const { d, rTop } = truncPair(T(a), bits);
              const tops = a.map((v) => msbOf(v) << BigInt(k - 1 - bits));
              expect(toBigInts(rTop)).toEqual(tops.map((t) => u(f, t)));
              expect(toBigInts(d)).toEqual(a.map((v, i) => u(f, 2n * at(tops, i) - (u(f, v) >> BigInt(bits)) - (1n << BigInt(k - 2 - bits)))));
            });
          }),
          { numRuns: 150 },
        );
      }, 30_000);

      it('fused beaverMask and truncFinish with a peer sum match their BigInt formulas', () => {
        const k = Number(bitsOf(f));
        const nine = fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: 9 }, () => vec(f, n, n))));
        fc.assert(
          fc.property(nine, fc.boolean(), fc.boolean(), elem(f), fc.integer({ min: 0, max: k - 2 }), (vs: bigint[][], flag, masked, s, bits) => {
            const [x, a, eP, y, b, fP, c, r, q] = vs as [bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[]];
            run(() => {
              const at = (xs: bigint[], i: number) => xs[i] as bigint;
              const ref = (xx: bigint[], aa: bigint[], ee: bigint[], yy: bigint[], bb: bigint[], ff: bigint[]) =>
                xx.map((v, i) => {
                  const E = v - at(aa, i) + at(ee, i), F = at(yy, i) - at(bb, i) + at(ff, i);
                  return u(f, at(c, i) + E * at(bb, i) + F * at(aa, i) + (flag ? E * F : 0n) + (masked ? at(r, i) + s : 0n));
                });
              const opts = masked ? { withEf: flag, r: T(r), s } : { withEf: flag };
              expect(toBigInts(beaverMask(T(x), T(a), T(eP), T(y), T(b), T(fP), T(c), opts))).toEqual(ref(x, a, eP, y, b, fP));
              // square: y = x, b = a, fP = eP as the same tensors
              const X = T(x), A = T(a), EP = T(eP);
              expect(toBigInts(beaverMask(X, A, EP, X, A, EP, T(c), opts))).toEqual(ref(x, a, eP, x, a, eP));
              // out and keep aliasing inputs (the SPU writes the kept copy over r)
              if (masked) {
                const rr = T(r), out = T(x);
                beaverMask(out, T(a), T(eP), T(y), T(b), T(fP), T(c), { withEf: flag, r: rr, s, out, keep: rr });
                expect(toBigInts(out)).toEqual(ref(x, a, eP, y, b, fP));
                expect(toBigInts(rr)).toEqual(ref(x, a, eP, y, b, fP));
              }
              const msbOf = (v: bigint) => (u(f, v) >> BigInt(k - 1)) & 1n;
              expect(toBigInts(truncFinish(T(x), T(b), T(c), bits, flag, undefined, T(q)))).toEqual(
                x.map((v, i) => {
                  const cc = u(f, v + at(q, i));
                  return u(f, at(c, i) - 2n * msbOf(cc) * at(b, i) + (flag ? cc >> BigInt(bits) : 0n));
                }));
            });
          }),
          { numRuns: 120 },
        );
      }, 30_000);

      it('matmul matches the triple loop, transpose and sum', () => {
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), (m, k, n) => {
            const xa = fc.sample(elem(f), m * k), xb = fc.sample(elem(f), k * n);
            run(() => {
              const c = toBigInts(matmul(T(xa, [m, k]), T(xb, [k, n])));
              expect(c).toEqual(refMatmul(f, xa, xb, m, k, n));
              const tr = toBigInts(transpose(T(xa, [m, k])));
              expect(tr).toEqual(Array.from({ length: m * k }, (_, idx) => u(f, xa[(idx % m) * k + Math.floor(idx / m)] as bigint)));
              const cols = toBigInts(sum(T(xa, [m, k]), 0));
              expect(cols).toEqual(Array.from({ length: k }, (_, j) => u(f, Array.from({ length: m }, (_, i) => xa[i * k + j] as bigint).reduce((p, v) => p + v, 0n))));
              expect(toBigInts(sum(T(xa, [m, k])))).toEqual([u(f, xa.reduce((p, v) => p + v, 0n))]);
              const rows = toBigInts(sum(T(xa, [m, k]), 1));
              expect(rows).toEqual(Array.from({ length: m }, (_, i) => u(f, xa.slice(i * k, (i + 1) * k).reduce((p, v) => p + v, 0n))));
            });
          }),
          { numRuns: 60 },
        );
      }, 30_000);

      it('mulPublicVec / addPublicVec broadcast rows, columns and elementwise', () => {
        const m = 3, n = 4;
        const xs = fc.sample(elem(f), m * n), vr = fc.sample(elem(f), n), vc = fc.sample(elem(f), m);
        run(() => {
          const a = T(xs, [m, n]);
          expect(toBigInts(mulPublicVec(a, T(vr, [n])))).toEqual(xs.map((v, i) => u(f, v * (vr[i % n] as bigint))));
          expect(toBigInts(mulPublicVec(a, T(vc, [m, 1])))).toEqual(xs.map((v, i) => u(f, v * (vc[Math.floor(i / n)] as bigint))));
          expect(toBigInts(addPublicVec(a, T(vr, [1, n])))).toEqual(xs.map((v, i) => u(f, v + (vr[i % n] as bigint))));
          expect(toBigInts(mulPublicVec(a, T(xs, [m, n])))).toEqual(xs.map((v) => u(f, v * v)));
        });
      });

      if (be === wasmKernels) {
        // matmul64 runs five to seven columns at a time (four on the 32-bit halves of each element, one
        // to three on the scalar multiplier, by CPU vendor), then one panel of what is left when that
        // is four or more, over k in blocks of 256 (128 when m > 320), two rows at a time (an odd last
        // row in the same loop); fewer than four leftover columns take the scalar loop. Shapes here cross each of those edges (n = 4, 5, 6, 8, 9, 10,
        // 11, 12, 13 take different group mixes), with edge values (all-ones, 2^63, 2^64 - 1) in the
        // mix. The test after this one runs both panel widths on one instance.
        it('matmul and matmulAdd against BigInt across the column panels, k-blocks and odd rows', () => {
          setKernels(wasmKernels);
          fc.assert(
            fc.property(
              fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 2, 3, 127, 128, 129, 255, 256, 257, 300, 513), fc.integer({ min: 1, max: 13 }),
              (m, k, n) => {
                const xa = fc.sample(elem(f), m * k), xb = fc.sample(elem(f), k * n), xc = fc.sample(elem(f), m * n);
                const ref = (withC: boolean): bigint[] => {
                  const r: bigint[] = [];
                  for (let i = 0; i < m; i++)
                    for (let j = 0; j < n; j++) {
                      let acc = withC ? (xc[i * n + j] as bigint) : 0n;
                      for (let t = 0; t < k; t++) acc += (xa[i * k + t] as bigint) * (xb[t * n + j] as bigint);
                      r.push(u(f, acc));
                    }
                  return r;
                };
                expect(toBigInts(matmul(T(xa, [m, k]), T(xb, [k, n])))).toEqual(ref(false));
                expect(toBigInts(matmulAdd(T(xa, [m, k]), T(xb, [k, n]), T(xc, [m, n])))).toEqual(ref(true));
              },
            ),
            { numRuns: 40 },
          );
        }, 60_000);

        if (f === 'FM64')
          it('matmul64 with one, two and three scalar columns per panel against BigInt across the panel, k-block and odd-row edges, within its 12 KiB of scratch', () => {
            // A raw instance: the loader picks one width per CPU vendor, so the other would go untested here.
            const x = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(RING_WASM_BASE64, 'base64')), {}).exports as unknown as {
              memory: WebAssembly.Memory;
              matmul64(a: number, b: number, o: number, m: number, k: number, n: number, scr: number): void;
              matmul64Tile(sc: number): void;
            };
            x.memory.grow(16);
            // n = 14, 18, 19, 20 and 125 end on panels of seven, four, five, six and six columns at
            // three scalar columns; k = 256 and 257 with seven columns take k-blocks of 219 (the panel
            // must stay within the scratch); 125^3 is a Winograd leaf of a 1000^3 product.
            const shapes = [[1, 1, 1], [2, 3, 4], [3, 5, 5], [2, 7, 6], [5, 9, 9], [4, 2, 10], [7, 257, 11], [6, 256, 12], [3, 129, 13], [9, 3, 23], [330, 130, 17],
              [5, 256, 14], [3, 257, 18], [4, 33, 19], [1, 300, 20], [125, 125, 125]] as const;
            const guard = 0x5a5a5a5a5a5a5a5an;
            for (const tile of [1, 2, 3]) {
              x.matmul64Tile(tile);
              for (const [m, k, n] of shapes) {
                const xa = fc.sample(elem(f), m * k), xb = fc.sample(elem(f), k * n), xc = fc.sample(elem(f), m * n);
                const mem = new BigUint64Array(x.memory.buffer);
                const ob = (m * k + k * n) * 8;
                mem.set(xa.map((v) => u(f, v)), 0);
                mem.set(xb.map((v) => u(f, v)), m * k);
                mem.set(xc.map((v) => u(f, v)), ob / 8);
                const scr = ob + m * n * 8, end = (scr + MATMUL_SCRATCH) / 8;
                mem.fill(guard, end, end + 64);
                x.matmul64(0, m * k * 8, ob, m, k, n, scr);
                const want = refMatmul(f, xa, xb, m, k, n).map((v, i) => u(f, v + xc[i]!));
                expect(Array.from(mem.subarray(ob / 8, ob / 8 + m * n))).toEqual(want);
                expect(mem.subarray(end, end + 64).every((v) => v === guard)).toBe(true);
              }
            }
          }, 60_000);

        if (f === 'FM64')
          it('winoS64, winoT64 and addpm64 (a Winograd level\'s block additions) against BigInt, with odd tails', () => {
            const x = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(RING_WASM_BASE64, 'base64')), {}).exports as unknown as {
              memory: WebAssembly.Memory;
              winoS64(...v: number[]): void;
              winoT64(...v: number[]): void;
              addpm64(o: number, a: number, b: number, neg: number, n: number): void;
            };
            x.memory.grow(4);
            for (const n of [1, 2, 3, 16, 33]) {
              const blocks = Array.from({ length: 4 }, () => fc.sample(elem(f), n).map((v) => u(f, v)));
              const [p11, p12, p21, p22] = blocks as [bigint[], bigint[], bigint[], bigint[]];
              const mem = new BigUint64Array(x.memory.buffer);
              blocks.forEach((b, i) => mem.set(b, i * n));
              const at = (i: number): number => i * n * 8;
              const got = (i: number): bigint[] => Array.from(mem.subarray(i * n, (i + 1) * n));
              const map = (g: (i: number) => bigint): bigint[] => Array.from({ length: n }, (_, i) => u(f, g(i)));
              x.winoS64(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), n);
              const s1 = map((i) => p21[i]! + p22[i]!), s2 = map((i) => s1[i]! - p11[i]!);
              expect([got(4), got(5), got(6), got(7)]).toEqual([s1, s2, map((i) => p11[i]! - p21[i]!), map((i) => p12[i]! - s2[i]!)]);
              x.winoT64(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), n);
              const t1 = map((i) => p12[i]! - p11[i]!), t2 = map((i) => p22[i]! - t1[i]!);
              expect([got(4), got(5), got(6), got(7)]).toEqual([t1, t2, map((i) => p22[i]! - p12[i]!), map((i) => t2[i]! - p21[i]!)]);
              x.addpm64(at(0), at(1), at(2), 0, n);
              const plus = map((i) => p11[i]! + p12[i]! + p21[i]!);
              expect(got(0)).toEqual(plus);
              x.addpm64(at(3), at(1), at(2), 1, n);
              expect(got(3)).toEqual(map((i) => p22[i]! + p12[i]! - p21[i]!));
            }
          });

        it('matmul against BigInt with more than 320 rows (k-blocks of 128) and with exactly 320 (of 256)', () => {
          setKernels(wasmKernels);
          for (const [m, k, n] of [[323, 259, 11], [320, 259, 7]] as const) {
            const xa = fc.sample(elem(f), m * k), xb = fc.sample(elem(f), k * n);
            expect(toBigInts(matmul(T(xa, [m, k]), T(xb, [k, n])))).toEqual(refMatmul(f, xa, xb, m, k, n));
          }
        }, 60_000);

        it('sizes that cross the streaming block and matmul tile boundaries', () => {
          setKernels(wasmKernels);
          const n = 20011; // > 2 blocks of 8192 (FM64) / 4096 (FM128), odd tail
          const x = fc.sample(elem(f), n), y = fc.sample(elem(f), n);
          expect(toBigInts(mulAdd(T(x), T(y), T(y)))).toEqual(x.map((v, i) => u(f, v * (y[i] as bigint) + (y[i] as bigint))));
          expect(toBigInts(add(T(x), T(y)))).toEqual(x.map((v, i) => u(f, v + (y[i] as bigint))));
          // fused kernels use 64 KiB blocks when more than four are live: cross those too
          const fusedW = beaverCombine(T(x), T(y), T(y), T(x), T(x), true);
          const trW = truncFinish(T(x), T(y), T(y), 13, true);
          const pairW = truncPair(T(x), 13);
          setKernels(jsKernels);
          expect(toBigInts(fusedW)).toEqual(toBigInts(beaverCombine(T(x), T(y), T(y), T(x), T(x), true)));
          expect(toBigInts(trW)).toEqual(toBigInts(truncFinish(T(x), T(y), T(y), 13, true)));
          const pairJ = truncPair(T(x), 13);
          expect([toBigInts(pairW.d), toBigInts(pairW.rTop)]).toEqual([toBigInts(pairJ.d), toBigInts(pairJ.rTop)]);
          setKernels(wasmKernels);
          const [mm, kk, nn] = [6, 133, 261]; // crosses 128/64-row and 256/128-column tiles, 4-row groups + tail
          const xa = fc.sample(elem(f), mm * kk), xb = fc.sample(elem(f), kk * nn);
          const got = matmul(T(xa, [mm, kk]), T(xb, [kk, nn]));
          setKernels(jsKernels);
          expect(toBigInts(got)).toEqual(toBigInts(matmul(T(xa, [mm, kk]), T(xb, [kk, nn]))));
          const rows = 5000, cols = 3; // row broadcast with many short rows
          const big = fc.sample(elem(f), rows * cols), v = fc.sample(elem(f), cols);
          setKernels(wasmKernels);
          expect(toBigInts(mulPublicVec(T(big, [rows, cols]), T(v)))).toEqual(big.map((e, i) => u(f, e * (v[i % cols] as bigint))));
          const wide = fc.sample(elem(f), 2 * 9000), wv = fc.sample(elem(f), 9000);
          expect(toBigInts(addPublicVec(T(wide, [2, 9000]), T(wv)))).toEqual(wide.map((e, i) => u(f, e + (wv[i % 9000] as bigint))));
        }, 60_000);
      }
    });
  }
}

describe('sum over more than 2^20 terms (word-sum chunking)', () => {
  it('matches BigInt for both rings', () => {
    for (const f of fields) {
      const n = (1 << 20) + 37;
      const t = randomTensor(f, [n]);
      const ref = toBigInts(t).reduce((p, v) => p + v, 0n);
      expect(toBigInts(sum(t))).toEqual([u(f, ref)]);
    }
  }, 60_000);
});
