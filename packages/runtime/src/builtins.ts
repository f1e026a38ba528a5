// The `builtin` device module, loaded by every cluster: a few generic PYU functions and SPU programs
// so that benchmarks, smoke checks and simple jobs need no module of their own.
import type { PrivateTensor, SecretTensor, SpuContext } from '@sfw/spu';
import type { PyuContext } from './context.ts';
import { defineDeviceModule, deviceModuleUrl } from './module.ts';
import type { PlainTensor } from './tensor.ts';

/** URL of this module with the caller's extension (the cluster adds it to every thread). */
export const BUILTIN_MODULE_URL = deviceModuleUrl(import.meta.url, './builtins');

const two = (xs: SecretTensor[]): [SecretTensor, SecretTensor] => {
  if (xs.length !== 2) throw new Error(`expected 2 inputs, got ${xs.length}`);
  return xs as [SecretTensor, SecretTensor];
};

export default defineDeviceModule('builtin', {
  pyu: {
    /** Returns its argument (round-trip measurements). */
    identity: (_ctx: PyuContext, x: unknown) => x,
    /**
     * Deterministic public test pattern in [-1, 1) of the given shape (benchmarks and examples only;
     * it is not random and not secret).
     */
    pattern: (_ctx: PyuContext, shape: number[], offset = 0): PlainTensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = (((i + offset) * 7919) % 2000) / 1000 - 1;
      return { data, shape };
    },
  },
  spu: {
    add: (spu: SpuContext, xs: SecretTensor[]) => {
      const [x, y] = two(xs);
      return [spu.add(x, y)];
    },
    mul: async (spu: SpuContext, xs: SecretTensor[]) => {
      const [x, y] = two(xs);
      return [await spu.mul(x, y)];
    },
    matmul: async (spu: SpuContext, xs: SecretTensor[]) => {
      const [x, y] = two(xs);
      return [await spu.matmul(x, y)];
    },
    /**
     * [X_1 | X_2 | ...] . w for the run's private blocks (`RunOptions.private`, each at its owner's
     * rank) and the one secret input w.
     */
    privateMatmul: async (spu: SpuContext, xs: SecretTensor[], _pub: null, priv: PrivateTensor[]) => {
      if (xs.length !== 1) throw new Error(`expected 1 input, got ${xs.length}`);
      return [await spu.privateMatmul(priv, xs[0]!)];
    },
    /** Sum of all elements of every input (a scalar). */
    sum: (spu: SpuContext, xs: SecretTensor[]) => [
      xs.map((x) => spu.sum(x)).reduce((a, b) => spu.add(a, b)),
    ],
  },
});
