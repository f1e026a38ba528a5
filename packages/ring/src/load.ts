// Chooses the kernel implementation once, at first use: WebAssembly when the runtime supports it
// (Node 20 does, including SIMD), else the BigInt reference kernels.
import type { RingKernels } from './backend.ts';
import { jsKernels } from './js-kernels.ts';
import { wasmAvailable, wasmKernels } from './wasm.ts';

export function loadKernels(): RingKernels {
  return wasmAvailable() ? wasmKernels : jsKernels;
}
