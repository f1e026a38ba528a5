// Column names a task writes into a file header (`pred_name`, `id_column`, ...). They come from the
// message, and a header line is written verbatim into a file: a name holding a line break could
// plant a line of the attacker's choosing (an authorized_keys entry, a shell command). Quoting the
// field does not help with that, so such names are refused; the set below also keeps spreadsheet
// formula prefixes (= + - @) out of the first character.
import { z } from 'zod';

export const SAFE_COLUMN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_. -]{0,127}$/;

/** A column name the task writes: letters, digits, `_`, then also `.`, `-` and space; 128 at most. */
export const columnNameSchema = z
  .string()
  .regex(SAFE_COLUMN_NAME, 'a column name: a letter, digit or _ first, then letters, digits, _ . - or space (128 at most)');
