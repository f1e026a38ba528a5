// WebAssembly kernels (wasm/ring.wat). Tensors live in JS BigUint64Arrays (transferable, viewable
// as bytes); kernels stream them through WASM scratch memory in blocks of 128 KiB per operand, so
// the extra copies hit L2 and main-memory traffic stays that of a single native pass
// (measurements in docs/ring.md). Matmul copies whole operands (O(n^2) copies vs O(n^3) work).
import { RING_WASM_BASE64 } from './wasm-bytes.ts';
import type { RingKernels } from './backend.ts';
import type { FieldType } from './field.ts';

// The repo's TS lib (ES2023, no DOM) does not declare the WebAssembly JS API; this is the part used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface RingExports {
  memory: WasmMemory;
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
  matmul64(a: number, b: number, o: number, m: number, k: number, n: number): void;
  matmul128(a: number, b: number, o: number, m: number, k: number, n: number): void;
}

/** Bytes per operand block when streaming elementwise ops (4 x 128 KiB = 512 KiB; best of 8-256 KiB here). */
const BLOCK_BYTES = 128 * 1024;
/** Scratch above this after a matmul is released by dropping the instance. */
const KEEP_BYTES = 64 * 1024 * 1024;
const PAGE = 65536;
const M64 = (1n << 64n) - 1n;

let compiled: object | undefined;

class Scratch {
  readonly x: RingExports;
  u64: BigUint64Array;

