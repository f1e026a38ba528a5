// fillna (SecretFlow preprocessing/fillna): per column, nulls and the listed outliers are replaced by
// a constant or a statistic of the column's other values (mean, median, most frequent), chosen by the
// column's value type. Fitting is a fold over row chunks, so the same code serves a whole table and a
// streamed file. Median is exact (pandas' median), where SecretFlow uses Arrow's approximate
// (t-digest) median; most_frequent breaks ties toward the smallest value (pandas `mode()[0]`).
import type { Column, Table } from '@sfw/data';
import { isNumericColumn, selectNth } from '@sfw/data';
import { mergeType, newColumn, roundHalfEven, typeEvidence, typeOf, withColumns } from './columns.ts';
import type { ColumnAlloc, TypeEvidence, ValueType } from './columns.ts';
import { issue } from './issues.ts';

import type { FillnaColumn, FillnaRule } from './rules.ts';
import type { FillnaConfig } from './params.ts';

type NumStrategy = 'constant' | 'mean' | 'median' | 'most_frequent';

/** Statistics of the non-null, non-outlier values of one numeric column, for one strategy. */
class NumericStats {
  private sum = 0;
  private count = 0;
  private readonly counts = new Map<number, number>();
  private values = new Float64Array(1024);
  private n = 0;
  constructor(readonly strategy: NumStrategy, private readonly outliers: ReadonlySet<number>) {}

  add(col: Float64Array): void {
    // One loop per strategy, and no set look-up without outliers: a number key is hashed per call
    // (a boxed double for a non-integer), which cost more than the statistic itself.
    const out = this.outliers.size > 0 ? this.outliers : undefined;
    const n = col.length;
    switch (this.strategy) {
      case 'mean': {
        // The same additions in the same order as one value at a time: the mean is unchanged.
        let sum = this.sum, count = this.count;
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v !== v || (out !== undefined && out.has(v))) continue;
          sum += v;
          count++;
        }
        this.sum = sum;
        this.count = count;
        break;
      }
      case 'median': {
        if (this.n + n > this.values.length) {
          const grown = new Float64Array(Math.max(this.values.length * 2, this.n + n));
          grown.set(this.values.subarray(0, this.n));
          this.values = grown;
        }
        const values = this.values;
        let k = this.n;
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v !== v || (out !== undefined && out.has(v))) continue;
          values[k++] = v;
        }
        this.n = k;
        break;
      }
      case 'most_frequent':
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v !== v || (out !== undefined && out.has(v))) continue;
          this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
        }
        break;
      case 'constant':
        break;
    }
  }

  /** The statistic, or NaN when the column has no usable value. */
  value(): number {
    switch (this.strategy) {
      case 'mean':
        return this.count === 0 ? NaN : this.sum / this.count;
      case 'median': {
        if (this.n === 0) return NaN;
        const v = this.values.subarray(0, this.n);
        const h = this.n >> 1;
        // Selection instead of a full sort (linear time). The values are the same as the sorted
        // array's; only a zero's sign depends on the order of equal keys, so zeros take the sort.
        const upper = selectNth(v, h);
        const lower = this.n % 2 === 1 ? upper : maxOf(v, h);
        if (upper === 0 || lower === 0) {
          v.sort();
          return this.n % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
        }
        return this.n % 2 === 1 ? upper : (lower + upper) / 2;
      }
      case 'most_frequent':
        return modeOf(this.counts, (a, b) => a - b) ?? NaN;
      case 'constant':
        return NaN;
    }
  }
}

