// task_config schemas of the statistics jobs, with SecretFlow's parameter names where SecretFlow has
// the component (stats/table_statistics, stats/ss_pearsonr, stats/ss_vif, ml.eval/ss_pvalue,
// stats/groupby_statistics). Every count has an upper bound here, not from the message.
import { z } from 'zod';
import { partyPaths } from '@sfw/executor';

const uniqueNames = (max: number) =>
  z
    .array(z.string().min(1))
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'duplicate column');

export const tableStatisticsSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path; each party describes its own columns'),
    features: uniqueNames(10_000).optional().describe('columns to describe (default: every column but id_column)'),
    id_column: z.string().min(1).default('id'),
  })
  .strict();
export type TableStatisticsConfig = z.output<typeof tableStatisticsSchema>;

export const ssPearsonrSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path; rows aligned across parties (PSI output)'),
    feature_selects: uniqueNames(1000).min(2).describe('numeric feature columns, from any party'),
    /** Rows per SPU matrix product (bounds the Beaver triple and the opened matrices). */
    block_rows: z.number().int().min(16).max(1_000_000).default(20_000),
  })
  .strict();
export type SsPearsonrConfig = z.output<typeof ssPearsonrSchema>;

export const ssVifSchema = ssPearsonrSchema
  .extend({
    // SecretFlow runs 20; a correlation matrix whose smallest eigenvalue is e below d/2^k needs about
    // k + 5 steps (docs/statistics.md), so the default is set for strongly collinear data.
    inverse_iterations: z.number().int().min(5).max(100).default(40),
  })
  .strict();
export type SsVifConfig = z.output<typeof ssVifSchema>;

export const ssPvalueSchema = z
  .object({
    model: z.string().min(1).describe('SS-LR model directory written by ss_lr_train'),
    input_ds: partyPaths.describe('party -> CSV path with the model features and the label (aligned rows)'),
    block_rows: z.number().int().min(16).max(1_000_000).default(20_000),
    inverse_iterations: z.number().int().min(5).max(100).default(40),
  })
  .strict();
export type SsPvalueConfig = z.output<typeof ssPvalueSchema>;

export const AGGREGATIONS = ['SUM', 'MEAN', 'VAR', 'MIN', 'MAX', 'COUNT'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const groupbyStatisticsSchema = z
  .object({
    input_ds: partyPaths.describe('party -> CSV path; rows aligned across parties (PSI output)'),
    by: uniqueNames(4).min(1).describe('1 to 4 key columns, at any parties'),
    aggregations: z
      .array(z.object({ column: z.string().min(1), function: z.enum(AGGREGATIONS) }).strict())
      .min(1)
      .max(256)
      .describe('SecretFlow aggregation_config: (column, function) pairs over columns at any party'),
    // SecretFlow's bound (0, 10001): the number of distinct groups allowed.
    max_group_size: z.number().int().min(1).max(10_000).default(10_000),
    receiver: z.string().min(1).describe('the only party that learns the aggregated values'),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.aggregations.forEach((a, i) => {
      if (c.by.includes(a.column)) ctx.addIssue({ code: 'custom', path: ['aggregations', i, 'column'], message: 'a key column cannot be aggregated' });
    });
    const seen = new Set<string>();
    c.aggregations.forEach((a, i) => {
      const k = `${a.column}\u0000${a.function}`;
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['aggregations', i], message: 'duplicate aggregation' });
      seen.add(k);
    });
  });
export type GroupbyStatisticsConfig = z.output<typeof groupbyStatisticsSchema>;