  constructor() {
    compiled ??= new WA.Module(Buffer.from(RING_WASM_BASE64, 'base64'));
    this.x = new WA.Instance(compiled, {}).exports as unknown as RingExports;
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
  scratch?.u64.fill(0n);
  scratch = undefined;
}

/** WASM instances whose (never-growing) memory backs a RingArena, keyed by that memory's buffer. */
const arenaInstances = new WeakMap<ArrayBufferLike, RingExports>();

/**
 * A separate instance with a fixed memory of at least `bytes` (grown once, before any view exists,
 * and never again, so views over it are never detached). Used by RingArena.
 */
export function createArenaMemory(bytes: number): ArrayBuffer {
  compiled ??= new WA.Module(Buffer.from(RING_WASM_BASE64, 'base64'));
  const x = new WA.Instance(compiled, {}).exports as unknown as RingExports;
  const have = x.memory.buffer.byteLength;
  if (bytes > have) x.memory.grow(Math.ceil((bytes - have) / PAGE));
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
type Un = (a: number, o: number, n: number) => void;

/**
 * Stream n elements (l limbs each) of up to three inputs through `run`, writing `out`. Copies go
 * through byte views with explicit offsets (no per-block subarray objects for the scratch side).
 */
function stream(
  l: number,
  n: number,
  inputs: readonly BigUint64Array[],
  out: BigUint64Array,
  run: (ptrs: readonly number[], o: number, len: number) => void,
): void {
  const s = sc();
  const blk = BLOCK_BYTES / (8 * l); // elements per block
  const limbsPerBlk = blk * l;
  const k = inputs.length;
  s.ensure(BLOCK_BYTES * (k + 1));
  const mem = s.u64;
  const ptrs = PTRS[k] as readonly number[];
  const oPtr = k * BLOCK_BYTES;
  const oLimb = k * limbsPerBlk;
  const i0 = inputs[0] as BigUint64Array, i1 = inputs[1], i2 = inputs[2];
  for (let off = 0; off < n; off += blk) {
    const len = Math.min(blk, n - off);
    const lo = off * l, hi = (off + len) * l;
    mem.set(i0.subarray(lo, hi), 0);
    if (i1 !== undefined) mem.set(i1.subarray(lo, hi), limbsPerBlk);
    if (i2 !== undefined) mem.set(i2.subarray(lo, hi), 2 * limbsPerBlk);
    run(ptrs, oPtr, len);
    out.set(mem.subarray(oLimb, oLimb + len * l), lo);
  }
}

const PTRS: readonly (readonly number[])[] = [[], [0], [0, BLOCK_BYTES], [0, BLOCK_BYTES, 2 * BLOCK_BYTES]];

/**
 * Fused sequences: copy a block of every input into scratch once, run several kernels on the
 * blocks (cache-resident), copy the outputs' blocks back. On JS-owned tensors the copies cost more
 * than the arithmetic (docs/ring.md), so a sequence of k kernels costs about one kernel's copies.
 * Blocks are 64 KiB when more than four are in use, so the working set stays in L2.
 */
function fused(
  l: number,
  n: number,
  ins: readonly BigUint64Array[],
  outs: readonly BigUint64Array[],
  temps: number,
  run: (p: readonly number[], len: number) => void,
): void {
  const slots = ins.length + outs.length + temps;
  const bb = slots <= 4 ? BLOCK_BYTES : BLOCK_BYTES / 2;
  const s = sc();
  s.ensure(bb * slots);
  const mem = s.u64;
  const blk = bb / (8 * l);
  const lb = bb / 8;
  const p = Array.from({ length: slots }, (_, i) => i * bb);
  const o0 = ins.length;
  for (let off = 0; off < n; off += blk) {
    const len = Math.min(blk, n - off);
    const lo = off * l, hi = (off + len) * l;
    for (let i = 0; i < ins.length; i++) mem.set((ins[i] as BigUint64Array).subarray(lo, hi), i * lb);
    run(p, len);
    for (let i = 0; i < outs.length; i++) (outs[i] as BigUint64Array).set(mem.subarray((o0 + i) * lb, (o0 + i) * lb + len * l), lo);
  }
}

const SHR = 0, LSHR = 1, SHL = 2;

type BinName = 'add64' | 'add128' | 'sub64' | 'sub128' | 'mul64' | 'mul128';

function bin(f: FieldType, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, n: number, k64: BinName, k128: BinName): void {
  const name = f === 'FM64' ? k64 : k128;
  const r = resident(a, b, out);
  if (r !== undefined) {
    r[name](a.byteOffset, b.byteOffset, out.byteOffset, n);
    return;
  }
  const fn = sc().x[name];
  stream(f === 'FM64' ? 1 : 2, n, [a, b], out, (p, o, len) => fn(p[0] as number, p[1] as number, o, len));
}

function un(f: FieldType, a: BigUint64Array, out: BigUint64Array, n: number, run: (a: number, o: number, len: number) => void): void {
  stream(f === 'FM64' ? 1 : 2, n, [a], out, (p, o, len) => run(p[0] as number, o, len));
}

function shift(f: FieldType, kind: number, a: BigUint64Array, bits: number, out: BigUint64Array, n: number): void {
  if (bits === 0) {
    out.set(a.subarray(0, out.length));
    return;
  }
  const r = resident(a, out);
  const x = r ?? sc().x;
  const fn = f === 'FM64' ? x.shift64 : x.shift128;
  if (r !== undefined) fn(a.byteOffset, BigInt(bits), kind, out.byteOffset, n);
  else un(f, a, out, n, (p, o, len) => fn(p, BigInt(bits), kind, o, len));
}

export const wasmKernels: RingKernels = {
  name: 'wasm',
  add: (f, a, b, out, n) => bin(f, a, b, out, n, 'add64', 'add128'),
  sub: (f, a, b, out, n) => bin(f, a, b, out, n, 'sub64', 'sub128'),
  mul: (f, a, b, out, n) => bin(f, a, b, out, n, 'mul64', 'mul128'),
  neg: (f, a, out, n) => {
    const r = resident(a, out);
    const x = r ?? sc().x;
    const fn: Un = f === 'FM64' ? x.neg64 : x.neg128;
    if (r !== undefined) fn(a.byteOffset, out.byteOffset, n);
    else un(f, a, out, n, fn);
  },
  mulAdd: (f, a, b, c, out, n) => {
    const r = resident(a, b, c, out);
    const x = r ?? sc().x;
    const fn = f === 'FM64' ? x.muladd64 : x.muladd128;
    if (r !== undefined) {
      fn(a.byteOffset, b.byteOffset, c.byteOffset, out.byteOffset, n);
      return;
    }
    stream(f === 'FM64' ? 1 : 2, n, [a, b, c], out, (p, o, len) => fn(p[0] as number, p[1] as number, p[2] as number, o, len));
  },
  mulScalar: (f, a, s, out, n) => {
    const r = resident(a, out);
    if (r !== undefined) {
      if (f === 'FM64') r.mulsc64(a.byteOffset, s, out.byteOffset, n);
      else r.mulsc128(a.byteOffset, s & M64, s >> 64n, out.byteOffset, n);
      return;
    }
    const x = sc().x;
    if (f === 'FM64') un(f, a, out, n, (p, o, len) => x.mulsc64(p, s, o, len));
    else un(f, a, out, n, (p, o, len) => x.mulsc128(p, s & M64, s >> 64n, o, len));
  },
  addScalar: (f, a, s, out, n) => {
    const r = resident(a, out);
    if (r !== undefined) {
      if (f === 'FM64') r.addsc64(a.byteOffset, s, out.byteOffset, n);
      else r.addsc128(a.byteOffset, s & M64, s >> 64n, out.byteOffset, n);
      return;
    }
    const x = sc().x;
    if (f === 'FM64') un(f, a, out, n, (p, o, len) => x.addsc64(p, s, o, len));
    else un(f, a, out, n, (p, o, len) => x.addsc128(p, s & M64, s >> 64n, o, len));
  },
  rowBroadcast: (f, op, a, v, out, m, n) => {
    const l = f === 'FM64' ? 1 : 2;
    const x = sc().x;
    const fn: Bin = op === 'mul' ? (l === 1 ? x.mul64 : x.mul128) : l === 1 ? x.add64 : x.add128;
    const blk = BLOCK_BYTES / (8 * l);
    if (n > blk) {
      for (let i = 0; i < m; i++) {
        const row = a.subarray(i * n * l, (i + 1) * n * l);
        stream(l, n, [row, v], out.subarray(i * n * l, (i + 1) * n * l), (p, o, len) => fn(p[0] as number, p[1] as number, o, len));
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
  beaver: (fl, e, b, f, a, c, withEf, out, n) => {
    const x = sc().x;
    const w = fl === 'FM64';
    const [muladd, addk] = w ? [x.muladd64, x.add64] : [x.muladd128, x.add128];
    // z = c + e*(b + f) + f*a  (= c + e*b + f*a + e*f) when withEf, else c + e*b + f*a.
    fused(w ? 1 : 2, n, [e, b, f, a, c], [out], 0, ([pe, pb, pf, pa, pc, po], len) => {
      if (withEf) addk(pb!, pf!, pb!, len);
      muladd(pe!, pb!, pc!, po!, len);
      muladd(pf!, pa!, po!, po!, len);
    });
  },
  truncFinish: (fl, c, rTop, d, bits, withC, out, n) => {
    const x = sc().x;
    const w = fl === 'FM64';
    const k = w ? 64n : 128n;
    const [shiftk, muladd, addk] = w ? [x.shift64, x.muladd64, x.add64] : [x.shift128, x.muladd128, x.add128];
    // a = 2 * (c >> (k-1)) is 0 or -2; y = d + a*rTop (+ c >>> bits).
    fused(w ? 1 : 2, n, [c, rTop, d], [out], 1, ([pc, pr, pd, po, pt], len) => {
      shiftk(pc!, k - 1n, SHR, pt!, len);
      shiftk(pt!, 1n, SHL, pt!, len);
      muladd(pt!, pr!, pd!, po!, len);
      if (withC && bits > 0) {
        shiftk(pc!, BigInt(bits), LSHR, pt!, len);
        addk(po!, pt!, po!, len);
      } else if (withC) addk(po!, pc!, po!, len);
    });
  },
  truncPair: (fl, r, bits, d, rTop, n) => {
    const x = sc().x;
    const w = fl === 'FM64';
    const k = w ? 64 : 128;
    const [shiftk, negk, addk] = w ? [x.shift64, x.neg64, x.add64] : [x.shift128, x.neg128, x.add128];
    const c = BigInt.asUintN(k, -(1n << BigInt(k - 2 - bits)));
    const addc = w ? (a: number, o: number, len: number) => x.addsc64(a, c, o, len) : (a: number, o: number, len: number) => x.addsc128(a, c & M64, c >> 64n, o, len);
    // rTop = msb(r) << (k-1-bits); d = 2*rTop - (r >>> bits) - 2^(k-2-bits). Shift kernels need bits > 0.
    fused(w ? 1 : 2, n, [r], [d, rTop], 0, ([pr, pd, pt], len) => {
      shiftk(pr!, BigInt(k - 1), LSHR, pt!, len);
      shiftk(pt!, BigInt(k - 1 - bits), SHL, pt!, len);
      if (bits > 0) shiftk(pr!, BigInt(bits), LSHR, pd!, len);
      negk(bits > 0 ? pd! : pr!, pd!, len);
      addk(pd!, pt!, pd!, len);
      addk(pd!, pt!, pd!, len);
      addc(pd!, pd!, len);
    });
  },
  shr: (f, a, bits, out, n) => shift(f, 0, a, bits, out, n),
  lshr: (f, a, bits, out, n) => shift(f, 1, a, bits, out, n),
  shl: (f, a, bits, out, n) => shift(f, 2, a, bits, out, n),
  matmul: (f, a, b, out, m, k, n) => {
    const l = f === 'FM64' ? 1 : 2;
    const r = resident(a, b, out);
    if (r !== undefined) {
      out.fill(0n);
      (l === 1 ? r.matmul64 : r.matmul128)(a.byteOffset, b.byteOffset, out.byteOffset, m, k, n);
      return;
    }
    const s = sc();
    const aL = m * k * l, bL = k * n * l, oL = m * n * l;
    const total = (aL + bL + oL) * 8;
    s.ensure(total);
    const mem = s.u64;
    mem.set(a.subarray(0, aL), 0);
    mem.set(b.subarray(0, bL), aL);
    mem.fill(0n, aL + bL, aL + bL + oL);
    (l === 1 ? s.x.matmul64 : s.x.matmul128)(0, aL * 8, (aL + bL) * 8, m, k, n);
    out.set(mem.subarray(aL + bL, aL + bL + oL));
    if (total > KEEP_BYTES) scratch = undefined; // memory cannot shrink: drop the instance
  },
};

/** True when this runtime can compile the module (SIMD is required). */
export function wasmAvailable(): boolean {
  try {
    sc();
    return true;
  } catch {
    return false;
  }
}
