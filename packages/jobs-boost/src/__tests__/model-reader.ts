// Test-only: reads a whole SS-XGB model directory as if one could see every party's files (the
// tests can; no party can): splits with thresholds, and the leaf weights reconstructed from the
// rank share files.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readShareFile } from '@sfw/model/files';
import { partySplitsSchema, readBoostMeta, shareFileName, splitsFileName } from '../model-store.ts';
import type { BoostMeta, PartySplit } from '../model-store.ts';

export interface OpenedModel {
  meta: BoostMeta;
  /** splits[t][node] */
  splits: PartySplit[][];
  /** leaves[t] */
  leaves: Float64Array[];
  /** Each rank's share decoded on its own (must look nothing like the weights). */
  shareDecoded: Float64Array[];
}

export async function openModel(dir: string): Promise<OpenedModel> {
  const meta = await readBoostMeta(dir);
  const splits: PartySplit[][] = meta.split_party.map((t) => t.map(() => ({ tree: -1, node: -1, feature: '', threshold: NaN })));
  for (const p of new Set(meta.split_party.flat())) {
    const f = partySplitsSchema.parse(JSON.parse(await readFile(join(dir, splitsFileName(p)), 'utf8')));
    for (const s of f.splits) splits[s.tree]![s.node] = s;
  }
  const shares = await Promise.all(meta.parties.map((p) => readShareFile(join(dir, shareFileName(p)), { field: meta.spu.field, fxpBits: meta.spu.fxp_fraction_bits })));
  const scale = 2 ** meta.spu.fxp_fraction_bits;
  const size = shares[0]!.size;
  const sum = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let acc = 0n;
    for (const s of shares) acc += s.data[i]!;
    sum[i] = Number(BigInt.asIntN(64, acc)) / scale;
  }
  const L = 2 ** meta.max_depth;
  const leaves = meta.split_party.map((_, t) => sum.slice(t * L, (t + 1) * L));
  const shareDecoded = shares.map((s) => Float64Array.from(s.data, (v) => Number(BigInt.asIntN(64, v)) / scale));
  return { meta, splits, leaves, shareDecoded };
}
