// The one place where this package turns task_config paths into file paths. Today a relative path
// resolves against the worker's working directory; the executor's file seam (per-party data roots,
// staged outputs) will take over here.
import { resolve } from 'node:path';

export const inputPath = (p: string): string => resolve(p);
export const outputPath = (p: string): string => resolve(p);

export function resolveAll(rec: Record<string, string>, f: (p: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));
}
