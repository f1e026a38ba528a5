// SPU program of vert_woe_binning: per-bin positive counts c = M^T y, where y (n x 1) is the label
// holder's secret-shared 0/1 positive vector and M (n x B) a feature party's secret-shared 0/1
// bin-membership matrix, given in row chunks. Each chunk is masked once (SecureML fixed mask,
// docs/spu-masked.md) and multiplied by its slice of y with `maskedMatmulT`; the chunk sums add up
// in shares. Nothing is opened except the masked values of the products (uniform); the result
// stays secret until the driver reveals it to the label holder only.
import type { SecretTensor, SpuContext } from '@sfw/runtime/device';

export interface BinPositivesPub {
  /** Row range [start, end) of y that each membership chunk (inputs 1..k) covers. */
  chunks: [number, number][];
}

export async function binPositives(spu: SpuContext, inputs: SecretTensor[], pub: BinPositivesPub): Promise<SecretTensor[]> {
  const [y, ...blocks] = inputs;
  if (y === undefined || blocks.length !== pub.chunks.length || blocks.length === 0) throw new Error('binPositives: expects y and one membership block per chunk');
  let acc: SecretTensor | undefined;
  for (const [i, [r0, r1]] of pub.chunks.entries()) {
    const m = await spu.fixedMask(blocks[i]!);
    try {
      const part = await spu.maskedMatmulT(m, [0, r1 - r0], spu.slice(y, r0, r1));
      acc = acc === undefined ? part : spu.add(acc, part);
    } finally {
      await spu.releaseMasked(m);
    }
  }
  return [acc!];
}
