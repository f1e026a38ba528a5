// Kernel threads: one rank (or the dealer) runs its large kernels over a small pool of helper
// threads (docs/ring.md "Kernel threads"). Helpers are worker_threads started from source text
// (blocks.ts's self-contained functions, so no file path has to survive bundling) with the compiled
// WASM module; each has its own WASM scratch. Work is split into contiguous element (or row) ranges:
// the caller runs the first range itself, the helpers the others, and the caller waits on a shared
// status word (Atomics.wait), so kernels stay synchronous and results are bit-identical to one
// thread (each element is computed by the same code, only by another thread).
// Helpers read and write operands in place, so a range goes to a helper only when every operand
// lives in a SharedArrayBuffer (`allocLimbs` hands those out while threads > 1); matmul stages
// non-shared operands itself (O(n^2) copies against O(n^3) work).
import { Worker } from 'node:worker_threads';
import { LEN, cipherAt, runBlocks, runMatmul, runPrg, slot, winogradLevel, type Aes, type CipherFor, type CtrCipher, type Exports, type KeyStream, type NativeAes, type Step } from './blocks.ts';
import { NATIVE_AES_PATH, nativeAes } from './aes-native.ts';
import { RingError } from './tensor.ts';

/** Below this many elements (or multiply-adds for matmul) per thread a split does not pay. */
export const SPLIT_MIN_ELEMENTS = 1 << 17;
export const SPLIT_MIN_MACS = 1 << 21;
/** Longest wait for one helper before the kernel fails (a healthy helper answers in milliseconds). */
const HELPER_TIMEOUT_MS = 120_000;

export type Job =
  | { kind: 'blocks'; l: number; lo: number; hi: number; ins: (BigUint64Array | KeyStream)[]; outs: BigUint64Array[]; temps: number; prog: readonly Step[] }
  | { kind: 'matmul'; l: number; a: BigUint64Array; b: BigUint64Array; out: BigUint64Array; i0: number; i1: number; k: number; n: number; acc: boolean; tile: number }
  | { kind: 'prg'; seed: Uint8Array; offset: number; dst: Uint8Array };

