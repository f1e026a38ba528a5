// Reference kernels in plain JS BigInt. Correct by construction (BigInt.asUintN), slow for FM128
// (one boxed BigInt per element): kept as the test oracle and as the fallback when WebAssembly
// is unavailable.
import type { KeyStream } from './blocks.ts';
import type { FieldType } from './field.ts';
import type { RingKernels } from './backend.ts';
import { Prg } from './prg.ts';

const M64 = (1n << 64n) - 1n;

function get(f: FieldType, d: BigUint64Array, i: number): bigint {
  return f === 'FM64' ? (d[i] as bigint) : ((d[2 * i + 1] as bigint) << 64n) | (d[2 * i] as bigint);
}

function put(f: FieldType, d: BigUint64Array, i: number, v: bigint): void {
  if (f === 'FM64') d[i] = v; // BigUint64Array stores mod 2^64
  else {
    d[2 * i] = v & M64;
    d[2 * i + 1] = (v >> 64n) & M64;
  }
}

/** A keystream operand's n elements as limbs (the reference expands it; WASM reads it block by block). */
function limbsOf(f: FieldType, t: BigUint64Array | KeyStream, n: number): BigUint64Array {
  if (t instanceof BigUint64Array) return t;
  const d = new BigUint64Array(n * (f === 'FM64' ? 1 : 2));
  new Prg(t.seed, t.offset).fill(new Uint8Array(d.buffer));
  return d;
}

function signed(f: FieldType, v: bigint): bigint {
  return BigInt.asIntN(f === 'FM64' ? 64 : 128, v);
}

function map2(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number, op: (x: bigint, y: bigint) => bigint): void {
  for (let i = 0; i < n; i++) put(f, out, i, op(get(f, a, i), get(f, b, i)));
}

function map1(f: FieldType, a: BigUint64Array, out: BigUint64Array, n: number, op: (x: bigint) => bigint): void {
  for (let i = 0; i < n; i++) put(f, out, i, op(get(f, a, i)));
}

export const jsKernels: RingKernels = {
  name: 'js-bigint',
  add: (f, a, b, out, n) => map2(f, a, b, out, n, (x, y) => x + y),
  sub: (f, a, b, out, n) => map2(f, a, b, out, n, (x, y) => x - y),
  neg: (f, a, out, n) => map1(f, a, out, n, (x) => -x),
  mul: (f, a, b, out, n) => map2(f, a, b, out, n, (x, y) => x * y),
  mulAdd: (f, a, b, c, out, n) => {
    for (let i = 0; i < n; i++) put(f, out, i, get(f, a, i) * get(f, b, i) + get(f, c, i));
  },
  mulScalar: (f, a, s, out, n) => map1(f, a, out, n, (x) => x * s),
  addScalar: (f, a, s, out, n) => map1(f, a, out, n, (x) => x + s),
  rowBroadcast: (f, op, a, v, out, m, n) => {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const x = get(f, a, i * n + j);
        const y = get(f, v, j);
        put(f, out, i * n + j, op === 'mul' ? x * y : x + y);
      }
  },
  shr: (f, a, bits, out, n) => map1(f, a, out, n, (x) => signed(f, x) >> BigInt(bits)),
  lshr: (f, a, bits, out, n) => map1(f, a, out, n, (x) => x >> BigInt(bits)),
  shl: (f, a, bits, out, n) => map1(f, a, out, n, (x) => x << BigInt(bits)),
  beaver: (fl, e, b, f, a, c, withEf, out, n) => {
    for (let i = 0; i < n; i++) {
      const ei = get(fl, e, i), fi = get(fl, f, i);
      put(fl, out, i, get(fl, c, i) + ei * get(fl, b, i) + fi * get(fl, a, i) + (withEf ? ei * fi : 0n));
    }
  },
  beaverMask: (fl, x, a, eP, y, b, fP, cIn, r, withEf, s, out, keep, n) => {
    const c = limbsOf(fl, cIn, n);
    for (let i = 0; i < n; i++) {
      const ai = get(fl, a, i), bi = get(fl, b, i);
      const ei = get(fl, x, i) - ai + get(fl, eP, i), fi = get(fl, y, i) - bi + get(fl, fP, i);
      const z = get(fl, c, i) + ei * bi + fi * ai + (withEf ? ei * fi : 0n) + (r === undefined ? 0n : get(fl, r, i) + s);
      put(fl, out, i, z);
      if (keep !== undefined) put(fl, keep, i, z);
    }
  },
  truncFinish: (fl, c, rTopIn, dIn, bits, withC, out, n, cPeer) => {
    const k = BigInt(fl === 'FM64' ? 64 : 128);
    const rTop = limbsOf(fl, rTopIn, n), d = limbsOf(fl, dIn, n);
    for (let i = 0; i < n; i++) {
      const ci = BigInt.asUintN(Number(k), get(fl, c, i) + (cPeer === undefined ? 0n : get(fl, cPeer, i)));
      const top = ci >> (k - 1n);
      put(fl, out, i, get(fl, d, i) - 2n * top * get(fl, rTop, i) + (withC ? ci >> BigInt(bits) : 0n));
    }
  },
  truncPair: (fl, r, bits, d, rTop, n) => {
    const k = BigInt(fl === 'FM64' ? 64 : 128);
    const m = BigInt(bits);
    for (let i = 0; i < n; i++) {
      const ri = get(fl, r, i);
      const top = (ri >> (k - 1n)) << (k - 1n - m);
      put(fl, rTop, i, top);
      put(fl, d, i, 2n * top - (ri >> m) - (1n << (k - 2n - m)));
    }
  },
  matmul: (f, a, b, out, m, k, n, accumulate) => {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = accumulate === true ? get(f, out, i * n + j) : 0n;
        for (let t = 0; t < k; t++) acc += get(f, a, i * k + t) * get(f, b, t * n + j);
        put(f, out, i * n + j, acc);
      }
  },
};
