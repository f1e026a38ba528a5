// task_config schemas of ss_lr_train / ss_lr_predict with SecretFlow's names, defaults and ranges
// (ml.train/ss_sgd_train:1.0.0 plus the library-only decay/strategy parameters).
import { z } from 'zod';
import { SIGMOID_TYPES } from '@sfw/runtime';
import { columnNameSchema, partyPaths, perPartyFiles } from '@sfw/executor';
import type { FileDecl, FileEnv } from '@sfw/executor';

export const ssLrTrainSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path; rows aligned across parties (PSI output)'),
    feature_selects: z.array(z.string().min(1)).min(1).describe('feature columns, from any party'),
    label: z.string().min(1).describe('label column, held by exactly one party'),
    epochs: z.number().int().min(1).default(10),
    learning_rate: z.number().gt(0).default(0.1),
    batch_size: z.number().int().gt(0).default(1024),
    sig_type: z.enum(SIGMOID_TYPES).default('t1'),
    reg_type: z.enum(['logistic', 'linear']).default('logistic'),
    penalty: z.enum(['None', 'l2']).default('None'),
    l2_norm: z.number().min(0).default(0.5),
    eps: z.number().min(0).default(0.001),
    decay_epoch: z.number().int().gt(0).optional(),
    decay_rate: z.number().gt(0).lt(1).optional(),
    strategy: z.enum(['naive_sgd', 'policy_sgd']).default('naive_sgd'),
    report_weights: z.boolean().default(false),
    // Not a SecretFlow ss_sgd attribute (SecretFlow standardizes in a separate preprocessing
    // component): each party standardizes its own columns with a private scaler kept with the model.
    standardize: z.boolean().default(false),
    output_model: z.string().min(1).describe('model directory: meta.json plus one share file per party'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.decay_rate !== undefined && c.decay_epoch === undefined) {
      ctx.addIssue({ code: 'custom', path: ['decay_epoch'], message: 'decay_epoch is required when decay_rate is set' });
    }
    if (c.strategy === 'policy_sgd' && c.reg_type !== 'logistic') {
      ctx.addIssue({ code: 'custom', path: ['strategy'], message: 'policy_sgd only works with reg_type logistic' });
    }
    if (c.penalty === 'l2' && !(c.l2_norm > 0)) {
      ctx.addIssue({ code: 'custom', path: ['l2_norm'], message: 'l2_norm must be > 0 with penalty l2' });
    }
    if (c.feature_selects.includes(c.label)) {
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'label must not be a feature' });
    }
    if (new Set(c.feature_selects).size !== c.feature_selects.length) {
      ctx.addIssue({ code: 'custom', path: ['feature_selects'], message: 'duplicate feature' });
    }
  });
export type SsLrTrainConfig = z.output<typeof ssLrTrainSchema>;

export const ssLrPredictSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path of the rows to score (aligned across parties)'),
    model: z.string().min(1).describe('model directory written by ss_lr_train'),
    receiver: z.string().min(1).describe('the only party that learns the scores'),
    // Written into the output header: restricted to a safe character set (docs/security.md).
    pred_name: columnNameSchema.default('pred'),
    save_ids: z.boolean().default(true),
    id_column: columnNameSchema.default('id'),
    save_label: z.boolean().default(false),
    label: columnNameSchema.optional().describe('label column to copy next to the scores (receiver must hold it)'),
    batch_size: z.number().int().gt(0).default(1024),
    output_ds: z.string().min(1).describe('CSV path written at the receiver'),
  })
  .strict();
export type SsLrPredictConfig = z.output<typeof ssLrPredictSchema>;

/** Files of ss_lr_train: each party's table; the model directory in every SPU party's root. */
export function ssLrTrainFiles(c: SsLrTrainConfig, env: FileEnv): FileDecl[] {
  return [...perPartyFiles('input_ds', c.input_ds, 'input'), ...env.spuParties.map((party) => ({ field: 'output_model', party, role: 'output-dir' as const, path: c.output_model }))];
}

/** Files of ss_lr_predict: each party's table and model directory; the scores at the receiver. */
export function ssLrPredictFiles(c: SsLrPredictConfig, env: FileEnv): FileDecl[] {
  return [
    ...perPartyFiles('input_ds', c.input_ds, 'input'),
    ...env.spuParties.map((party) => ({ field: 'model', party, role: 'input-dir' as const, path: c.model })),
    { field: 'output_ds', party: c.receiver, role: 'output' as const, path: c.output_ds },
  ];
}
