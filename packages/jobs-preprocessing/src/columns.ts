// Column value types as the preprocessing jobs see a CSV table. A CSV has no schema, so the type
// comes from the cells: a numeric column whose non-missing values are all integers is `int`,
// otherwise `float`; a text column whose non-empty cells are all true/false is `bool`, otherwise
// `str`. Missing: NaN in numeric columns (an empty field, NA, null, ...), the empty string in text.
import type { Column, Table } from '@sfw/data';
import { isNumericColumn } from '@sfw/data';
import { issue } from './issues.ts';

export type ValueType = 'float' | 'int' | 'str' | 'bool';

const BOOL = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);

/** Type evidence of one chunk of a column; merged across chunks by `mergeType`. */
export interface TypeEvidence {
  numeric: boolean | undefined;
  allInt: boolean;
  allBool: boolean;
}

export function typeEvidence(col: Column): TypeEvidence {
  if (isNumericColumn(col)) {
    let allInt = true;
    let seen = false;
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (Number.isNaN(v)) continue;
      seen = true;
      if (!Number.isInteger(v)) {
        allInt = false;
        break;
      }
    }
    // A chunk of only missing cells says nothing about the type.
    return { numeric: seen ? true : undefined, allInt, allBool: true };
  }
  let allBool = true;
  for (const s of col) if (s !== '' && !BOOL.has(s)) { allBool = false; break; }
  return { numeric: false, allInt: true, allBool };
}

export function mergeType(a: TypeEvidence, b: TypeEvidence, column: string, field: string): TypeEvidence {
  if (a.numeric !== undefined && b.numeric !== undefined && a.numeric !== b.numeric) {
    throw issue(field, `column '${column}' mixes numeric and text cells`);
  }
  return { numeric: a.numeric ?? b.numeric, allInt: a.allInt && b.allInt, allBool: a.allBool && b.allBool };
}

export function typeOf(e: TypeEvidence): ValueType {
  if (e.numeric === false) return e.allBool ? 'bool' : 'str';
  return e.allInt ? 'int' : 'float';
}

export const isNumericType = (t: ValueType): boolean => t === 'int' || t === 'float';

/** The column, or an issue naming it and the field that asked for it. */
export function columnOf(t: Table, name: string, field: string): Column {
  const c = t.data[name];
  if (c === undefined) throw issue(field, `column '${name}' not found`);
  return c;
}

export function numericColumnOf(t: Table, name: string, field: string, what: string): Float64Array {
  const c = columnOf(t, name, field);
  if (!isNumericColumn(c)) {
    // An all-empty text column is a numeric column without values.
    if (c.every((s) => s === '')) return new Float64Array(c.length).fill(NaN);
    throw issue(field, `column '${name}' is not numeric (${what} needs numbers)`);
  }
  return c;
}

/** Python's round(): half to even (numpy.round too), so integer fills match pandas. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A copy of the table with some columns replaced (others shared, order kept) and some appended. */
export function withColumns(t: Table, replace: Record<string, Column>, append: [string, Column][] = [], drop: readonly string[] = []): Table {
  const dropped = new Set(drop);
  const columns = t.columns.filter((c) => !dropped.has(c));
  const data: Record<string, Column> = {};
  for (const c of columns) data[c] = replace[c] ?? t.data[c]!;
  for (const [name, col] of append) {
    if (!(name in data)) columns.push(name);
    data[name] = col;
  }
  return { columns, data, numRows: t.numRows };
}
