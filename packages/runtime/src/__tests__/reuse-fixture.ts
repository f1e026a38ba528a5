// Test-only SPU programs that abuse what a program is given, to check the runtime's memory reuse
// (per-run input copies are recycled, the scratch pool outlives a run): nothing a program does with
// its inputs may change a held share, and an output that IS an input copy must not be recycled.
import { openAll, shareOf, type SecretTensor, type SpuContext } from '@sfw/spu';
import { defineDeviceModule } from '../module.ts';

export default defineDeviceModule('reuse', {
  spu: {
    /** Returns its first input unchanged: the output shares the memory of the run's input copy. */
    identity: (_spu: SpuContext, xs: SecretTensor[]) => [xs[0]!],
    /** Opens (SENDS, i.e. transfers) its first input's share buffer, then returns x1 * x1. */
    consume: async (spu: SpuContext, xs: SecretTensor[]) => {
      await openAll(spu.comm, shareOf(xs[0]!));
      return [await spu.mul(xs[1]!, xs[1]!)];
    },
  },
});
