// task_config schemas of the preprocessing jobs, with SecretFlow's parameter names, defaults and
// ranges (component/preprocessing, v1.0.0). Paths are per party: `{ party: path }`.
import { z } from 'zod';
import { partyPaths } from '@sfw/executor';

const columnList = z.array(z.string().min(1)).min(1);

/** Both records name the same parties. */
function sameParties(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function refineParties(c: { input_ds: Record<string, string> }, ctx: z.RefinementCtx, outputs: Record<string, Record<string, string> | undefined>): void {
  for (const [field, rec] of Object.entries(outputs)) {
    if (rec !== undefined && !sameParties(c.input_ds, rec)) ctx.addIssue({ code: 'custom', path: [field], message: 'must name the same parties as input_ds' });
  }
}

function noDuplicates(list: readonly string[], path: string, ctx: z.RefinementCtx): void {
  if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', path: [path], message: 'duplicate column' });
}

export const NUM_FILL = ['constant', 'mean', 'median', 'most_frequent'] as const;
export const CAT_FILL = ['constant', 'most_frequent'] as const;

export const fillnaSchema = z
  .object({
    input_ds: partyPaths,
    features: columnList.describe('columns to fill, from any party'),
    nan_is_null: z.boolean().default(true),
    float_outliers: z.array(z.number()).default([]),
    int_outliers: z.array(z.number().int()).default([]),
    str_outliers: z.array(z.string()).default([]),
    float_fill_strategy: z.enum(NUM_FILL).default('constant'),
    int_fill_strategy: z.enum(NUM_FILL).default('constant'),
    str_fill_strategy: z.enum(CAT_FILL).default('constant'),
    bool_fill_strategy: z.enum(CAT_FILL).default('constant'),
    fill_value_float: z.number().default(0),
    fill_value_int: z.number().int().default(0),
    fill_value_str: z.string().default(''),
    fill_value_bool: z.boolean().default(false),
    output_ds: partyPaths,
    output_rule: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => {
    noDuplicates(c.features, 'features', ctx);
    refineParties(c, ctx, { output_ds: c.output_ds, output_rule: c.output_rule });
  });
export type FillnaConfig = z.output<typeof fillnaSchema>;

export const CALCULATE_OPS = ['STANDARDIZE', 'NORMALIZATION', 'RANGE_LIMIT', 'UNARY', 'RECIPROCAL', 'ROUND', 'LOG_ROUND', 'SQRT', 'LOG', 'EXP', 'LENGTH', 'SUBSTR'] as const;
export type CalculateOp = (typeof CALCULATE_OPS)[number];

const operand = z.union([z.number(), z.string()]);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

/** Checks the operands of one calculate rule; returns a message or undefined. */
function operandProblem(op: CalculateOp, o: readonly (number | string)[]): string | undefined {
  switch (op) {
    case 'RANGE_LIMIT': {
      const [lo, hi] = [num(o[0]), num(o[1])];
      if (o.length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi)) return 'RANGE_LIMIT needs [min, max]';
      return lo > hi ? 'RANGE_LIMIT min must be <= max' : undefined;
    }
    case 'UNARY': {
      if (o.length !== 3 || (o[0] !== '+' && o[0] !== '-') || !['+', '-', '*', '/'].includes(String(o[1])) || !Number.isFinite(num(o[2])))
        return 'UNARY needs [order "+"|"-", op "+"|"-"|"*"|"/", value]';
      return o[1] === '/' && o[0] === '+' && num(o[2]) === 0 ? 'UNARY division by zero' : undefined;
    }
    case 'LOG_ROUND':
      return o.length !== 1 || !Number.isFinite(num(o[0])) ? 'LOG_ROUND needs [bias]' : undefined;
    case 'LOG': {
      if (o.length !== 2 || !(o[0] === 'e' || (num(o[0]) > 0 && num(o[0]) !== 1)) || !Number.isFinite(num(o[1]))) return 'LOG needs [base > 0 (not 1) or "e", bias]';
      return undefined;
    }
    case 'SUBSTR': {
      const [s, l] = [num(o[0]), num(o[1])];
      return o.length !== 2 || !Number.isInteger(s) || !Number.isInteger(l) || s < 0 || l < 0 ? 'SUBSTR needs [start >= 0, length >= 0] integers' : undefined;
    }
    case 'STANDARDIZE': case 'NORMALIZATION': case 'RECIPROCAL': case 'ROUND': case 'SQRT': case 'EXP': case 'LENGTH':
      return o.length !== 0 ? `${op} takes no operands` : undefined;
  }
}

export const calculateRuleSchema = z
  .object({ op: z.enum(CALCULATE_OPS), features: columnList, operands: z.array(operand).default([]) })
  .strict()
  .superRefine((r, ctx) => {
    const p = operandProblem(r.op, r.operands);
    if (p !== undefined) ctx.addIssue({ code: 'custom', path: ['operands'], message: p });
  });
export type CalculateRuleConfig = z.output<typeof calculateRuleSchema>;

export const featureCalculateSchema = z
  .object({
    input_ds: partyPaths,
    rules: z.array(calculateRuleSchema).min(1).max(100),
    output_ds: partyPaths,
    output_rule: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => refineParties(c, ctx, { output_ds: c.output_ds, output_rule: c.output_rule }));
export type FeatureCalculateConfig = z.output<typeof featureCalculateSchema>;

export const onehotSchema = z
  .object({
    input_ds: partyPaths,
    features: columnList,
    drop: z.enum(['no_drop', 'first', 'mode']).default('no_drop'),
    min_frequency: z.number().min(0).lt(1).default(0),
    report_rules: z.boolean().default(true),
    output_ds: partyPaths,
    output_rule: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => {
    noDuplicates(c.features, 'features', ctx);
    refineParties(c, ctx, { output_ds: c.output_ds, output_rule: c.output_rule });
  });
export type OnehotConfig = z.output<typeof onehotSchema>;

export const vertBinningSchema = z
  .object({
    input_ds: partyPaths,
    feature_selects: columnList,
    binning_method: z.enum(['eq_range', 'quantile']).default('eq_range'),
    bin_num: z.number().int().min(2).max(1000).default(10),
    report_rules: z.boolean().default(false),
    output_rule: partyPaths,
    output_ds: partyPaths.optional().describe('also write the binned table (substitution of the fitted rule)'),
  })
  .strict()
  .superRefine((c, ctx) => {
    noDuplicates(c.feature_selects, 'feature_selects', ctx);
    refineParties(c, ctx, { output_rule: c.output_rule, output_ds: c.output_ds });
  });
export type VertBinningConfig = z.output<typeof vertBinningSchema>;

export const vertWoeBinningSchema = z
  .object({
    input_ds: partyPaths,
    feature_selects: columnList,
    label: z.string().min(1),
    positive_label: z.string().min(1).default('1'),
    secure_device_type: z.enum(['spu']).default('spu'),
    binning_method: z.enum(['quantile', 'chimerge', 'eq_range']).default('quantile'),
    bin_num: z.number().int().min(2).max(1000).default(10),
    chimerge_init_bins: z.number().int().min(2).max(1000).default(100),
    chimerge_target_bins: z.number().int().min(2).max(1000).default(10),
    chimerge_target_pvalue: z.number().gt(0).lt(1).default(0.1),
    report_rules: z.boolean().default(false),
    output_rule: partyPaths,
    output_ds: partyPaths.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    noDuplicates(c.feature_selects, 'feature_selects', ctx);
    if (c.feature_selects.includes(c.label)) ctx.addIssue({ code: 'custom', path: ['label'], message: 'label must not be a feature' });
    if (c.chimerge_target_bins > c.chimerge_init_bins) ctx.addIssue({ code: 'custom', path: ['chimerge_target_bins'], message: 'must be <= chimerge_init_bins' });
    refineParties(c, ctx, { output_rule: c.output_rule, output_ds: c.output_ds });
  });
export type VertWoeBinningConfig = z.output<typeof vertWoeBinningSchema>;

export const substitutionSchema = z
  .object({
    input_ds: partyPaths,
    input_rule: partyPaths.describe('party -> rule JSON written by a preprocessing job; parties without a rule pass their table through'),
    output_ds: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const p of Object.keys(c.input_rule)) if (!(p in c.input_ds)) ctx.addIssue({ code: 'custom', path: ['input_rule', p], message: 'party has no input_ds' });
    refineParties(c, ctx, { output_ds: c.output_ds });
  });
export type SubstitutionConfig = z.output<typeof substitutionSchema>;

export const trainTestSplitSchema = z
  .object({
    input_ds: partyPaths,
    train_size: z.number().gt(0).lt(1).default(0.75),
    test_size: z.number().gt(0).lt(1).default(0.25),
    random_state: z.number().int().min(0).default(1024),
    shuffle: z.boolean().default(true),
    train_ds: partyPaths,
    test_ds: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.train_size + c.test_size > 1 + 1e-12) ctx.addIssue({ code: 'custom', path: ['test_size'], message: 'train_size + test_size must be <= 1' });
    refineParties(c, ctx, { train_ds: c.train_ds, test_ds: c.test_ds });
  });
export type TrainTestSplitConfig = z.output<typeof trainTestSplitSchema>;

export const featureFilterSchema = z
  .object({
    input_ds: partyPaths,
    drop_features: columnList,
    output_ds: partyPaths,
  })
  .strict()
  .superRefine((c, ctx) => refineParties(c, ctx, { output_ds: c.output_ds }));
export type FeatureFilterConfig = z.output<typeof featureFilterSchema>;
