// The columnar party table shared by every job: one typed array per numeric column (NaN marks a
// missing value) and a string array per string column. Columnar because jobs select a few columns
// and ship them as matrices to SPU; a row-of-objects layout would box every cell.

export type Column = Float64Array | string[];

export interface Table {
  readonly columns: string[];
  readonly data: Record<string, Column>;
  readonly numRows: number;
}

export const DATA_ERROR_CODES = {
  CSV_PARSE: 'CSV_PARSE',
  COLUMN_MISSING: 'COLUMN_MISSING',
  COLUMN_TYPE: 'COLUMN_TYPE',
  SHAPE: 'SHAPE',
  /** A task file whose opened descriptor is not the checked file in the data root (pinned.ts). */
  PATH_ESCAPE: 'PATH_ESCAPE',
} as const;
export type DataErrorCode = (typeof DATA_ERROR_CODES)[keyof typeof DATA_ERROR_CODES];

/** One error class for table problems. Messages name columns and lines, never cell values. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(
    readonly code: DataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isNumericColumn(col: Column): col is Float64Array {
  return col instanceof Float64Array;
}

/** Builds a table, checking every column exists and has `numRows` entries. */
export function makeTable(columns: string[], data: Record<string, Column>): Table {
  const numRows = columns.length === 0 ? 0 : columnOf(data, columns[0]!).length;
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new DataError('SHAPE', `duplicate column '${c}'`);
    seen.add(c);
    const col = columnOf(data, c);
    if (col.length !== numRows) {
      throw new DataError('SHAPE', `column '${c}' has ${col.length} rows, expected ${numRows}`);
    }
  }
  const own: Record<string, Column> = {};
  for (const c of columns) own[c] = data[c]!;
  return { columns: [...columns], data: own, numRows };
}

function columnOf(data: Record<string, Column>, name: string): Column {
  const col = Object.hasOwn(data, name) ? data[name] : undefined;
  if (col === undefined) throw new DataError('COLUMN_MISSING', `column '${name}' not found`);
  return col;
}

/** The column, or a COLUMN_MISSING error naming it. */
export function getColumn(table: Table, name: string): Column {
  return columnOf(table.data, name);
}

/** A numeric column, or a COLUMN_TYPE error (string columns cannot be features or labels). */
export function getNumericColumn(table: Table, name: string): Float64Array {
  const col = getColumn(table, name);
  if (!isNumericColumn(col)) throw new DataError('COLUMN_TYPE', `column '${name}' is not numeric`);
  return col;
}

/** Columns that are absent from the table (for validation messages listing all of them at once). */
export function missingColumns(table: Table, names: readonly string[]): string[] {
  return names.filter((n) => !Object.hasOwn(table.data, n));
}

/** A table restricted to `names`, in that order (columns are shared, not copied). */
export function selectColumns(table: Table, names: readonly string[]): Table {
  const missing = missingColumns(table, names);
  if (missing.length > 0) {
    throw new DataError('COLUMN_MISSING', `columns not found: ${missing.map((m) => `'${m}'`).join(', ')}`);
  }
  const data: Record<string, Column> = {};
  for (const n of names) data[n] = table.data[n]!;
  return { columns: [...names], data, numRows: table.numRows };
}

/** A table holding the rows at `indices` (in that order). */
export function takeRows(table: Table, indices: ArrayLike<number>): Table {
  const data: Record<string, Column> = {};
  for (const c of table.columns) {
    const col = table.data[c]!;
    if (isNumericColumn(col)) {
      const out = new Float64Array(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = col[indices[i]!]!;
      data[c] = out;
    } else {
      const out = new Array<string>(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = col[indices[i]!]!;
      data[c] = out;
    }
  }
  return { columns: [...table.columns], data, numRows: indices.length };
}

/** Joins tables with equal row counts side by side; column names must not collide. */
export function hconcat(...tables: Table[]): Table {
  const columns: string[] = [];
  const data: Record<string, Column> = {};
  for (const t of tables) {
    for (const c of t.columns) {
      columns.push(c);
      data[c] = t.data[c]!;
    }
  }
  return makeTable(columns, data);
}

/**
 * Row-major float64 matrix of the named numeric columns (numRows x names.length): the layout SPU
 * matmul expects for a feature block.
 */
export function toRowMajor(table: Table, names: readonly string[]): Float64Array {
  const cols = names.map((n) => getNumericColumn(table, n));
  const d = cols.length;
  const out = new Float64Array(table.numRows * d);
  for (let j = 0; j < d; j++) {
    const col = cols[j]!;
    for (let i = 0; i < table.numRows; i++) out[i * d + j] = col[i]!;
  }
  return out;
}
