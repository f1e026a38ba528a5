// Test set-up shared by the ring suites that exercise the WASM kernels and the kernel-thread pool:
// they run on the WASM backend and leave the process's backend and pool as they found them.
import { afterAll, beforeAll } from 'vitest';
import { kernels, setKernels, setKernelThreads, wasmKernels } from '../index.ts';

export function useWasmKernels(): void {
  const initial = kernels();
  beforeAll(() => setKernels(wasmKernels));
  afterAll(() => {
    setKernelThreads(1);
    setKernels(initial);
  });
}
