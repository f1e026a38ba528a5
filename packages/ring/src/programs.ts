// Block programs as a public API: a short sequence of elementwise kernels over numbered slots, run
// block by block with every slot cache-resident (blocks.ts runBlocks). Inputs are tensors or
// keystreams (a PRG's stream read at an offset: the draw is expanded straight into its slot, so a
// correlation's random parts never exist as whole tensors). Large programs split over the kernel
// threads, each expanding its own element range of every stream, so the result is bit-identical to
// one thread's (CTR keystreams are addressable). For a dealer that draws several streams, combines
// them and writes only the corrections (packages/spu dealer/core.ts).
import { kernels } from './backend.ts';
import { LEN, slot, type KeyStream, type Step } from './blocks.ts';
import { FIELD_BITS, LIMBS, type FieldType } from './field.ts';
import { RingError, type RingTensor } from './tensor.ts';

export type { KeyStream } from './blocks.ts';

const LSHR = 1, SHL = 2;
const M64 = (1n << 64n) - 1n;

const fnName = (f: FieldType, base: string): string => base + (f === 'FM64' ? '64' : '128');
const scalarArgs = (f: FieldType, s: bigint): bigint[] => {
  const v = BigInt.asUintN(FIELD_BITS[f], s);
  return f === 'FM64' ? [v] : [v & M64, v >> 64n];
};

/**
 * The steps of ring's truncPair on slot arguments (slot(i) numbers): rTop = msb(r) << (k-1-bits),
 * d = 2 rTop - (r >>> bits) - 2^(k-2-bits). d may be r (r is read into rTop first); rTop may not.
 */
export function truncPairSteps(f: FieldType, bits: number, r: number, d: number, rTop: number): Step[] {
  const k = FIELD_BITS[f];
  if (!Number.isInteger(bits) || bits < 0 || bits > k - 2) throw new RingError(`truncation by ${String(bits)} bits is outside [0, ${k - 2}]`);
  if (rTop === r || rTop === d) throw new RingError('truncPair needs rTop apart from r and d');
  const sh = fnName(f, 'shift'), add = fnName(f, 'add');
  // (shift kernels need a non-zero amount: bits = 0 negates r directly)
  return [
    [sh, r, BigInt(k - 1), LSHR, rTop, LEN],
    [sh, rTop, BigInt(k - 1 - bits), SHL, rTop, LEN],
    ...(bits > 0 ? [[sh, r, BigInt(bits), LSHR, d, LEN] as const] : []),
    [fnName(f, 'neg'), bits > 0 ? d : r, d, LEN],
    [add, d, rTop, d, LEN],
    [add, d, rTop, d, LEN],
    [fnName(f, 'addsc'), d, ...scalarArgs(f, -(1n << BigInt(k - 2 - bits))), d, LEN],
  ];
}

/**
 * Elementwise steps over slots: inputs are slots 0..inputs-1, outputs the next `outputs` slots,
 * then temporaries from temp(). Every step may write any slot (input slots hold per-block copies),
 * and any output may alias an input, as in the kernels.
 */
export class BlockProgram {
  readonly field: FieldType;
  readonly inputs: number;
  readonly outputs: number;
  readonly #steps: Step[] = [];
  #temps = 0;

  constructor(field: FieldType, inputs: number, outputs: number) {
    this.field = field;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** True when the active kernels run block programs (WebAssembly; not the JS reference backend). */
  static available(): boolean {
    return kernels().program !== undefined;
  }

  /** A fresh temporary slot. */
  temp(): number {
    return this.inputs + this.outputs + this.#temps++;
  }

  get temps(): number {
    return this.#temps;
  }

  get steps(): readonly Step[] {
    return this.#steps;
  }

  #push(name: string, ...args: (number | bigint)[]): this {
    this.#steps.push([fnName(this.field, name), ...args]);
    return this;
  }

  add(a: number, b: number, out: number): this {
    return this.#push('add', slot(a), slot(b), slot(out), LEN);
  }

  sub(a: number, b: number, out: number): this {
    return this.#push('sub', slot(a), slot(b), slot(out), LEN);
  }

  mul(a: number, b: number, out: number): this {
    return this.#push('mul', slot(a), slot(b), slot(out), LEN);
  }

  /** out = a*b + c. */
  mulAdd(a: number, b: number, c: number, out: number): this {
    return this.#push('muladd', slot(a), slot(b), slot(c), slot(out), LEN);
  }

  /** out = a + s (s taken mod 2^k). */
  addScalar(a: number, s: bigint, out: number): this {
    return this.#push('addsc', slot(a), ...scalarArgs(this.field, s), slot(out), LEN);
  }

  copy(a: number, out: number): this {
    return this.addScalar(a, 0n, out);
  }

  /** ring's truncPair on slots (d may be r; rTop must be apart from both). */
  truncPair(r: number, bits: number, d: number, rTop: number): this {
    this.#steps.push(...truncPairSteps(this.field, bits, slot(r), slot(d), slot(rTop)));
    return this;
  }

  /**
   * Run over n elements. Returns false (nothing done) when the active kernels cannot run block
   * programs (the JS reference backend): the caller then takes its own path. The run splits over
   * the kernel threads from `minPerThread` elements per thread when every tensor operand is shared
   * memory.
   */
  run(n: number, ins: readonly (RingTensor | KeyStream)[], outs: readonly RingTensor[], minPerThread: number): boolean {
    const k = kernels();
    if (k.program === undefined) return false;
    if (n === 0) return true;
    if (ins.length !== this.inputs || outs.length !== this.outputs) throw new RingError('block program: operand count does not match its slots');
    const l = LIMBS[this.field];
    const data = ins.map((t) => {
      if (!('data' in t)) return t;
      if (t.field !== this.field || t.size !== n) throw new RingError('block program: an input does not match the program');
      return t.data;
    });
    for (const o of outs) if (o.field !== this.field || o.size !== n) throw new RingError('block program: an output does not match the program');
    k.program(l, n, data, outs.map((o) => o.data), this.#temps, this.#steps, minPerThread);
    return true;
  }
}
