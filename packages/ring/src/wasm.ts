// WebAssembly kernels (wasm/ring.wat). Tensors live in JS BigUint64Arrays (transferable, viewable
// as bytes); kernels stream them through WASM scratch memory in blocks of 128 KiB per operand, so
// the extra copies hit L2 and main-memory traffic stays that of a single native pass
// (measurements in docs/ring.md). Matmul copies whole operands (O(n^2) copies vs O(n^3) work).
// Large kernels can be split over kernel threads (threads.ts).
import { cpus } from 'node:os';
import { RING_WASM_BASE64 } from './wasm-bytes.ts';
import type { RingKernels } from './backend.ts';
import type { FieldType } from './field.ts';
import { wipeMatmulBlocks } from './linalg.ts';
import { createCipheriv } from 'node:crypto';
import { truncPairSteps } from './programs.ts';
import { LEN as N, SPLIT_MIN_ELEMENTS, SPLIT_MIN_MACS, isShared, registerHelperModule, runBlocks, runMatmul, runSplit, slot, splitCount, winogradLevel, type CipherFor, type Exports, type KeyStream, type Step } from './threads.ts';

const [P0, P1, P2, P3, P4, P5] = [0, 1, 2, 3, 4, 5].map(slot) as [number, number, number, number, number, number];

interface RingExports {
  memory: WebAssembly.Memory;
  add64(a: number, b: number, o: number, n: number): void;
  sub64(a: number, b: number, o: number, n: number): void;
  neg64(a: number, o: number, n: number): void;
  mul64(a: number, b: number, o: number, n: number): void;
  muladd64(a: number, b: number, c: number, o: number, n: number): void;
  mulsc64(a: number, s: bigint, o: number, n: number): void;
  addsc64(a: number, s: bigint, o: number, n: number): void;
  shift64(a: number, s: bigint, kind: number, o: number, n: number): void;
  add128(a: number, b: number, o: number, n: number): void;
  sub128(a: number, b: number, o: number, n: number): void;
  neg128(a: number, o: number, n: number): void;
  mul128(a: number, b: number, o: number, n: number): void;
  muladd128(a: number, b: number, c: number, o: number, n: number): void;
  mulsc128(a: number, sl: bigint, sh: bigint, o: number, n: number): void;
  addsc128(a: number, sl: bigint, sh: bigint, o: number, n: number): void;
  shift128(a: number, s: bigint, kind: number, o: number, n: number): void;
  /** scr: MATMUL_SCRATCH bytes of kernel scratch that overlap no operand. */
  matmul64(a: number, b: number, o: number, m: number, k: number, n: number, scr: number): void;
  matmul128(a: number, b: number, o: number, m: number, k: number, n: number, scr: number): void;
  /** Scalar columns (1 or 2) per matmul64 panel beside its four SIMD columns, for this instance. */
  matmul64Tile(scalarColumns: number): void;
}

/** Parameter count of every kernel: the compiled module is checked against RingExports once, on load. */
const KERNEL_ARITY: Record<Exclude<keyof RingExports, 'memory'>, number> = {
  add64: 4, sub64: 4, neg64: 3, mul64: 4, muladd64: 5, mulsc64: 4, addsc64: 4, shift64: 5,
  add128: 4, sub128: 4, neg128: 3, mul128: 4, muladd128: 5, mulsc128: 5, addsc128: 5, shift128: 5,
  matmul64: 7, matmul128: 7, matmul64Tile: 1,
};

/** The instance's exports: the typed kernels, and by name for the block programs (blocks.ts). */
type Instance = Exports & RingExports;

function isRingExports(x: Record<string, unknown>): x is Instance {
  return x.memory instanceof WebAssembly.Memory && Object.entries(KERNEL_ARITY).every(([name, n]) => typeof x[name] === 'function' && x[name].length === n);
}

let compiled: WebAssembly.Module | undefined;

function ringModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(RING_WASM_BASE64, 'base64'));
  return compiled;
}

/**
 * Scalar columns per matmul64 panel (beside its four SIMD columns), by CPU vendor. On an Intel Xeon
 * two were best (V8's lowering of the 32-bit vector multiplies costs more uops there, so the scalar
 * multiplier takes a larger share); on an AMD EPYC (Zen 3) one is 11-23% faster than two (raw
 * kernel, 125^3-500^3), and on Zen 4 the two were within 5%. The results are identical either way
 * (exact arithmetic), so the choice only moves time.
 */
