// The SS-XGB model directory. meta.json is public: objective, base score, the trees' shape and which
// party owns each split (public in SecretFlow too: the revealed bucket index names it). Each party's
// split features and thresholds are in `<party>.splits.json`, written by that party only. Leaf
// weights stay secret-shared: SPU rank i writes its own share to `<party_i>.share` (the share-file
// format of the SS-LR model, docs/sslr.md). No file holds a threshold of another party or a
// plaintext leaf weight.
import { readFilePinned } from '@sfw/data';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '@sfw/model/files';
import { OBJECTIVES } from './params.ts';

export const MODEL_META_FILE = 'meta.json';
export const shareFileName = (party: string): string => `${party}.share`;
export const splitsFileName = (party: string): string => `${party}.splits.json`;

/** Nodes of a complete binary tree of this depth (level order: node 2^l - 1 + k is the k-th of level l). */
export const treeNodes = (depth: number): number => 2 ** (depth + 1) - 1;

export const partySplitsSchema = z.object({
  splits: z.array(z.object({ tree: z.number().int().min(0), node: z.number().int().min(0), feature: z.string(), threshold: z.number() })),
});
export type PartySplit = z.output<typeof partySplitsSchema>['splits'][number];

export const boostMetaSchema = z.object({
  model_type: z.literal('sf.model.ss_xgb'),
  version: z.literal('0.1'),
  objective: z.enum(OBJECTIVES),
  base_score: z.number(),
  /** Sigmoid applied to the margin for `logistic` (SecretFlow's sr: 0.5 x / sqrt(1 + x^2) + 0.5). */
  sig_type: z.literal('sr'),
  num_trees: z.number().int().min(1),
  max_depth: z.number().int().min(1),
  feature_names: z.array(z.string()),
  label_col: z.string(),
  /** Parties in SPU rank order. */
  parties: z.array(z.string()),
  party_features: z.record(z.string(), z.array(z.string())),
  /** split_party[t][node]: the party owning internal node `node` (level order) of tree t. */
  split_party: z.array(z.array(z.string())),
  /** Leaf weights: trees * 2^max_depth values, tree-major, secret-shared across the rank files. */
  leaf_weights: z.object({ shape: z.tuple([z.number().int(), z.literal(1)]) }),
  spu: z.object({ protocol: z.string(), field: z.enum(['FM64', 'FM128']), fxp_fraction_bits: z.number().int() }),
});
export type BoostMeta = z.output<typeof boostMetaSchema>;

export async function writeBoostMeta(dir: string, meta: BoostMeta): Promise<void> {
  await writeAtomic(join(dir, MODEL_META_FILE), JSON.stringify(meta, null, 2) + '\n');
}

export async function readBoostMeta(dir: string): Promise<BoostMeta> {
  return boostMetaSchema.parse(JSON.parse(await readFilePinned(join(dir, MODEL_META_FILE), 'utf8')));
}
