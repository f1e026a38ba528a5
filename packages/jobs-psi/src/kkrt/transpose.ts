// The OT extension's bit transposes in WebAssembly SIMD (scripts/build-transpose-wasm.mjs): the
// same result as transposeBits (bits.ts), which stays as the reference and for shapes the kernel
// does not take. The JS version swaps 32 x 32 blocks a word at a time (~6 ms per 512 x 2^15 slice
// here); the kernel moves 16 rows x 128 columns per step with byte shuffles and `i8x16.bitmask`,
// 128 x 128-bit tiles through an L1-resident scratch.
// The matrices are copied into the module's memory and back (2 MiB each way per slice, a small
// part of the transpose's cost), so the callers' buffers stay ordinary typed arrays.
import { transposeBits } from './bits.ts';
import { wasmApi } from './blake2b.ts';
import type { WasmMemory } from './blake2b.ts';
import { TRANSPOSE_WASM_BASE64 } from './transpose-wasm-bytes.ts';

interface Exports {
  readonly memory: WasmMemory;
  transpose(src: number, dst: number, rows: number, cols: number): void;
}

function isExports(x: Record<string, unknown>): x is Record<string, unknown> & Exports {
  const m = x.memory;
  return typeof x.transpose === 'function' && typeof m === 'object' && m !== null && 'buffer' in m && 'grow' in m;
}

const PAGE = 65536;
/** Matrices start here; below is the kernel's tile scratch. */
const DATA = 4096;
/** One instance per thread (module state is per thread). */
let instance: Exports | undefined;

function kernel(): Exports {
  if (instance) return instance;
  const api = wasmApi();
  const x = new api.Instance(new api.Module(Buffer.from(TRANSPOSE_WASM_BASE64, 'base64')), {}).exports;
  if (!isExports(x)) throw new Error('the transpose WASM module does not export what this build expects');
  instance = x;
  return x;
}

/**
 * transposeBits (bits.ts) with the WASM kernel when rows and cols are multiples of 128, the
 * JS version otherwise. `src` has `rows` rows of `cols` bits; the result `cols` rows of `rows` bits.
 */
export function transposeBitsFast(src: Uint32Array, rows: number, cols: number, dst?: Uint32Array): Uint32Array {
  if (rows % 128 !== 0 || cols % 128 !== 0 || rows === 0 || cols === 0) return transposeBits(src, rows, cols, dst);
  const words = (rows * cols) >>> 5;
  const bytes = words * 4;
  const x = kernel();
  const need = DATA + 2 * bytes;
  const have = x.memory.buffer.byteLength;
  if (need > have) x.memory.grow(Math.ceil((need - have) / PAGE));
  const mem = new Uint32Array(x.memory.buffer, DATA, 2 * words);
  mem.set(src.subarray(0, words), 0);
  x.transpose(DATA, DATA + bytes, rows, cols);
  const out = dst ?? new Uint32Array(words);
  out.set(mem.subarray(words, 2 * words));
  return out;
}
