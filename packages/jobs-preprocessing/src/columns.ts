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

/**
 * Makes a zero-filled Float64Array of n elements for a transformed column. The default makes a new
 * one; a streamed write passes its pool (`ColumnPool`), which hands out recycled memory.
 */
export type ColumnAlloc = (n: number) => Float64Array;

export const newColumn: ColumnAlloc = (n) => new Float64Array(n);

/**
 * The transformed columns of one streamed write, recycled from batch to batch: a new batch's
 * columns reuse the memory of the last batch's once it is written (batches differ a little in row
 * count, so a column is a view of the first n elements of a slightly larger array). No new external
 * memory per batch, which V8 would answer with full collections.
 */
export class ColumnPool {
  readonly #free: Float64Array[] = [];

  readonly alloc: ColumnAlloc = (n) => {
    const a = this.#free.pop();
    if (a !== undefined && a.length >= n) return a.subarray(0, n).fill(0);
    return new Float64Array(n + (n >> 4)).subarray(0, n);
  };

  /**
   * Takes back the numeric columns of `out` (a written batch, no longer used) except those that
   * share memory with a column of `input` (the batch as read: a column a job passed through, or one
   * kept for a later pass).
   */
  recycle(out: Table, input: Table): void {
    const keep = new Set<ArrayBufferLike>();
    for (const c of input.columns) {
      const col = input.data[c];
      if (col instanceof Float64Array) keep.add(col.buffer);
    }
    for (const c of out.columns) {
      const col = out.data[c];
      if (col instanceof Float64Array && !keep.has(col.buffer)) {
        keep.add(col.buffer); // once, even if two columns share it
        this.#free.push(new Float64Array(col.buffer));
      }
    }
  }
}