const HELPER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
globalThis.__name = (f) => f; // tolerate name-keeping helpers a bundler may insert
const runBlocks = (0, eval)('(' + workerData.runBlocks + ')');
const runMatmul = (0, eval)('(' + workerData.runMatmul + ')');
const winogradLevel = (0, eval)('(' + workerData.winogradLevel + ')');
const runPrg = (0, eval)('(' + workerData.runPrg + ')');
const cipherAt = (0, eval)('(' + workerData.cipherAt + ')');
const aes = (seed, iv) => createCipheriv('aes-128-ctr', seed, iv);
const cipherFor = (seed, offset) => cipherAt(aes, seed, offset);
// The native keystream binding (aes-native.ts) when the caller uses it: its absolute path, loaded
// here with this thread's own require; node:crypto's path when it does not load.
let native;
if (workerData.nativeAes !== undefined) {
  try {
    native = require(workerData.nativeAes);
  } catch {
    native = undefined;
  }
}
const instance = () => {
  const x = new WebAssembly.Instance(workerData.module, {}).exports;
  x.matmul64Tile(workerData.tile); // the caller's panel width (results are identical either way)
  return x;
};
let x = instance();
let view;
parentPort.on('message', ({ job, status, slot }) => {
  let code = 1;
  try {
    if (job.kind === 'blocks') view = runBlocks(x, view, job.l, job.lo, job.hi, job.ins, job.outs, job.temps, job.prog, cipherFor, native);
    else if (job.kind === 'matmul') {
      x.matmul64Tile(job.tile); // the caller's panel width, which it may have measured since this instance began
      if (runMatmul(x, winogradLevel, job.l, job.a, job.b, job.out, job.i0, job.i1, job.k, job.n, job.acc) > workerData.keepBytes)
        x = instance(); // memory cannot shrink: drop it
    } else runPrg(cipherFor, job.seed, job.offset, job.dst, native);
  } catch {
    code = 2;
  }
  Atomics.store(status, slot, code);
  Atomics.notify(status, slot);
});
`;

let wanted = 1;
let jobsPosted = 0;
const helpers: Worker[] = [];
let moduleFor: (() => object) | undefined;
let keepBytes = 64 * 1024 * 1024;
let matmulTile = 1;

/** Called once by the WASM loader: the compiled module the helpers instantiate, and its matmul64 panel width (matmul64Tile). */
export function registerHelperModule(get: () => object, keep: number, tile: number): void {
  moduleFor = get;
  keepBytes = keep;
  matmulTile = tile;
}

/**
 * Threads per kernel for this thread (1 = no helpers, the default). The runtime sets it per SPU rank
 * thread; helpers start at once (in the background) and are unref'd.
 */
export function setKernelThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RingError('kernel threads must be an integer in [1, 64]');
  wanted = n;
  while (helpers.length > n - 1) void helpers.pop()!.terminate();
  if (n > 1 && moduleFor === undefined) throw new RingError('kernel threads need the WebAssembly kernels');
  while (helpers.length < n - 1) {
    const w = new Worker(HELPER_SRC, {
      eval: true,
      workerData: { module: moduleFor!(), runBlocks: runBlocks.toString(), runMatmul: runMatmul.toString(), winogradLevel: winogradLevel.toString(), runPrg: runPrg.toString(), cipherAt: cipherAt.toString(), nativeAes: nativeAes() === undefined ? undefined : NATIVE_AES_PATH, keepBytes, tile: matmulTile },
    });
    w.unref();
    helpers.push(w);
  }
}

export function kernelThreads(): number {
  return wanted;
}

/** Ranges handed to helpers so far (tests check that a split really happened). */
export function helperJobs(): number {
  return jobsPosted;
}

/** A limb array for a kernel operand: in a SharedArrayBuffer while kernel threads are on (so helpers can work on it in place). */
export function allocLimbs(limbs: number): BigUint64Array {
  if (wanted > 1 && limbs >= SPLIT_MIN_ELEMENTS) return new BigUint64Array(new SharedArrayBuffer(limbs * 8));
  return new BigUint64Array(limbs);
}

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** How many threads a split of `units` work units should use (1 = do not split). */
export function splitCount(units: number, minPerThread: number): number {
  if (wanted <= 1) return 1;
  return Math.max(1, Math.min(wanted, Math.floor(units / minPerThread)));
}

/**
 * Split [0, total) into `parts` ranges aligned to `align`; ranges 1.. go to helpers (job(lo, hi)),
 * range 0 runs here (own(lo, hi)); returns when every helper has finished.
 */
export function runSplit(total: number, parts: number, align: number, job: (lo: number, hi: number) => Job, own: (lo: number, hi: number) => void): void {
  const step = Math.ceil(total / parts / align) * align;
  const status = new Int32Array(new SharedArrayBuffer(4 * parts));
  let posted = 0;
  for (let p = 1; p < parts; p++) {
    const lo = p * step, hi = Math.min(total, lo + step);
    if (lo >= hi) break;
    helpers[p - 1]!.postMessage({ job: job(lo, hi), status, slot: p });
    jobsPosted++;
    posted = p;
  }
  try {
    own(0, Math.min(total, step));
  } finally {
    // Even when the own range failed: helpers must be done with the operands before anyone reuses them.
    awaitHelpers(status, posted);
  }
  for (let p = 1; p <= posted; p++) if (Atomics.load(status, p) !== 1) throw new RingError('a kernel thread failed');
}

function awaitHelpers(status: Int32Array, posted: number): void {
  const deadline = Date.now() + HELPER_TIMEOUT_MS;
  for (let p = 1; p <= posted; p++)
    while (Atomics.load(status, p) === 0) {
      if (Date.now() > deadline) throw new RingError('a kernel thread did not answer');
      Atomics.wait(status, p, 0, 1000);
    }
}

export { LEN, cipherAt, runBlocks, runMatmul, runPrg, slot, winogradLevel, type Aes, type CipherFor, type CtrCipher, type Exports, type KeyStream, type NativeAes, type Step };
