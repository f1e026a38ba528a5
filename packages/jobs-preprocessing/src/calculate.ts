// feature_calculate (SecretFlow preprocessing/feature_calculate): each rule applies one op to its
// features, rules in order. STANDARDIZE ((x - mean) / std, population std) and NORMALIZATION
// ((x - min) / (max - min)) are fitted: a constant column becomes 0. Fitting folds over row chunks;
// a fitted op whose input is the output of an earlier fitted op on the same column needs the earlier
// statistics first, so fitting makes one pass over the data per such level (usually one).
import type { Column, Table } from '@sfw/data';
import { isNumericColumn } from '@sfw/data';
import { columnOf, newColumn, roundHalfEven, withColumns } from './columns.ts';
import type { ColumnAlloc } from './columns.ts';
import { issue } from './issues.ts';
import type { CalculateOp, CalculateRuleConfig } from './params.ts';
import type { CalculateRule, CalculateStep } from './rules.ts';

const FITTED = new Set<CalculateOp>(['STANDARDIZE', 'NORMALIZATION']);
const TEXT_OPS = new Set<CalculateOp>(['LENGTH', 'SUBSTR']);

/** The steps of the rules that touch this party's columns, in rule order. */
export function planSteps(rules: readonly CalculateRuleConfig[], localColumns: readonly string[]): CalculateStep[] {
  const here = new Set(localColumns);
  const steps: CalculateStep[] = [];
  rules.forEach((r, i) => {
    for (const f of r.features) if (here.has(f)) steps.push({ rule_index: i, op: r.op, column: f, operands: [...r.operands] });
  });
  return steps;
}

const fieldOf = (s: CalculateStep): string => `task_config.rules.${s.rule_index}.features`;
const num = (v: number | string | undefined): number => (typeof v === 'number' ? v : Number(v));

/** Welford accumulator (mean, population variance), min and max of the non-missing values. */
class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  add(col: Float64Array): void {
    for (let i = 0; i < col.length; i++) {
      const x = col[i]!;
      if (Number.isNaN(x)) continue;
      this.n++;
      const d = x - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (x - this.mean);
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
  }
}

/** Applies one step to a column. */
export function applyStep(col: Column, s: CalculateStep, alloc: ColumnAlloc = newColumn): Column {
  if (TEXT_OPS.has(s.op)) {
    if (isNumericColumn(col)) {
      // A streamed batch whose text cells are all missing reads as numbers (NaN): still text.
      if (!col.every((v) => Number.isNaN(v))) throw issue(fieldOf(s), `column '${s.column}' is numeric; ${s.op} needs text`);
      col = new Array<string>(col.length).fill('');
    }
    if (s.op === 'LENGTH') return Float64Array.from(col, (v) => (v === '' ? NaN : [...v].length));
    const [start, len] = [num(s.operands[0]), num(s.operands[1])];
    return col.map((v) => [...v].slice(start, start + len).join(''));
  }
  if (!isNumericColumn(col)) {
    if (col.every((v) => v === '')) col = new Float64Array(col.length).fill(NaN);
    else throw issue(fieldOf(s), `column '${s.column}' is not numeric; ${s.op} needs numbers`);
  }
  const x = col as Float64Array;
  const out = alloc(x.length);
  // The two fitted ops as plain loops (a closure call per cell is not inlined once several ops'
  // closures have run through here); the same arithmetic as stepFunction, value for value.
  if (s.op === 'STANDARDIZE') {
    const { mean, std } = s.params as { mean: number; std: number };
    if (std !== 0) {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        out[i] = v !== v ? NaN : (v - mean) / std;
      }
      return out;
    }
  } else if (s.op === 'NORMALIZATION') {
    const { min, max } = s.params as { min: number; max: number };
    if (max !== min) {
      const range = max - min;
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        out[i] = v !== v ? NaN : (v - min) / range;
      }
      return out;
    }
  }
  const f = stepFunction(s);
  for (let i = 0; i < x.length; i++) out[i] = Number.isNaN(x[i]!) ? NaN : f(x[i]!);
  return out;
}

