// Device module of the secure-mean example: functions the cluster threads run, registered by name.
import { defineDeviceModule, type PyuContext, type SecretTensor, type SpuContext } from '@sfw/runtime/device';

export default defineDeviceModule('payroll', {
  pyu: {
    // Runs on the owner's thread. A real deployment would read the party's own file (ctx.taskDir is
    // a per-task scratch dir); here each company's salaries are a fixed list.
    salaries: (ctx: PyuContext): Float64Array =>
      ctx.party === 'alice'
        ? Float64Array.of(52_000, 61_500, 48_250, 75_000, 58_900)
        : Float64Array.of(66_000, 49_800, 71_200, 57_300),
  },
  spu: {
    // SPMD on every SPU rank, on shares: (sum(a) + sum(b)) / (na + nb). The counts are public.
    pooledMean: async (spu: SpuContext, [a, b]: SecretTensor[], pub: { count: number }) => {
      const total = spu.add(spu.sum(a!), spu.sum(b!));
      return [await spu.mulPublic(total, 1 / pub.count)];
    },
  },
});