const MATMUL64_SCALAR_COLUMNS = /intel/i.test(cpus()[0]?.model ?? '') ? 2 : 1;

/** A fresh instance of the ring module (its own memory). */
function instantiate(): Instance {
  const x = new WebAssembly.Instance(ringModule(), {}).exports;
  if (!isRingExports(x)) throw new Error('the ring WASM module does not export the kernels this build expects');
  x.matmul64Tile(MATMUL64_SCALAR_COLUMNS);
  return x;
}

/** Scratch the matmul kernels need past their operands (matmul64 packs a 256-deep panel of five or six columns of B there). */
export const MATMUL_SCRATCH = 12288;

/** Bytes per operand block when streaming elementwise ops (4 x 128 KiB = 512 KiB; best of 8-256 KiB here). */
const BLOCK_BYTES = 128 * 1024;
/** Scratch above this after a matmul is released by dropping the instance. */
const KEEP_BYTES = 64 * 1024 * 1024;
const PAGE = 65536;
const M64 = (1n << 64n) - 1n;

class Scratch {
  readonly x: Instance;
  u64: BigUint64Array;

  constructor() {
    this.x = instantiate();
    this.u64 = new BigUint64Array(this.x.memory.buffer);
  }

  ensure(bytes: number): void {
    const have = this.x.memory.buffer.byteLength;
    if (bytes > have) this.x.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.u64.buffer !== this.x.memory.buffer) this.u64 = new BigUint64Array(this.x.memory.buffer);
  }
}

let scratch: Scratch | undefined;
function sc(): Scratch {
  scratch ??= new Scratch();
  return scratch;
}

/**
 * Zero the scratch memory (it holds copies of the last operands, i.e. shares) and release it.
 * For per-task hygiene: the runtime can call this when a task ends.
 */
export function wipeRingScratch(): void {
  wipeMatmulBlocks();
  for (const key of ['a', 'b', 'o'] as const) {
    stage[key]?.fill(0n);
    delete stage[key];
  }
  scratch?.u64.fill(0n);
  scratch = undefined;
}

/** WASM instances whose (never-growing) memory backs a RingArena, keyed by that memory's buffer. */
const arenaInstances = new WeakMap<ArrayBufferLike, RingExports>();

/**
 * A separate instance with a fixed memory of at least `bytes` (grown once, before any view exists,
 * and never again, so views over it are never detached). Used by RingArena, which must leave the
 * last MATMUL_SCRATCH bytes to the matmul kernel.
 */
export function createArenaMemory(bytes: number): ArrayBuffer {
  const x = instantiate();
  const have = x.memory.buffer.byteLength;
  if (bytes + MATMUL_SCRATCH > have) x.memory.grow(Math.ceil((bytes + MATMUL_SCRATCH - have) / PAGE));
  arenaInstances.set(x.memory.buffer, x);
  return x.memory.buffer;
}

/** The arena instance when every array lives in the same arena: kernels then run in place. */
function resident(a: BigUint64Array, b: BigUint64Array, c?: BigUint64Array, d?: BigUint64Array): RingExports | undefined {
  const x = arenaInstances.get(a.buffer);
  if (x === undefined || b.buffer !== a.buffer || (c !== undefined && c.buffer !== a.buffer) || (d !== undefined && d.buffer !== a.buffer)) return undefined;
  return x;
}

type Bin = (a: number, b: number, o: number, n: number) => void;

const overlaps = (p: BigUint64Array, q: BigUint64Array): boolean => p.byteOffset < q.byteOffset + q.byteLength && q.byteOffset < p.byteOffset + p.byteLength;

/**
 * A block program run directly on its operands when every one lives in the same arena: slots are
 * the operands' own offsets, so nothing is copied. Only when that gives the result the streamed run
 * gives: no temporaries, no step writes an input slot (a step's output is always the argument
 * before the length), and no output overlaps an input (the streamed run reads every input block
 * before writing any output block; here a later step would read an earlier step's output).
 */