function stepFunction(s: CalculateStep): (x: number) => number {
  const o = s.operands;
  switch (s.op) {
    case 'STANDARDIZE': {
      const { mean, std } = s.params as { mean: number; std: number };
      return std === 0 ? () => 0 : (x) => (x - mean) / std;
    }
    case 'NORMALIZATION': {
      const { min, max } = s.params as { min: number; max: number };
      return max === min ? () => 0 : (x) => (x - min) / (max - min);
    }
    case 'RANGE_LIMIT': {
      const [lo, hi] = [num(o[0]), num(o[1])];
      return (x) => (x < lo ? lo : x > hi ? hi : x);
    }
    case 'UNARY': {
      const v = num(o[2]);
      const left = o[0] === '+';
      const op = String(o[1]);
      if (op === '+') return (x) => x + v;
      if (op === '-') return left ? (x) => x - v : (x) => v - x;
      if (op === '*') return (x) => x * v;
      return left ? (x) => x / v : (x) => v / x;
    }
    case 'RECIPROCAL': return (x) => 1 / x;
    case 'ROUND': return roundHalfEven;
    case 'LOG_ROUND': {
      const b = num(o[0]);
      return (x) => roundHalfEven(Math.log2(x + b));
    }
    case 'SQRT': return Math.sqrt;
    case 'LOG': {
      const b = num(o[1]);
      if (o[0] === 'e') return (x) => Math.log(x + b);
      const lb = Math.log(num(o[0]));
      return (x) => Math.log(x + b) / lb;
    }
    case 'EXP': return Math.exp;
    case 'LENGTH': case 'SUBSTR': throw new Error(`${s.op} is a text op`);
  }
}

/** Applies every step of the rule in order. */
export function applyCalculate(t: Table, rule: CalculateRule, alloc: ColumnAlloc = newColumn): Table {
  const replace: Record<string, Column> = {};
  for (const s of rule.steps) {
    const col = replace[s.column] ?? t.data[s.column];
    if (col === undefined) throw issue('input_rule', `column '${s.column}' of the rule is not in the table`);
    replace[s.column] = applyStep(col, s, alloc);
  }
  return withColumns(t, replace);
}

/**
 * Fits the statistics of STANDARDIZE / NORMALIZATION steps over the row chunks `chunks()` yields
 * (called once per pass). Returns the rule with every step's parameters set.
 */
export async function fitCalculate(steps: CalculateStep[], party: string, chunks: () => AsyncIterable<Table> | Iterable<Table>): Promise<CalculateRule> {
  const fitted = steps.map((s) => !FITTED.has(s.op));
  for (;;) {
    // Steps whose input no longer depends on an unfitted step: fit them together in one pass.
    const ready: number[] = [];
    const blocked = new Set<string>();
    steps.forEach((s, i) => {
      if (fitted[i]) return;
      if (!blocked.has(s.column)) ready.push(i);
      blocked.add(s.column);
    });
    if (ready.length === 0) break;
    const acc = new Map(ready.map((i) => [i, new Moments()]));
    for await (const t of chunks()) {
      for (const i of ready) {
        const s = steps[i]!;
        let col = columnOf(t, s.column, fieldOf(s));
        for (let j = 0; j < i; j++) if (steps[j]!.column === s.column) col = applyStep(col, steps[j]!);
        if (!isNumericColumn(col)) {
          if (col.every((v) => v === '')) continue;
          throw issue(fieldOf(s), `column '${s.column}' is not numeric; ${s.op} needs numbers`);
        }
        acc.get(i)!.add(col);
      }
    }
    for (const i of ready) {
      const m = acc.get(i)!;
      const s = steps[i]!;
      if (m.n === 0) throw issue(fieldOf(s), `column '${s.column}' has no values to fit ${s.op} on`);
      s.params = s.op === 'STANDARDIZE' ? { mean: m.mean, std: Math.sqrt(m.m2 / m.n) } : { min: m.min, max: m.max };
      fitted[i] = true;
    }
  }
  // Type checks of the stat-free steps happen here too, so a bad op fails before anything is written.
  return { type: 'sf.rule.preprocessing', version: '0.1', kind: 'feature_calculate', party, steps };
}
