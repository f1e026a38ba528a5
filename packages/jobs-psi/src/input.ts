// A party's PSI input through @sfw/data's CSV reader (docs/data.md): the header and row count in
// one streaming pass, which also rejects a ragged record (file name and row number) before the
// protocol starts; a UTF-8 byte-order mark is skipped. Problems are reported against the config
// field that named the file.
import { DataError, readCsvHeader } from '@sfw/data';
import { PsiParameterError } from './errors.ts';

export interface PsiInput {
  /** Column names in file order. */
  readonly columns: string[];
  /** Data rows (records after the header). */
  readonly numRows: number;
}

/** Opens and checks a CSV input, failing with a `ParameterValidationError` naming `field`. */
export async function readInput(path: string, field: string): Promise<PsiInput> {
  try {
    return await readCsvHeader(path);
  } catch (err) {
    throw asParameterError(err, field);
  }
}

/** A table problem as a parameter error on `field` (the reader's message names no cell value). */
export function asParameterError(err: unknown, field: string): unknown {
  if (err instanceof DataError) return new PsiParameterError(field, `input file is not a valid CSV table: ${err.message}`, { cause: err });
  return err;
}

/** Resolves key column names to indexes; a missing column fails naming the field. */
export function keyColumnIndexes(columns: readonly string[], keys: readonly string[], field: string): number[] {
  return keys.map((k) => {
    const i = columns.indexOf(k);
    if (i < 0) throw new PsiParameterError(field, `key column "${k}" is not in the input header`);
    return i;
  });
}
