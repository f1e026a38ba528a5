// onehot_encode (SecretFlow preprocessing/onehot_encode): each feature becomes float 0/1 columns
// `<col>_<i>`, categories in first-appearance order, nulls dropped from the fit (a null row is all
// zeros). `drop`: `first` drops the first category's column, `mode` the most frequent one's;
// `min_frequency` (a fraction of the rows) pools rarer categories into one extra column. A feature
// with 100 or more distinct values is refused. The new columns replace the feature at the end of
// the table (as pandas.get_dummies does). Fitting folds over row chunks.
import type { Column, Table } from '@sfw/data';
import { isNumericColumn } from '@sfw/data';
import { columnOf, newColumn, withColumns } from './columns.ts';
import type { ColumnAlloc } from './columns.ts';
import { issue } from './issues.ts';
import type { OnehotConfig } from './params.ts';
import type { OnehotColumn, OnehotRule } from './rules.ts';

export const MAX_CATEGORIES = 100;

/** Category key of a cell; undefined for null. Numbers are keyed by their shortest decimal form. */
function keysOf(col: Column): (string | undefined)[] {
  if (isNumericColumn(col)) return Array.from(col, (v) => (Number.isNaN(v) ? undefined : String(v)));
  return col.map((s) => (s === '' ? undefined : s));
}

export class OnehotFit {
  private readonly counts = new Map<string, Map<string, number>>();
  private rows = 0;
  constructor(private readonly cfg: Pick<OnehotConfig, 'drop' | 'min_frequency'>, private readonly features: readonly string[]) {
    for (const f of features) this.counts.set(f, new Map());
  }

  add(t: Table): void {
    this.rows += t.numRows;
    for (const f of this.features) {
      const m = this.counts.get(f)!;
      for (const k of keysOf(columnOf(t, f, 'task_config.features'))) {
        if (k === undefined) continue;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      if (m.size >= MAX_CATEGORIES) throw issue('task_config.features', `column '${f}' has ${MAX_CATEGORIES} or more categories`);
    }
  }

  finish(party: string): OnehotRule {
    const columns: OnehotColumn[] = this.features.map((f) => {
      const counts = this.counts.get(f)!;
      const minCount = this.cfg.min_frequency * this.rows;
      const all = [...counts.keys()];
      const frequent = all.filter((c) => counts.get(c)! >= minCount);
      const infrequent = all.filter((c) => counts.get(c)! < minCount);
      let dropped: number | undefined;
      if (this.cfg.drop === 'first' && frequent.length > 0) dropped = 0;
      if (this.cfg.drop === 'mode' && frequent.length > 0) {
        dropped = 0;
        frequent.forEach((c, i) => { if (counts.get(c)! > counts.get(frequent[dropped!]!)!) dropped = i; });
      }
      const outputs = frequent.map((_, i) => `${f}_${i}`);
      const col: OnehotColumn = { column: f, categories: frequent, infrequent, outputs: outputs.filter((_, i) => i !== dropped) };
      if (dropped !== undefined) col.dropped = dropped;
      if (infrequent.length > 0) col.outputs.push(`${f}_${frequent.length}`);
      return col;
    });
    return { type: 'sf.rule.preprocessing', version: '0.1', kind: 'onehot_encode', party, columns };
  }
}

export function applyOnehot(t: Table, rule: OnehotRule, alloc: ColumnAlloc = newColumn): Table {
  const append: [string, Column][] = [];
  for (const c of rule.columns) {
    const col = t.data[c.column];
    if (col === undefined) throw issue('input_rule', `column '${c.column}' of the rule is not in the table`);
    const keys = keysOf(col);
    const index = new Map(c.categories.map((k, i) => [k, i]));
    const pooled = new Set(c.infrequent);
    const out = c.categories.map(() => alloc(t.numRows));
    const other = c.infrequent.length > 0 ? alloc(t.numRows) : new Float64Array(0);
    keys.forEach((k, r) => {
      if (k === undefined) return;
      const i = index.get(k);
      if (i !== undefined) out[i]![r] = 1;
      else if (pooled.has(k)) other[r] = 1;
      // An unseen category is all zeros.
    });
    c.categories.forEach((_, i) => { if (i !== c.dropped) append.push([`${c.column}_${i}`, out[i]!]); });
    if (c.infrequent.length > 0) append.push([`${c.column}_${c.categories.length}`, other]);
  }
  return withColumns(t, {}, append, rule.columns.map((c) => c.column));
}
