// Rule objects: what a fitting job writes per party (`output_rule`) and `substitution` applies to new
// data. Versioned JSON holding only that party's own parameters. `sf.rule.preprocessing` (fillna,
// feature_calculate, onehot_encode) and `sf.rule.binning` (binning, woe_binning) as in SecretFlow's
// DistData types. One apply function per kind serves both the fitting job and substitution, so a
// rule applied to the table it was fitted on reproduces the fitting job's output exactly.
import type { Table } from '@sfw/data';
import { z } from 'zod';
import { applyCalculate } from './calculate.ts';
import { applyFillna } from './fillna.ts';
import { PrepIssueError, issue } from './issues.ts';
import { applyOnehot } from './onehot.ts';
import { substituteBins } from './binning.ts';
import { withColumns } from './columns.ts';
import type { ColumnAlloc } from './columns.ts';
import { CALCULATE_OPS } from './params.ts';

export const RULE_VERSION = '0.1';

const base = { version: z.literal(RULE_VERSION), party: z.string().min(1) };
const scalar = z.union([z.number(), z.string()]);

const fillnaColumn = z.object({
  column: z.string(),
  value_type: z.enum(['float', 'int', 'str', 'bool']),
  strategy: z.string(),
  outliers: z.array(scalar),
  value: scalar,
});
export type FillnaColumn = z.infer<typeof fillnaColumn>;

const calculateStep = z.object({
  rule_index: z.number().int().min(0),
  op: z.enum(CALCULATE_OPS),
  column: z.string(),
  operands: z.array(scalar),
  params: z.union([z.object({ mean: z.number(), std: z.number() }), z.object({ min: z.number(), max: z.number() })]).optional(),
});
export type CalculateStep = z.infer<typeof calculateStep>;

const onehotColumn = z.object({
  column: z.string(),
  categories: z.array(z.string()),
  infrequent: z.array(z.string()),
  dropped: z.number().int().min(0).optional(),
  outputs: z.array(z.string()),
});
export type OnehotColumn = z.infer<typeof onehotColumn>;

const binVariable = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'string']),
  split_points: z.array(z.number()).optional(),
  categories: z.array(z.string()).optional(),
  total_counts: z.array(z.number()),
  else_counts: z.number(),
  filling_values: z.array(z.number()),
  else_filling_value: z.number(),
});
export type BinVariable = z.infer<typeof binVariable>;

const ivInfo = z.object({ name: z.string(), party: z.string(), iv: z.number() });
export type FeatureIv = z.infer<typeof ivInfo>;

export const fillnaRuleSchema = z.object({ type: z.literal('sf.rule.preprocessing'), kind: z.literal('fillna'), ...base, nan_is_null: z.boolean(), columns: z.array(fillnaColumn) });
export const calculateRuleSchema = z.object({ type: z.literal('sf.rule.preprocessing'), kind: z.literal('feature_calculate'), ...base, steps: z.array(calculateStep) });
export const onehotRuleSchema = z.object({ type: z.literal('sf.rule.preprocessing'), kind: z.literal('onehot_encode'), ...base, columns: z.array(onehotColumn) });
export const binningRuleSchema = z.object({
  type: z.literal('sf.rule.binning'),
  kind: z.enum(['binning', 'woe_binning']),
  ...base,
  method: z.string(),
  variables: z.array(binVariable),
  /** woe_binning, at the label holder only: every selected feature's information value. */
  feature_iv_info: z.array(ivInfo).optional(),
});

export type FillnaRule = z.infer<typeof fillnaRuleSchema>;
export type CalculateRule = z.infer<typeof calculateRuleSchema>;
export type OnehotRule = z.infer<typeof onehotRuleSchema>;
export type BinningRule = z.infer<typeof binningRuleSchema>;

export const ruleSchema = z.union([fillnaRuleSchema, calculateRuleSchema, onehotRuleSchema, binningRuleSchema]);
export type Rule = z.infer<typeof ruleSchema>;

/** Parses a rule file's JSON; a malformed rule is a parameter problem of `input_rule`. */
export function parseRule(json: unknown, party: string): Rule {
  const r = ruleSchema.safeParse(json);
  if (!r.success) throw issue(`task_config.input_rule.${party}`, 'not a preprocessing or binning rule of a known kind and version');
  if (r.data.party !== party) throw issue(`task_config.input_rule.${party}`, `the rule was fitted for party '${r.data.party}'`);
  return r.data;
}

/** Binned values replace each variable's column (bin index, or WOE for woe_binning). */
export function applyBinning(t: Table, rule: BinningRule): Table {
  const replace: Record<string, Float64Array> = {};
  for (const v of rule.variables) {
    const col = t.data[v.name];
    if (col === undefined) throw issue('input_rule', `column '${v.name}' of the rule is not in the table`);
    replace[v.name] = substituteBins(v, col, 'input_rule');
  }
  return withColumns(t, replace);
}

/**
 * Applies any rule to a table. Missing rule columns fail with an issue naming the column. `alloc`:
 * where the transformed numeric columns come from (default: new arrays).
 */
export function applyRule(t: Table, rule: Rule, field = 'task_config.input_rule', alloc?: ColumnAlloc): Table {
  try {
    switch (rule.kind) {
      case 'fillna': return applyFillna(t, rule, alloc);
      case 'feature_calculate': return applyCalculate(t, rule, alloc);
      case 'onehot_encode': return applyOnehot(t, rule, alloc);
      case 'binning': case 'woe_binning': return applyBinning(t, rule);
    }
  } catch (e) {
    // Apply functions name `input_rule`; the caller knows the full field path (with the party).
    if (e instanceof PrepIssueError) for (const i of e.issues) if (i.field === 'input_rule') i.field = field;
    throw e;
  }
}
