// zod failures -> ParameterValidationError naming every failing field path. Only paths, zod's
// issue codes and its messages go into the error (zod 4 messages state expectations, not inputs).
import type { z } from 'zod';
import { ParameterValidationError } from './errors.ts';

export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  const parts = path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p)));
  return [prefix, ...parts].filter((p) => p !== '').join('.') || '(root)';
}

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((i): FieldIssue[] =>
    // One entry per unknown key, so the path names the offending field itself.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: formatPath([...i.path, k], prefix), code: i.code, message: 'unknown field' }))
      : [{ path: formatPath(i.path, prefix), code: i.code, message: i.message }],
  );
}

export function validationError(issues: FieldIssue[], what = 'task parameters'): ParameterValidationError {
  const shown = issues.slice(0, 8).map((i) => `${i.path}: ${i.message}`).join('; ');
  const more = issues.length > 8 ? ` (+${issues.length - 8} more)` : '';
  return new ParameterValidationError(`Invalid ${what}: ${shown}${more}`, {
    details: { fields: [...new Set(issues.map((i) => i.path))], issues: issues.slice(0, 50) },
  });
}

/** Parses or throws ParameterValidationError with paths under `prefix` (e.g. `task_config`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(issuesOf(r.error, prefix));
}