function inPlace(n: number, ins: readonly BigUint64Array[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[]): boolean {
  const first = ins[0] ?? outs[0];
  if (first === undefined || temps !== 0) return false;
  const x = arenaInstances.get(first.buffer) as Record<string, unknown> | undefined;
  if (x === undefined) return false;
  const all = [...ins, ...outs];
  if (!all.every((t) => t.buffer === first.buffer)) return false;
  if (outs.some((o) => ins.some((i) => overlaps(o, i)))) return false;
  if (prog.some((st) => { const w = st[st.length - 2]; return typeof w === 'number' && w < -1 && -2 - w < ins.length; })) return false;
  for (const st of prog) {
    const args = (st.slice(1) as (number | bigint)[]).map((a) => (a === N ? n : typeof a === 'number' && a < -1 ? (all[-2 - a] as BigUint64Array).byteOffset : a));
    (x[st[0]] as (...v: (number | bigint)[]) => void)(...args);
  }
  return true;
}

/**
 * Run a block program (blocks.ts) over n elements: through this thread's scratch, or split over
 * the kernel threads when every operand is shared memory and n is large (threads.ts).
 */
function blocks(l: number, n: number, ins: BigUint64Array[], outs: BigUint64Array[], temps: number, prog: readonly Step[]): void {
  if (inPlace(n, ins, outs, temps, prog)) return;
  const run = (lo: number, hi: number): void => {
    const s = sc();
    s.u64 = runBlocks(s.x, s.u64, l, lo, hi, ins, outs, temps, prog);
  };
  const parts = splitCount(n, SPLIT_MIN_ELEMENTS);
  if (parts > 1 && ins.every(isShared) && outs.every(isShared)) runSplit(n, parts, 64, (lo, hi) => ({ kind: 'blocks', l, lo, hi, ins, outs, temps, prog }), run);
  else run(0, n);
}

const cipherFor: CipherFor = (seed, iv) => createCipheriv('aes-128-ctr', seed, iv);

/** A block program with keystream inputs (programs.ts), split over the kernel threads from minPerThread elements each. */
function program(l: number, n: number, ins: readonly (BigUint64Array | KeyStream)[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[], minPerThread: number): void {
  const run = (lo: number, hi: number): void => {
    const s = sc();
    s.u64 = runBlocks(s.x, s.u64, l, lo, hi, ins, outs, temps, prog, cipherFor);
  };
  const parts = splitCount(n, minPerThread);
  if (parts > 1 && ins.every((t) => !(t instanceof BigUint64Array) || isShared(t)) && outs.every(isShared))
    runSplit(n, parts, 64, (lo, hi) => ({ kind: 'blocks', l, lo, hi, ins: [...ins], outs: [...outs], temps, prog }), run);
  else run(0, n);
}

const SHR = 0, LSHR = 1, SHL = 2;
const limbs = (f: FieldType): number => (f === 'FM64' ? 1 : 2);
const fnName = (f: FieldType, base: string): string => base + (f === 'FM64' ? '64' : '128');
/** A scalar operand as the WASM exports take it (FM128: low limb, high limb). */
const scalar = (f: FieldType, s: bigint): bigint[] => (f === 'FM64' ? [s] : [s & M64, s >> 64n]);

function bin(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number, op: 'add' | 'sub' | 'mul'): void {
  const name = fnName(f, op) as 'add64';
  const r = resident(a, b, out);
  if (r !== undefined) r[name](a.byteOffset, b.byteOffset, out.byteOffset, n);
  else blocks(limbs(f), n, [a, b], [out], 0, [[name, P0, P1, P2, N]]);
}

function shift(f: FieldType, kind: number, a: BigUint64Array, bits: number, out: BigUint64Array, n: number): void {
  if (bits === 0) {
    out.set(a.subarray(0, out.length));
    return;
  }
  const r = resident(a, out);
  if (r !== undefined) (f === 'FM64' ? r.shift64 : r.shift128)(a.byteOffset, BigInt(bits), kind, out.byteOffset, n);
  else blocks(limbs(f), n, [a], [out], 0, [[fnName(f, 'shift'), P0, BigInt(bits), kind, P1, N]]);
}

function scalarOp(f: FieldType, op: 'mulsc' | 'addsc', a: BigUint64Array, s: bigint, out: BigUint64Array, n: number): void {
  const r = resident(a, out);
  if (r !== undefined) {
    if (f === 'FM64') r[`${op}64`](a.byteOffset, s, out.byteOffset, n);
    else r[`${op}128`](a.byteOffset, s & M64, s >> 64n, out.byteOffset, n);
  } else blocks(limbs(f), n, [a], [out], 0, [[fnName(f, op), P0, ...scalar(f, s), P1, N]]);
}

/** Staging shared memory for matmul operands that are not shared themselves (kept between calls). */
const stage: { a?: BigUint64Array; b?: BigUint64Array; o?: BigUint64Array } = {};
function staged(key: 'a' | 'b' | 'o', src: BigUint64Array | undefined, limbsNeeded: number): BigUint64Array {
  let t = stage[key];
  // Always shared memory, whatever the size: a helper writes its rows of `o` in place.
  if (t === undefined || t.length < limbsNeeded) t = stage[key] = new BigUint64Array(new SharedArrayBuffer(limbsNeeded * 8));
  if (src !== undefined) t.set(src.subarray(0, limbsNeeded));
  return t;
}

function matmulSplit(l: number, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number, parts: number, acc: boolean): void {
  const direct = isShared(a) && isShared(b) && isShared(out);
  const sa = direct ? a : staged('a', a, m * k * l);
  const sb = direct ? b : staged('b', b, k * n * l);
  const so = direct ? out : staged('o', acc ? out : undefined, m * n * l);
  let step = 0;
  runSplit(m, parts, 1, (i0, i1) => ({ kind: 'matmul', l, a: sa, b: sb, out: so, i0, i1, k, n, acc }), (i0, i1) => {
    step = i1;
    if (runMatmul(sc().x, winogradLevel, l, a, b, out, i0, i1, k, n, acc) > KEEP_BYTES) scratch = undefined;
  });
  if (!direct) out.set(so.subarray(step * n * l, m * n * l), step * n * l);
  if (!direct && (m * k + k * n + m * n) * l * 8 > KEEP_BYTES) (['a', 'b', 'o'] as const).forEach((key) => delete stage[key]);
}

export const wasmKernels: RingKernels = {
  name: 'wasm',
  add: (f, a, b, out, n) => bin(f, a, b, out, n, 'add'),
  sub: (f, a, b, out, n) => bin(f, a, b, out, n, 'sub'),
  mul: (f, a, b, out, n) => bin(f, a, b, out, n, 'mul'),
  neg: (f, a, out, n) => {
    const r = resident(a, out);
    if (r !== undefined) (f === 'FM64' ? r.neg64 : r.neg128)(a.byteOffset, out.byteOffset, n);
    else blocks(limbs(f), n, [a], [out], 0, [[fnName(f, 'neg'), P0, P1, N]]);
  },
  mulAdd: (f, a, b, c, out, n) => {
    const r = resident(a, b, c, out);
    if (r !== undefined) (f === 'FM64' ? r.muladd64 : r.muladd128)(a.byteOffset, b.byteOffset, c.byteOffset, out.byteOffset, n);
    else blocks(limbs(f), n, [a, b, c], [out], 0, [[fnName(f, 'muladd'), P0, P1, P2, P3, N]]);
  },
  mulScalar: (f, a, s, out, n) => scalarOp(f, 'mulsc', a, s, out, n),
  addScalar: (f, a, s, out, n) => scalarOp(f, 'addsc', a, s, out, n),
  // Fused sequences (fused.ts): one copy of each operand per block, several kernels on the
  // cache-resident blocks.
  beaver: (fl, e, b, f, a, c, withEf, out, n) => {
    const muladd = fnName(fl, 'muladd');
    // slots: e0 b1 f2 a3 c4 | z5.  z = c + e*(b + f) + f*a (= c + e b + f a + e f) when withEf.
    blocks(limbs(fl), n, [e, b, f, a, c], [out], 0, [
      ...(withEf ? [[fnName(fl, 'add'), P1, P2, P1, N] as const] : []),
      [muladd, P0, P1, P4, P5, N],
      [muladd, P2, P3, P5, P5, N],
    ]);
  },
  beaverMask: (fl, x, a, eP, y, b, fP, c, r, withEf, s, out, keep, n) => {
    const add = fnName(fl, 'add'), sub = fnName(fl, 'sub'), muladd = fnName(fl, 'muladd'), addsc = fnName(fl, 'addsc');
    const square = y === x && b === a && fP === eP;
    // General: slots x0 a1 eP2 y3 b4 fP5 c6 [r] | out [keep] | E F.
    // Square (y = x, b = a, fP = eP): slots x0 a1 eP2 c3 [r] | out [keep] | E; z = c + E (2a (+ E)).
    const ins = square ? [x, a, eP, c] : [x, a, eP, y, b, fP, c];
    if (r !== undefined) ins.push(r);
    const outs = keep === undefined ? [out] : [out, keep];
    const R = slot(ins.length - 1), O = slot(ins.length), K = slot(ins.length + 1);
    const E = slot(ins.length + outs.length), F = slot(ins.length + outs.length + 1);
    const prog: Step[] = [[sub, P0, P1, E, N], [add, E, P2, E, N]];
    if (square) {
      prog.push([add, P1, P1, P1, N]);
      if (withEf) prog.push([add, P1, E, P1, N]);
      prog.push([muladd, E, P1, P3, O, N]);
    } else {
      // z = c + E (b (+ F)) + F a
      prog.push([sub, P3, P4, F, N], [add, F, P5, F, N]);
      if (withEf) prog.push([add, P4, F, P4, N]);
      prog.push([muladd, E, P4, slot(6), O, N], [muladd, F, P1, O, O, N]);
    }
    if (r !== undefined) {
      prog.push([add, O, R, O, N]);
      if (s !== 0n) prog.push([addsc, O, ...scalar(fl, s), O, N]);
    }
    if (keep !== undefined) prog.push([addsc, O, ...scalar(fl, 0n), K, N]);
    blocks(limbs(fl), n, ins, outs, square ? 1 : 2, prog);
  },
  truncFinish: (fl, c, rTop, d, bits, withC, out, n, cPeer) => {
    const k = fl === 'FM64' ? 64n : 128n;
    const sh = fnName(fl, 'shift'), add = fnName(fl, 'add');
    // slots: c0 rTop1 d2 [cPeer3] | y | t.  t = 2 (c >> (k-1)) is 0 or -2; y = d + t rTop (+ c >>> bits).
    const ins = cPeer === undefined ? [c, rTop, d] : [c, rTop, d, cPeer];
    const Y = slot(ins.length), T = slot(ins.length + 1);
    const tail: Step[] = !withC ? [] : bits > 0 ? [[sh, P0, BigInt(bits), LSHR, T, N], [add, Y, T, Y, N]] : [[add, Y, P0, Y, N]];
    blocks(limbs(fl), n, ins, [out], 1, [
      ...(cPeer === undefined ? [] : [[add, P0, P3, P0, N] as const]),
      [sh, P0, k - 1n, SHR, T, N],
      [sh, T, 1n, SHL, T, N],
      [fnName(fl, 'muladd'), T, P1, P2, Y, N],
      ...tail,
    ]);
  },
  truncPair: (fl, r, bits, d, rTop, n) => {
    // slots: r0 | d1 rTop2 (the steps are programs.ts's, shared with the dealer's block programs).
    blocks(limbs(fl), n, [r], [d, rTop], 0, truncPairSteps(fl, bits, P0, P1, P2));
  },
  program,
  rowBroadcast: (f, op, a, v, out, m, n) => {
    const l = f === 'FM64' ? 1 : 2;
    const x = sc().x;
    const fn: Bin = op === 'mul' ? (l === 1 ? x.mul64 : x.mul128) : l === 1 ? x.add64 : x.add128;
    const blk = BLOCK_BYTES / (8 * l);
    if (n > blk) {
      for (let i = 0; i < m; i++) {
        const row = a.subarray(i * n * l, (i + 1) * n * l);
        blocks(l, n, [row, v], [out.subarray(i * n * l, (i + 1) * n * l)], 0, [[fnName(f, op === 'mul' ? 'mul' : 'add'), P0, P1, P2, N]]);
      }
      return;
    }
    // v repeated R times fills one block; stream a in chunks of R rows against it.
    const R = Math.floor(blk / n);
    const s = sc();
    s.ensure(BLOCK_BYTES * 3);
    const mem = s.u64;
    const vLimb = (BLOCK_BYTES / 8);
    for (let r = 0; r < R; r++) mem.set(v.subarray(0, n * l), vLimb + r * n * l);
    const oLimb = 2 * vLimb;
    for (let i = 0; i < m; i += R) {
      const rows = Math.min(R, m - i);
      const lo = i * n * l, hi = (i + rows) * n * l;
      mem.set(a.subarray(lo, hi), 0);
      fn(0, BLOCK_BYTES, 2 * BLOCK_BYTES, rows * n);
      out.set(mem.subarray(oLimb, oLimb + (hi - lo)), lo);
    }
  },
  shr: (f, a, bits, out, n) => shift(f, 0, a, bits, out, n),
  lshr: (f, a, bits, out, n) => shift(f, 1, a, bits, out, n),
  shl: (f, a, bits, out, n) => shift(f, 2, a, bits, out, n),
  winograd: winogradResident,
  splitLevels: true,
  matmul: (f, a, b, out, m, k, n, acc = false) => {
    const l = f === 'FM64' ? 1 : 2;
    const r = resident(a, b, out);
    if (r !== undefined) {
      if (!acc) out.fill(0n);
      (l === 1 ? r.matmul64 : r.matmul128)(a.byteOffset, b.byteOffset, out.byteOffset, m, k, n, a.buffer.byteLength - MATMUL_SCRATCH);
      return;
    }
    const parts = Math.min(m, splitCount(m * k * n, SPLIT_MIN_MACS));
    if (parts > 1) {
      matmulSplit(l, a, b, out, m, k, n, parts, acc);
      return;
    }
    const s = sc();
    const aL = m * k * l, bL = k * n * l, oL = m * n * l;
    const total = (aL + bL + oL) * 8 + MATMUL_SCRATCH;
    s.ensure(total);
    const mem = s.u64;
    mem.set(a.subarray(0, aL), 0);
    mem.set(b.subarray(0, bL), aL);
    if (acc) mem.set(out.subarray(0, oL), aL + bL);
    else mem.fill(0n, aL + bL, aL + bL + oL);
    (l === 1 ? s.x.matmul64 : s.x.matmul128)(0, aL * 8, (aL + bL) * 8, m, k, n, (aL + bL + oL) * 8);
    out.set(mem.subarray(aL + bL, aL + bL + oL));
    if (total > KEEP_BYTES) scratch = undefined; // memory cannot shrink: drop the instance
  },
};

/** Copy the four (hr x hc) blocks of src (rows x cols, l limbs per element) to limb offsets at[0..3] of mem. */
function gatherBlocks(mem: BigUint64Array, src: BigUint64Array, cols: number, l: number, hr: number, hc: number, at: readonly number[]): void {
  const rowL = cols * l, hL = hc * l;
  for (let q = 0; q < 4; q++)
    for (let r = 0; r < hr; r++) {
      const s0 = ((q >> 1) * hr + r) * rowL + (q & 1) * hL;
      mem.set(src.subarray(s0, s0 + hL), (at[q] as number) + r * hL);
    }
}

/** Limb offsets of one resident level's blocks from `base`: A11 A12 A21 A22 S1 S2 S3 S4 | B11 B12 B21 B22 T1 T2 T3 T4 | C11 C12 C21 C22 U V W (X). */
function levelLayout(base: number, aQ: number, bQ: number, cQ: number): [(i: number) => number, (i: number) => number, (i: number) => number] {
  return [(i) => base + i * aQ, (i) => base + 8 * aQ + i * bQ, (i) => base + 8 * aQ + 8 * bQ + i * cQ];
}


/**
 * Inside the resident level, a half-size product takes one more level when every dimension is even
 * and at least this (so leaves are >= 200): the kernel runs 250^3 at the rate of 500^3, so the
 * eighth product saved outweighs the level's O(n^2) additions and copies, which stay in WASM memory.
 */
const RESIDENT_INNER_MIN = 400;

const innerLevel = (m: number, k: number, n: number): boolean => m % 2 === 0 && k % 2 === 0 && n % 2 === 0 && Math.min(m, k, n) >= RESIDENT_INNER_MIN;

/** Bytes of the blocks of an inner resident level for an m x k x n product (no block for out: it accumulates in place). */
const innerBytes = (l: number, m: number, k: number, n: number): number => ((8 * (m / 2) * (k / 2) + 8 * (k / 2) * (n / 2) + 7 * (m / 2) * (n / 2)) * l) * 8;

/**
 * c += a . b on contiguous row-major matrices at byte offsets of the scratch memory; with `inner`, one
 * Winograd level whose blocks start at byte offset ws (the kernel's scratch after them), else the
 * kernel with its scratch at ws.
 */
function productResident(s: Scratch, l: number, a: number, b: number, c: number, m: number, k: number, n: number, ws: number, inner: boolean): void {
  const x = s.x, mem = s.u64;
  const mm = l === 1 ? x.matmul64 : x.matmul128;
  if (!inner) {
    mm(a, b, c, m, k, n, ws);
    return;
  }
  const h = m / 2, kh = k / 2, nh = n / 2;
  const [A, B, C] = levelLayout(ws / 8, h * kh * l, kh * nh * l, h * nh * l);
  const quarters = (src: number, rows: number, cols: number, at: (i: number) => number): void => {
    const s0 = src / 8, hr = rows / 2, hc = (cols / 2) * l, rowL = cols * l;
    for (let q = 0; q < 4; q++)
      for (let r = 0; r < hr; r++) {
        const from = s0 + ((q >> 1) * hr + r) * rowL + (q & 1) * hc;
        mem.copyWithin(at(q) + r * hc, from, from + hc);
      }
  };
  quarters(a, m, k, A);
  quarters(b, k, n, B);
  const leafWs = ws + innerBytes(l, m, k, n);
  winogradLevel(l === 1 ? x.add64 : x.add128, l === 1 ? x.sub64 : x.sub128, mem, A, B, C, h * kh, kh * nh, h * nh, l, (ai, bi, ci) => mm(A(ai) * 8, B(bi) * 8, C(ci) * 8, h, kh, nh, leafWs));
  const add = l === 1 ? x.add64 : x.add128;
  const hL = nh * l;
  for (let q = 0; q < 4; q++)
    for (let r = 0; r < h; r++) {
      const d = c + (((q >> 1) * h + r) * n * l + (q & 1) * hL) * 8;
      add(d, (C(q) + r * hL) * 8, d, nh);
    }
}

// The Winograd level of linalg.ts with every block resident in the scratch memory: the additions
// and the seven products run on offsets, and each operand crosses into WASM memory once (blocks
// gathered straight from the caller's rows) instead of once per addition and per product. The
// seven half-size products may take one more level there (productResident).
function winogradResident(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number, acc: boolean): boolean {
  const l = limbs(f);
  const h = m / 2, kh = k / 2, nh = n / 2;
  const aQ = h * kh * l, bQ = kh * nh * l, cQ = h * nh * l; // limbs per block
  const blocksEnd = (8 * aQ + 8 * bQ + (acc ? 8 : 7) * cQ) * 8; // accumulating: one more block for out's
  if (blocksEnd + MATMUL_SCRATCH > KEEP_BYTES) return false; // would be dropped after the call: the generic path reuses its blocks
  const inner = innerLevel(h, kh, nh) && blocksEnd + innerBytes(l, h, kh, nh) + MATMUL_SCRATCH <= KEEP_BYTES;
  const s = sc();
  s.ensure(blocksEnd + (inner ? innerBytes(l, h, kh, nh) : 0) + MATMUL_SCRATCH);
  const mem = s.u64, x = s.x;
  const [A, B, C] = levelLayout(0, aQ, bQ, cQ);
  gatherBlocks(mem, a, k, l, h, kh, [A(0), A(1), A(2), A(3)]);
  gatherBlocks(mem, b, n, l, kh, nh, [B(0), B(1), B(2), B(3)]);
  const cn = h * nh;
  winogradLevel(l === 1 ? x.add64 : x.add128, l === 1 ? x.sub64 : x.sub128, mem, A, B, C, h * kh, kh * nh, cn, l, (ai, bi, ci) => productResident(s, l, A(ai) * 8, B(bi) * 8, C(ci) * 8, h, kh, nh, blocksEnd, inner));
  if (acc) {
    // U V W are free again: with X they take out's four blocks, added into C11..C22.
    const add = l === 1 ? x.add64 : x.add128;
    gatherBlocks(mem, out, n, l, h, nh, [C(4), C(5), C(6), C(7)]);
    for (let q = 0; q < 4; q++) add(C(q) * 8, C(4 + q) * 8, C(q) * 8, cn);
  }
  const rowL = n * l, hL = nh * l;
  for (let q = 0; q < 4; q++)
    for (let r = 0; r < h; r++) out.set(mem.subarray(C(q) + r * hL, C(q) + (r + 1) * hL), ((q >> 1) * h + r) * rowL + (q & 1) * hL);
  return true;
}

registerHelperModule(ringModule, KEEP_BYTES, MATMUL64_SCALAR_COLUMNS);

/** True when this runtime can compile the module (SIMD is required). */
export function wasmAvailable(): boolean {
  try {
    sc();
    return true;
  } catch {
    return false;
  }
}
