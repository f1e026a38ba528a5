// SPU program of vert_woe_binning: per-bin positive counts of one feature party, learnt by the label
// holder. Both inputs stay private blocks at their owners' own ranks (nothing is secret-shared): the
// label holder's 0/1 positive vector y [n, 1] and the feature party's bin numbers C [n, F] (column f
// is feature f's bin of each row, the else bin last). `privateGroupSums` (docs/spu-private.md) has
// the feature party's rank shuffle y obliviously, a fresh permutation per feature known only to it
// and the dealer, and hand the label holder's rank the shuffled y with the bin numbers in the same
// order; the label holder counts positives per bin locally. What the label holder sees is, per
// feature, a uniformly random ordering of the pairs (y_i, bin_i): for a 0/1 y that is exactly each
// bin's row count and positive count, which vert_woe_binning discloses to it anyway (the row counts
// explicitly, the positive counts as the revealed result), and nothing that ties a bin to a row or
// one feature's bins to another's. The feature party's rank receives y under a one-time pad. The
// counts come back as a secret whose value the label holder's share carries; the driver reveals it
// to the label holder only.
import type { PrivateTensor, SecretTensor, SpuContext } from '@sfw/runtime';

export interface BinCountsPub {
  /** Per feature column of C, its number of bins (membership columns): the public layout widths. */
  groups: number[];
}

export async function binCounts(spu: SpuContext, _inputs: SecretTensor[], pub: BinCountsPub, priv: PrivateTensor[]): Promise<SecretTensor[]> {
  const [y, codes] = priv;
  if (y === undefined || codes === undefined || priv.length !== 2) throw new Error('binCounts: expects two private blocks (labels, bin numbers)');
  return [await spu.privateGroupSums(y, codes, pub.groups)];
}