function modeOf<K>(counts: Map<K, number>, cmp: (a: K, b: K) => number): K | undefined {
  let best: K | undefined;
  let bestN = 0;
  for (const [k, n] of counts) if (n > bestN || (n === bestN && best !== undefined && cmp(k, best) < 0)) [best, bestN] = [k, n];
  return best;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface ColumnFit {
  evidence: TypeEvidence | undefined;
  float?: NumericStats;
  int?: NumericStats;
  strCounts?: Map<string, number>;
}

/** A fold over chunks that ends in a fillna rule. */
export class FillnaFit {
  private readonly cols = new Map<string, ColumnFit>();
  private readonly floatOut: Set<number>;
  private readonly intOut: Set<number>;
  private readonly strOut: Set<string>;
  constructor(private readonly cfg: FillnaConfig) {
    this.floatOut = new Set(cfg.float_outliers);
    this.intOut = new Set(cfg.int_outliers);
    this.strOut = new Set(cfg.str_outliers);
    for (const f of cfg.features) this.cols.set(f, { evidence: undefined });
  }

  add(t: Table): void {
    for (const [name, fit] of this.cols) {
      const col = t.data[name];
      if (col === undefined) throw issue('task_config.features', `column '${name}' not found`);
      const ev = typeEvidence(col);
      fit.evidence = fit.evidence === undefined ? ev : mergeType(fit.evidence, ev, name, 'task_config.features');
      if (isNumericColumn(col)) {
        // The int/float decision needs every chunk: keep the statistic for both until the end.
        fit.float ??= new NumericStats(this.cfg.float_fill_strategy, this.floatOut);
        fit.int ??= new NumericStats(this.cfg.int_fill_strategy, this.intOut);
        fit.float.add(col);
        fit.int.add(col);
      } else {
        fit.strCounts ??= new Map();
        for (const s of col) if (s !== '' && !this.strOut.has(s)) fit.strCounts.set(s, (fit.strCounts.get(s) ?? 0) + 1);
      }
    }
  }

  finish(party: string): FillnaRule {
    const columns: FillnaColumn[] = [];
    for (const [name, fit] of this.cols) {
      const type: ValueType = fit.evidence === undefined ? 'float' : typeOf(fit.evidence);
      columns.push(this.columnRule(name, type, fit));
    }
    return { type: 'sf.rule.preprocessing', version: RULE_VERSION_FILLNA, kind: 'fillna', party, nan_is_null: this.cfg.nan_is_null, columns };
  }

  private columnRule(name: string, type: ValueType, fit: ColumnFit): FillnaColumn {
    const c = this.cfg;
    switch (type) {
      case 'float':
      case 'int': {
        const strategy = type === 'float' ? c.float_fill_strategy : c.int_fill_strategy;
        const constant = type === 'float' ? c.fill_value_float : c.fill_value_int;
        let value = strategy === 'constant' ? constant : (type === 'float' ? fit.float : fit.int)?.value() ?? NaN;
        if (Number.isNaN(value)) throw issue(`task_config.${type}_fill_strategy`, `column '${name}' has no value to compute ${strategy} from`);
        if (type === 'int') value = roundHalfEven(value);
        return { column: name, value_type: type, strategy, outliers: type === 'float' ? c.float_outliers : c.int_outliers, value };
      }
      case 'str':
      case 'bool': {
        const strategy = type === 'str' ? c.str_fill_strategy : c.bool_fill_strategy;
        let value: string;
        if (strategy === 'constant') value = type === 'str' ? c.fill_value_str : String(c.fill_value_bool);
        else {
          const m = modeOf(fit.strCounts ?? new Map<string, number>(), byCodePoint);
          if (m === undefined) throw issue(`task_config.${type}_fill_strategy`, `column '${name}' has no value to compute most_frequent from`);
          value = m;
        }
        return { column: name, value_type: type, strategy, outliers: type === 'str' ? c.str_outliers : [], value };
      }
    }
  }
}

const RULE_VERSION_FILLNA = '0.1';

/** Replaces nulls and outliers of every rule column; other columns are shared unchanged. */
export function applyFillna(t: Table, rule: FillnaRule, alloc: ColumnAlloc = newColumn): Table {
  const replace: Record<string, Column> = {};
  for (const c of rule.columns) {
    const col = t.data[c.column];
    if (col === undefined) throw issue('input_rule', `column '${c.column}' of the rule is not in the table`);
    if (isNumericColumn(col) && (c.value_type === 'str' || c.value_type === 'bool')) {
      // A streamed batch whose text cells are all missing reads as numbers (NaN).
      const v = String(c.value);
      replace[c.column] = Array.from(col, (x) => (Number.isNaN(x) ? v : String(x)));
    } else if (isNumericColumn(col)) {
      const out = new Set(c.outliers as number[]);
      const v = typeof c.value === 'number' ? c.value : Number(c.value);
      const r = alloc(col.length);
      for (let i = 0; i < col.length; i++) {
        const x = col[i]!;
        r[i] = Number.isNaN(x) || out.has(x) ? v : x;
      }
      replace[c.column] = r;
    } else if (c.value_type === 'float' || c.value_type === 'int') {
      // A chunk of only missing cells reads as text; it becomes the fill value.
      const v = Number(c.value);
      replace[c.column] = Float64Array.from(col, (s) => (s === '' ? v : Number(s)));
    } else {
      const out = new Set(c.outliers.map(String));
      const v = String(c.value);
      replace[c.column] = col.map((s) => (s === '' || out.has(s) ? v : s));
    }
  }
  return withColumns(t, replace);
}

/** The largest of v[0..n). */
export function maxOf(v: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i]! > m) m = v[i]!;
  return m;
}
