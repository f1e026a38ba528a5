// Driver-side helpers shared by the preprocessing jobs: which party holds which column (from the
// public headers), the two-phase fit / check / write of per-party transformations, and the one
// ParameterValidationError that names every bad field.
import type { JobContext } from '@sfw/executor';
import { ParameterValidationError, tableIssues, validationError } from '@sfw/executor';
import type { DeviceObject, Pyu, Spu } from '@sfw/runtime';
import type { PrepIssue } from './issues.ts';
import type { Fitted, LocalSpec, WriteSummary } from './local.ts';

/** The cluster surface the jobs use (the runtime's Cluster satisfies it). */
export interface PrepCluster {
  pyu(party: string): Pyu;
  spu(): Spu;
}

export const clusterOf = (ctx: JobContext): PrepCluster => ctx.cluster;

export function fail(issues: readonly PrepIssue[]): never {
  const fields = [...new Set(issues.map((i) => i.field))];
  throw new ParameterValidationError(`Invalid task parameters: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { details: { fields } });
}

export function checkParties(ctx: JobContext, rec: Record<string, string>, field: string): string[] {
  const parties = Object.keys(rec).sort();
  const unknown = parties.filter((p) => !ctx.parties.includes(p));
  if (unknown.length > 0) fail(unknown.map((p) => ({ field: `task_config.${field}`, message: `party ${p} is not in the cluster` })));
  return parties;
}

/**
 * Column names per party (public metadata); `input` holds the resolved paths. A table over the
 * operator's row or column bound (SFW_MAX_ROWS / SFW_MAX_COLUMNS) fails naming
 * `task_config.input_ds.<party>` before anything else runs.
 */
export async function headers(ctx: Pick<JobContext, 'cluster' | 'limits'>, input: Record<string, string>): Promise<Map<string, string[]>> {
  const cluster: PrepCluster = ctx.cluster;
  const entries = await Promise.all(
    Object.entries(input).map(async ([party, path]) => [
      party,
      await cluster.pyu(party).call<{ columns: string[]; numRows: number | undefined }>('prep.header', path, ctx.limits.maxRows).get(),
    ] as const),
  );
  // An uncounted table (undefined) is within the row bound: its size proves it.
  const issues = entries.flatMap(([party, h]) => tableIssues({ rows: h.numRows ?? 0, columns: h.columns.length }, ctx.limits, `task_config.input_ds.${party}`));
  if (issues.length > 0) throw validationError(issues);
  return new Map(entries.map(([party, h]) => [party, h.columns]));
}

/** party -> the listed columns it holds; every column must be at exactly one party. */
export function owners(h: Map<string, string[]>, columns: readonly string[], field: string): Map<string, string[]> {
  const out = new Map<string, string[]>([...h.keys()].map((p) => [p, []]));
  const issues: PrepIssue[] = [];
  for (const c of columns) {
    const at = [...h].filter(([, cols]) => cols.includes(c)).map(([p]) => p);
    if (at.length === 0) issues.push({ field, message: `column '${c}' not found at any party` });
    else if (at.length > 1) issues.push({ field, message: `column '${c}' is held by more than one party (${at.join(', ')})` });
    else out.get(at[0]!)!.push(c);
  }
  if (issues.length > 0) fail(issues);
  return out;
}

export interface FitWriteResult {
  parties: Record<string, WriteSummary>;
}

/**
 * Every party fits its spec on its own table; if any party reports an issue, nothing is written and
 * one ParameterValidationError names the fields. Otherwise each party writes its table and rule.
 * `input` holds resolved paths, `out` staged ones (the job's files).
 */
export async function fitCheckWrite(
  cluster: PrepCluster,
  input: Record<string, string>,
  specs: Map<string, LocalSpec>,
  out: { ds?: Record<string, string> | undefined; rule?: Record<string, string> | undefined },
): Promise<FitWriteResult> {
  const parties = [...specs.keys()];
  const fitted = new Map<string, DeviceObject<Fitted>>(parties.map((p) => [p, cluster.pyu(p).call<Fitted>('prep.fit', input[p]!, specs.get(p)!)]));
  const issues = (await Promise.all(parties.map((p) => cluster.pyu(p).call<PrepIssue[]>('prep.issues', fitted.get(p)!).get()))).flat();
  if (issues.length > 0) fail(issues);
  return writeAll(cluster, fitted, out);
}

export async function writeAll(
  cluster: PrepCluster,
  fitted: Map<string, DeviceObject<Fitted>>,
  out: { ds?: Record<string, string> | undefined; rule?: Record<string, string> | undefined },
): Promise<FitWriteResult> {
  const parties = [...fitted.keys()];
  const written = await Promise.all(
    parties.map((p) => {
      const ds = out.ds?.[p], rule = out.rule?.[p];
      return cluster.pyu(p).call<WriteSummary>('prep.write', fitted.get(p)!, ds, rule).get();
    }),
  );
  return { parties: Object.fromEntries(parties.map((p, i) => [p, written[i]!])) };
}
