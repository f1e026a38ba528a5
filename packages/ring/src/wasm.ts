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
import { nativeAes } from './aes-native.ts';
import { keystreamAt } from './prg.ts';
import { truncPairSteps } from './programs.ts';
import { LEN as N, SPLIT_MIN_ELEMENTS, SPLIT_MIN_MACS, isShared, registerHelperModule, runBlocks, runMatmul, runSplit, slot, splitCount, winogradLevel, type Exports, type KeyStream, type Step } from './threads.ts';

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
  /** Scalar columns (1, 2 or 3) per matmul64 panel beside its four SIMD columns, for this instance. */
  matmul64Tile(scalarColumns: number): void;
  /** A Winograd level's S1..S4 (T1..T4) from A11..A22 (B11..B22) in one pass, FM64. */
  winoS64(a11: number, a12: number, a21: number, a22: number, s1: number, s2: number, s3: number, s4: number, n: number): void;
  winoT64(b11: number, b12: number, b21: number, b22: number, t1: number, t2: number, t3: number, t4: number, n: number): void;
  /** o += a + b (o += a - b when neg is 1), FM64. */
  addpm64(o: number, a: number, b: number, neg: number, n: number): void;
}

/** Parameter count of every kernel: the compiled module is checked against RingExports once, on load. */
const KERNEL_ARITY: Record<Exclude<keyof RingExports, 'memory'>, number> = {
  add64: 4, sub64: 4, neg64: 3, mul64: 4, muladd64: 5, mulsc64: 4, addsc64: 4, shift64: 5,
  add128: 4, sub128: 4, neg128: 3, mul128: 4, muladd128: 5, mulsc128: 5, addsc128: 5, shift128: 5,
  matmul64: 7, matmul128: 7, matmul64Tile: 1, winoS64: 9, winoT64: 9, addpm64: 5,
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
 * three are best (V8's lowering of the 32-bit vector multiplies costs about 3.5 vector uops per
 * multiply-add, a scalar column one multiply on its own port: at 125^3-257^3 the raw kernel ran
 * 3-8% faster with three than with two on a Sapphire Rapids class Xeon; four spill); on an AMD EPYC
 * (Zen 3) one is 11-23% faster than two (raw kernel, 125^3-500^3), and on Zen 4 the two were within
 * 5%. The results are identical either way (exact arithmetic), so the choice only moves time.
 */
const MATMUL64_SCALAR_COLUMNS = /intel/i.test(cpus()[0]?.model ?? '') ? 3 : 1;

/**
 * The panel width this process's instances run matmul64 with: the vendor's guess above until the
 * first large one-thread resident product has measured the three widths on its own leaves
 * (measureLeaf), then the measured best. The best width follows the core, not the vendor string (on
 * Intel VMs two and three have each been the best, on AMD Zen 3 one, on Zen 4 one and two within
 * 5%), and the leaves of one product are the same shape, so timing them costs nothing extra.
 */
let matmulTile = MATMUL64_SCALAR_COLUMNS;

/** A fresh instance of the ring module (its own memory). */
function instantiate(): Instance {
  const x = new WebAssembly.Instance(ringModule(), {}).exports;
  if (!isRingExports(x)) throw new Error('the ring WASM module does not export the kernels this build expects');
  x.matmul64Tile(matmulTile);
  return x;
}

/** Scratch the matmul kernels need past their operands (matmul64 packs a panel of up to 256 rows of four to seven columns of B there, at most 12 KiB). */
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
  // A row range run here by the split product may have grown the memory under an older view.
  if (scratch !== undefined) new BigUint64Array(scratch.x.memory.buffer).fill(0n);
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

/** A block program with keystream inputs (programs.ts), split over the kernel threads from minPerThread elements each. */
function program(l: number, n: number, ins: readonly (BigUint64Array | KeyStream)[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[], minPerThread: number): void {
  const run = (lo: number, hi: number): void => {
    const s = sc();
    s.u64 = runBlocks(s.x, s.u64, l, lo, hi, ins, outs, temps, prog, keystreamAt, nativeAes());
  };
  const parts = splitCount(n, minPerThread);
  if (parts > 1 && ins.every((t) => !(t instanceof BigUint64Array) || isShared(t)) && outs.every(isShared))
    runSplit(n, parts, 64, (lo, hi) => ({ kind: 'blocks', l, lo, hi, ins: [...ins], outs: [...outs], temps, prog }), run);
  else run(0, n);
}

/** blocks(), or a keystream program when an input is a keystream (its blocks expanded straight into their slots). */
function fusedRun(l: number, n: number, ins: (BigUint64Array | KeyStream)[], outs: BigUint64Array[], temps: number, prog: readonly Step[]): void {
  if (ins.every((t): t is BigUint64Array => t instanceof BigUint64Array)) blocks(l, n, ins, outs, temps, prog);
  else program(l, n, ins, outs, temps, prog, SPLIT_MIN_ELEMENTS);
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
  runSplit(m, parts, 1, (i0, i1) => ({ kind: 'matmul', l, a: sa, b: sb, out: so, i0, i1, k, n, acc, tile: matmulTile }), (i0, i1) => {
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
    const ins: (BigUint64Array | KeyStream)[] = square ? [x, a, eP, c] : [x, a, eP, y, b, fP, c];
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
    fusedRun(limbs(fl), n, ins, outs, square ? 1 : 2, prog);
  },
  truncFinish: (fl, c, rTop, d, bits, withC, out, n, cPeer) => {
    const k = fl === 'FM64' ? 64n : 128n;
    const sh = fnName(fl, 'shift'), add = fnName(fl, 'add');
    // slots: c0 rTop1 d2 [cPeer3] | y | t.  t = 2 (c >> (k-1)) is 0 or -2; y = d + t rTop (+ c >>> bits).
    const ins = cPeer === undefined ? [c, rTop, d] : [c, rTop, d, cPeer];
    const Y = slot(ins.length), T = slot(ins.length + 1);
    const tail: Step[] = !withC ? [] : bits > 0 ? [[sh, P0, BigInt(bits), LSHR, T, N], [add, Y, T, Y, N]] : [[add, Y, P0, Y, N]];
    fusedRun(limbs(fl), n, ins, [out], 1, [
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
      if (l === 1) r.matmul64Tile(matmulTile); // an arena instance may predate the measurement
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

// The one-thread resident Strassen-Winograd levels. Every block lives in the scratch memory in a
// nested-quarter layout: a block of depth d > 0 is its four quarters (11 12 21 22) one after the
// other, each a block of depth d - 1; depth 0 is row-major. Elementwise additions do not care about
// the layout (every block of a level has the same one), so the levels below the first address their
// quarters where they are: the operands are placed once, when they are copied in from the caller's
// rows, and the results are read out once, and no level copies quarters in or adds its result blocks
// back into its parent's (each level accumulates straight into the parent's block).

/**
 * Inside the resident level, a half-size product takes one more level when every dimension is even
 * and at least this (so leaves are >= 100). With the quarters addressed in place, a level costs only
 * its additions, and at 1000^3 FM64 (AMD EPYC, CPU time, one process alternating old and new) a
 * third level (leaves of 125^3) took the product from 165 to 157 ms: the kernel runs 125^3 nearly
 * at the rate of 250^3, so the eighth product saved outweighs the additions.
 */
const RESIDENT_INNER_MIN = 200;

const innerLevel = (m: number, k: number, n: number): boolean => m % 2 === 0 && k % 2 === 0 && n % 2 === 0 && Math.min(m, k, n) >= RESIDENT_INNER_MIN;

/** Levels below the first for an m x k x n product (each halves every dimension). */
function innerDepth(m: number, k: number, n: number): number {
  let d = 0;
  while (innerLevel(m, k, n)) [m, k, n, d] = [m / 2, k / 2, n / 2, d + 1];
  return d;
}

/** Scratch bytes of the levels below the first, from an m x k x n product down (S1..S4, T1..T4, U V W per level). */
function innerBytes(l: number, m: number, k: number, n: number, depth: number): number {
  let bytes = 0;
  for (let d = 0; d < depth; d++) {
    [m, k, n] = [m / 2, k / 2, n / 2];
    bytes += (4 * m * k + 4 * k * n + 3 * m * n) * l * 8;
  }
  return bytes;
}

/**
 * Copy the rows x cols matrix at limb `from` of src (row stride rowL limbs) into the nested layout of
 * depth d at limb `to` of mem, or (out) the other way.
 */
function place(mem: BigUint64Array, to: number, src: BigUint64Array, from: number, rowL: number, rows: number, cols: number, l: number, d: number, out: boolean): void {
  if (d === 0) {
    const w = cols * l;
    for (let r = 0; r < rows; r++) {
      if (out) src.set(mem.subarray(to + r * w, to + (r + 1) * w), from + r * rowL);
      else mem.set(src.subarray(from + r * rowL, from + r * rowL + w), to + r * w);
    }
    return;
  }
  const hr = rows / 2, hc = cols / 2, q = hr * hc * l;
  for (let i = 0; i < 4; i++) place(mem, to + i * q, src, from + (i >> 1) * hr * rowL + (i & 1) * hc * l, rowL, hr, hc, l, d - 1, out);
}

type MatmulFn = (a: number, b: number, o: number, m: number, k: number, n: number, scr: number) => void;

// Measuring the panel width (matmulTile) on the leaves of the first large resident FM64 product: the
// leaves rotate through one, two and three scalar columns; the first few are not counted (the
// kernel may still run its baseline code before V8's optimised tier arrives, and the caches are
// cold), then each width gets MEASURE_SAMPLES leaves, and the width with the lowest median time per
// multiply-add wins if it beats the vendor's guess by MEASURE_MARGIN (else the guess stays: a
// preempted sample should not move the choice). Wall time, since process CPU time would count the
// other threads; a 1000^3 product has 343 leaves of 125^3 (~0.5 ms each), of which 30 are used.
// On the Intel VM (load 10 from other jobs) six such runs measured 3.2-3.4, 3.5-3.8 and 3.7-4.0 G
// multiply-adds/s per leaf for one, two and three columns (three every time; with five samples and
// a 3% margin one run in six picked two).
// Every width gives the same result (exact arithmetic), so only the time depends on this.
const MEASURE_MIN_MACS = 1 << 20;
const MEASURE_SKIP = 3;
const MEASURE_SAMPLES = 9;
const MEASURE_MARGIN = 0.05;
let measuring: { leaf: number; perMac: number[][] } | undefined = { leaf: 0, perMac: [[], [], []] };

const median = (v: readonly number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1] as number;

function measureLeaf(x: Instance, state: { leaf: number; perMac: number[][] }, a: number, b: number, c: number, m: number, k: number, n: number, ws: number): void {
  const tile = 1 + (state.leaf % 3);
  x.matmul64Tile(tile);
  const t0 = performance.now();
  x.matmul64(a, b, c, m, k, n, ws);
  const dt = performance.now() - t0;
  if (state.leaf++ >= MEASURE_SKIP) (state.perMac[tile - 1] as number[]).push(dt / (m * k * n));
  if (state.perMac.every((t) => t.length >= MEASURE_SAMPLES)) {
    const med = state.perMac.map(median);
    const best = med.indexOf(Math.min(...med)) + 1;
    if ((med[best - 1] as number) < (med[MATMUL64_SCALAR_COLUMNS - 1] as number) * (1 - MEASURE_MARGIN)) matmulTile = best;
    measuring = undefined;
  }
  x.matmul64Tile(matmulTile);
}

/** The matmul64 panel width in use (scalar columns per panel), and whether it was measured yet. For tests and diagnostics. */
export function matmulPanelWidth(): { scalarColumns: number; measured: boolean } {
  return { scalarColumns: matmulTile, measured: measuring === undefined };
}

/**
 * Block c += block a . block b (byte offsets; m x k x n; blocks of depth d): the kernel at depth 0,
 * else one Winograd level on the blocks' quarters (linalg.ts's identities) with its S, T and U V W
 * blocks from byte offset ws and the level below after them. With `fresh`, c holds nothing yet and
 * is written instead of added to (one pass fewer per quarter).
 */
function levelProduct(x: Instance, mem: BigUint64Array, mm: MatmulFn, l: number, a: number, b: number, c: number, m: number, k: number, n: number, d: number, ws: number, fresh: boolean): void {
  if (d === 0) {
    if (fresh) mem.fill(0n, c / 8, c / 8 + m * n * l);
    if (l === 1 && measuring !== undefined && m * k * n >= MEASURE_MIN_MACS) measureLeaf(x, measuring, a, b, c, m, k, n, ws);
    else mm(a, b, c, m, k, n, ws);
    return;
  }
  const add = l === 1 ? x.add64 : x.add128, sub = l === 1 ? x.sub64 : x.sub128;
  const h = m / 2, kh = k / 2, nh = n / 2;
  const an = h * kh, bn = kh * nh, cn = h * nh;
  const aQ = an * l * 8, bQ = bn * l * 8, cQ = cn * l * 8;
  const A = (i: number): number => (i < 4 ? a + i * aQ : ws + (i - 4) * aQ);
  const B = (i: number): number => (i < 4 ? b + i * bQ : ws + 4 * aQ + (i - 4) * bQ);
  const D = (i: number): number => c + i * cQ;
  const U = ws + 4 * aQ + 4 * bQ, V = U + cQ, W = V + cQ, next = W + cQ;
  const prod = (ai: number, bi: number, to: number, first: boolean): void => levelProduct(x, mem, mm, l, A(ai), B(bi), to, h, kh, nh, d - 1, next, first);
  const copy = (to: number, from: number): void => void mem.copyWithin(to / 8, from / 8, from / 8 + cn * l);
  if (l === 1) {
    // The same identities, each set of four in one pass (winoS64, winoT64).
    x.winoS64(A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), an);
    x.winoT64(B(0), B(1), B(2), B(3), B(4), B(5), B(6), B(7), bn);
  } else {
    add(A(2), A(3), A(4), an); // S1 = A21 + A22
    sub(A(4), A(0), A(5), an); // S2 = S1 - A11
    sub(A(0), A(2), A(6), an); // S3 = A11 - A21
    sub(A(1), A(5), A(7), an); // S4 = A12 - S2
    sub(B(1), B(0), B(4), bn); // T1 = B12 - B11
    sub(B(3), B(4), B(5), bn); // T2 = B22 - T1
    sub(B(3), B(1), B(6), bn); // T3 = B22 - B12
    sub(B(5), B(2), B(7), bn); // T4 = T2 - B21
  }
  // to += p + q (to += p - q when neg), one pass for FM64.
  const addPair = (to: number, p: number, q: number, neg: boolean): void => {
    if (l === 1) x.addpm64(to, p, q, neg ? 1 : 0, cn);
    else {
      add(to, p, to, cn);
      (neg ? sub : add)(to, q, to, cn);
    }
  };
  prod(0, 0, U, true); // U = M1
  if (fresh) copy(D(0), U);
  else add(D(0), U, D(0), cn);
  prod(1, 2, D(0), false); // C11 (+)= M1 + M2
  prod(5, 5, U, false); // U = M1 + M6
  copy(V, U);
  prod(6, 6, V, false); // V = U + M7
  prod(4, 4, W, true); // W = M5
  if (fresh) {
    add(V, W, D(3), cn); // C22 = V + M5
    add(U, W, D(1), cn); // C12 = U + M5 ...
  } else {
    addPair(D(3), V, W, false);
    addPair(D(1), U, W, false);
  }
  prod(7, 3, D(1), false); // ... + M3
  prod(3, 7, W, true); // W = M4
  if (fresh) sub(V, W, D(2), cn); // C21 = V - M4
  else addPair(D(2), V, W, true);
}

// The Winograd level of linalg.ts with every block resident in the scratch memory: the additions
// and the seven products run on offsets, and each operand crosses into WASM memory once (placed
// straight from the caller's rows in the nested layout) instead of once per addition and per
// product. The seven half-size products may take more levels there (levelProduct).
function winogradResident(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number, acc: boolean): boolean {
  const l = limbs(f);
  const h = m / 2, kh = k / 2, nh = n / 2;
  const aQ = h * kh * l, bQ = kh * nh * l, cQ = h * nh * l; // limbs per block
  const blocksEnd = (8 * aQ + 8 * bQ + 7 * cQ) * 8; // A11..A22 S1..S4 | B11..B22 T1..T4 | C11..C22 U V W
  if (blocksEnd + MATMUL_SCRATCH > KEEP_BYTES) return false; // would be dropped after the call: the generic path reuses its blocks
  let depth = innerDepth(h, kh, nh);
  while (depth > 0 && blocksEnd + innerBytes(l, h, kh, nh, depth) + MATMUL_SCRATCH > KEEP_BYTES) depth--;
  const s = sc();
  s.ensure(blocksEnd + innerBytes(l, h, kh, nh, depth) + MATMUL_SCRATCH);
  const mem = s.u64, x = s.x;
  // A11..A22 | B11..B22 | C11..C22, then the first level's S, T and U V W blocks and the levels below.
  const aAt = 0, bAt = 4 * aQ, cAt = 4 * aQ + 4 * bQ, ws = (4 * aQ + 4 * bQ + 4 * cQ) * 8;
  place(mem, aAt, a, 0, k * l, m, k, l, depth + 1, false);
  place(mem, bAt, b, 0, n * l, k, n, l, depth + 1, false);
  if (acc) place(mem, cAt, out, 0, n * l, m, n, l, depth + 1, false);
  levelProduct(x, mem, l === 1 ? x.matmul64 : x.matmul128, l, aAt * 8, bAt * 8, cAt * 8, m, k, n, depth + 1, ws, !acc);
  place(mem, cAt, out, 0, n * l, m, n, l, depth + 1, true);
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
