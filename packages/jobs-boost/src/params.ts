// task_config schemas of ss_xgb_train / ss_xgb_predict with SecretFlow's names, defaults and ranges
// (ml.train/ss_xgb_train:1.0.0, ml.predict/ss_xgb_predict:1.0.0; docs/ssxgb.md). The count bounds
// here are the protocol's own limits; the operator's configuration may lower them further.
import { z } from 'zod';
import { columnNameSchema, partyPaths, perPartyFiles } from '@sfw/executor';
import type { FileDecl, FileEnv } from '@sfw/executor';

export const OBJECTIVES = ['logistic', 'linear'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Upper bounds of the two counts (SecretFlow: 1024 rounds in the library, depth 16 in the component). */
export const MAX_BOOST_ROUNDS = 1024;
export const MAX_DEPTH = 16;

export const ssXgbTrainSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path; rows aligned across parties (PSI output with sort_result)'),
    id_column: z.string().min(1).default('id').describe('id column (never used as a feature)'),
    feature_selects: z.array(z.string().min(1)).min(1).describe('feature columns, from any party'),
    label: z.string().min(1).describe('label column, held by exactly one party'),
    num_boost_round: z.number().int().min(1).max(MAX_BOOST_ROUNDS).default(10),
    max_depth: z.number().int().min(1).max(MAX_DEPTH).default(5),
    learning_rate: z.number().gt(0).max(1).default(0.1),
    objective: z.enum(OBJECTIVES).default('logistic'),
    reg_lambda: z.number().min(0).max(10000).default(0.1),
    subsample: z.number().gt(0).max(1).default(0.1).describe('fraction of rows per tree, sampled in public with seed'),
    colsample_by_tree: z.number().gt(0).max(1).default(0.1).describe('fraction of features per tree, sampled in public with seed'),
    sketch_eps: z.number().gt(0).max(1).default(0.1).describe('buckets per feature = ceil(1 / sketch_eps)'),
    base_score: z.number().min(-10).max(10).default(0).describe('initial margin (logistic: before the sigmoid)'),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(42),
    output_model: z.string().min(1).describe('model directory: meta.json, one splits file and one share file per party'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.feature_selects.includes(c.label)) ctx.addIssue({ code: 'custom', path: ['label'], message: 'label must not be a feature' });
    if (c.feature_selects.includes(c.id_column)) ctx.addIssue({ code: 'custom', path: ['feature_selects'], message: 'the id column is not a feature' });
    if (new Set(c.feature_selects).size !== c.feature_selects.length) ctx.addIssue({ code: 'custom', path: ['feature_selects'], message: 'duplicate feature' });
  });
export type SsXgbTrainConfig = z.output<typeof ssXgbTrainSchema>;

export const ssXgbPredictSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path of the rows to score (aligned across parties)'),
    model: z.string().min(1).describe('model directory written by ss_xgb_train'),
    receiver: z.string().min(1).describe('the only party that learns the scores'),
    // Written into the output header: restricted to a safe character set (docs/security.md).
    pred_name: columnNameSchema.default('pred'),
    save_ids: z.boolean().default(false),
    id_column: columnNameSchema.default('id'),
    save_label: z.boolean().default(true),
    label: columnNameSchema.optional().describe('label column to copy next to the scores (default: the training label; receiver must hold it)'),
    output_ds: z.string().min(1).describe('CSV path written at the receiver'),
  })
  .strict();
export type SsXgbPredictConfig = z.output<typeof ssXgbPredictSchema>;

/** Files of ss_xgb_train: each party's table; the model directory in every SPU party's root. */
export function ssXgbTrainFiles(c: SsXgbTrainConfig, env: FileEnv): FileDecl[] {
  return [...perPartyFiles('input_ds', c.input_ds, 'input'), ...env.spuParties.map((party) => ({ field: 'output_model', party, role: 'output-dir' as const, path: c.output_model }))];
}

/** Files of ss_xgb_predict: each party's table and model directory; the scores at the receiver. */
export function ssXgbPredictFiles(c: SsXgbPredictConfig, env: FileEnv): FileDecl[] {
  return [
    ...perPartyFiles('input_ds', c.input_ds, 'input'),
    ...env.spuParties.map((party) => ({ field: 'model', party, role: 'input-dir' as const, path: c.model })),
    { field: 'output_ds', party: c.receiver, role: 'output' as const, path: c.output_ds },
  ];
}
