// The raw kernels behind the tensor API work on limb arrays (BigUint64Array, n elements).
// Two implementations: `jsKernels` (BigInt reference, always available, used as the oracle in
// tests) and the WebAssembly kernels (default, see wasm.ts). Selection happens once at load.
import type { KeyStream, Step } from './blocks.ts';
import type { FieldType } from './field.ts';

export interface RingKernels {
  readonly name: string;
  add(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number): void;
  sub(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number): void;
  neg(f: FieldType, a: BigUint64Array, out: BigUint64Array, n: number): void;
  mul(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number): void;
  mulAdd(f: FieldType, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array, out: BigUint64Array, n: number): void;
  /** s already reduced to [0, 2^k). */
  mulScalar(f: FieldType, a: BigUint64Array, s: bigint, out: BigUint64Array, n: number): void;
  addScalar(f: FieldType, a: BigUint64Array, s: bigint, out: BigUint64Array, n: number): void;
  /** out[i, j] = a[i, j] op v[j] for an m x n matrix. */
  rowBroadcast(f: FieldType, op: 'mul' | 'add', a: BigUint64Array, v: BigUint64Array, out: BigUint64Array, m: number, n: number): void;
  /** 0 <= bits < k. */
  shr(f: FieldType, a: BigUint64Array, bits: number, out: BigUint64Array, n: number): void;
  lshr(f: FieldType, a: BigUint64Array, bits: number, out: BigUint64Array, n: number): void;
  shl(f: FieldType, a: BigUint64Array, bits: number, out: BigUint64Array, n: number): void;
  /** out = c + e*b + f*a (+ e*f when withEf): Beaver recombination in one pass; out may alias any input. */
  beaver(fl: FieldType, e: BigUint64Array, b: BigUint64Array, f: BigUint64Array, a: BigUint64Array, c: BigUint64Array, withEf: boolean, out: BigUint64Array, n: number): void;
  /**
   * With E = x - a + eP and F = y - b + fP: z = c + E*b + F*a (+ E*F when withEf), then
   * z + r + s (r, when given) into out and into keep (when given). The Beaver recombination with the
   * opening (own share plus the peers' sum) and the truncation's masking folded in; out and keep
   * may alias inputs (each block is read before it is written). c may be a keystream (a PRG draw
   * read where it is used instead of from memory).
   */
  beaverMask(fl: FieldType, x: BigUint64Array, a: BigUint64Array, eP: BigUint64Array, y: BigUint64Array, b: BigUint64Array, fP: BigUint64Array, c: BigUint64Array | KeyStream, r: BigUint64Array | undefined, withEf: boolean, s: bigint, out: BigUint64Array, keep: BigUint64Array | undefined, n: number): void;
  /**
   * out = d - 2*msb(c)*rTop (+ (c >>> bits) when withC): the end of probabilistic truncation; with
   * cPeer, c is c + cPeer (the opening's sum folded in). rTop and d may be keystreams; out may alias
   * c or cPeer.
   */
  truncFinish(fl: FieldType, c: BigUint64Array, rTop: BigUint64Array | KeyStream, d: BigUint64Array | KeyStream, bits: number, withC: boolean, out: BigUint64Array, n: number, cPeer?: BigUint64Array): void;
  /** rTop = msb(r) << (k-1-bits); d = 2*rTop - (r >>> bits) - 2^(k-2-bits): the dealer's truncation pair. */
  truncPair(fl: FieldType, r: BigUint64Array, bits: number, d: BigUint64Array, rTop: BigUint64Array, n: number): void;
  /** out (m x n) = a (m x k) . b (k x n), row-major (out += a . b when acc); out does not alias a or b. */
  matmul(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number, acc?: boolean): void;
  /**
   * Optional: one Strassen-Winograd level of out (+)= a . b (m, k, n even) with every block in the
   * backend's own memory and the seven half-size products run directly. Returns false when it does
   * not apply (the caller then runs the same level through the kernels above).
   */
  winograd?(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number, acc: boolean): boolean;
  /**
   * Optional: a block program (programs.ts) over n elements of l limbs; inputs are limb arrays or
   * keystreams. Split over the kernel threads from minPerThread elements per thread when every
   * limb-array operand is shared memory.
   */
  program?(l: number, n: number, ins: readonly (BigUint64Array | KeyStream)[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[], minPerThread: number): void;
  /**
   * Optional: true when `matmul`, split over kernel threads, takes its own Winograd levels per row
   * range; the caller then passes it large products whole instead of running a level itself.
   */
  readonly splitLevels?: boolean;
}

let active: RingKernels | undefined;
let loader: (() => RingKernels) | undefined;

export function registerKernelLoader(load: () => RingKernels): void {
  loader = load;
}

/** The active kernels (WebAssembly unless it failed to load or the JS ones were forced). */
export function kernels(): RingKernels {
  if (active === undefined) active = loader ? loader() : undefined;
  if (active === undefined) throw new Error('no ring kernels registered');
  return active;
}

/** Force a backend (tests and benchmarks compare them). */
export function setKernels(k: RingKernels): void {
  active = k;
}
