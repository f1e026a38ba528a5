// Where the statistics jobs touch paths and parameters: the files each task declares to the
// executor's file seam (docs/executor.md) and the resolved paths the jobs read back from it live here,
// column ownership comes from the parties' headers (public metadata), and every bad parameter becomes
// a ParameterValidationError naming it.
import { ParameterValidationError, perPartyFiles, tableIssues, validationError } from '@sfw/executor';
import type { FileDecl, FileEnv, JobContext, JobFiles } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';
import { checkParties, resolveLayout } from '@sfw/model';
import type { DataLayout, HeaderInfo } from '@sfw/model';

export function invalid(field: string, message: string): ParameterValidationError {
  return new ParameterValidationError(`Invalid task parameters: task_config.${field}: ${message}`, {
    details: { fields: [`task_config.${field}`] },
  });
}

/** Each party's table, read in that party's own data root. */
export function inputDsFiles(c: { input_ds: Record<string, string> }): FileDecl[] {
  return perPartyFiles('input_ds', c.input_ds, 'input');
}

/** ss_pvalue: the tables and the SS-LR model directory in every SPU party's root (each loads its share). */
export function pvalueFiles(c: { input_ds: Record<string, string>; model: string }, env: FileEnv): FileDecl[] {
  return [...inputDsFiles(c), ...env.spuParties.map((party) => ({ field: 'model', party, role: 'input-dir' as const, path: c.model }))];
}

/** party -> the resolved input path the executor checked (never the message's path). */
export function inputPaths(files: JobFiles, inputDs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(inputDs).map((p) => [p, files.input(`input_ds.${p}`, p)]));
}

/** party -> that party's resolved copy of the model directory. */
export function modelDirs(files: JobFiles): (party: string) => string {
  return (party) => files.input('model', party);
}

/**
 * Column names and row count of every party's table; a table over the operator's row or column
 * bound (SFW_MAX_ROWS / SFW_MAX_COLUMNS) fails naming `task_config.input_ds.<party>` before any
 * other party function or SPU program runs.
 */
export async function readHeaders(ctx: Pick<JobContext, 'cluster' | 'limits'>, paths: Record<string, string>): Promise<Map<string, HeaderInfo>> {
  const cluster: Cluster = ctx.cluster;
  checkParties(Object.keys(paths), cluster.parties);
  const entries = await Promise.all(
    Object.entries(paths).map(async ([party, path]) => [party, await cluster.pyu(party).call<HeaderInfo>('stats.header', path).get()] as const),
  );
  const issues = entries.flatMap(([party, h]) => tableIssues({ rows: h.numRows, columns: h.columns.length }, ctx.limits, `task_config.input_ds.${party}`));
  if (issues.length > 0) throw validationError(issues);
  return new Map(entries);
}

/** Feature blocks per party in SPU rank order (errors name `feature_selects`). */
export function featureLayout(headers: ReadonlyMap<string, HeaderInfo>, rankOrder: readonly string[], features: readonly string[], label?: string): DataLayout {
  return resolveLayout(headers, rankOrder, features, label);
}

/** The single party holding each column; a column at no party or at several fails on `field`. */
export function ownersOf(headers: ReadonlyMap<string, HeaderInfo>, columns: readonly string[], field: string): Map<string, string> {
  const owner = new Map<string, string>();
  for (const c of columns) {
    const holders = [...headers].filter(([, h]) => h.columns.includes(c)).map(([p]) => p);
    if (holders.length === 0) throw invalid(field, `column '${c}' not found in any party's table`);
    if (holders.length > 1) throw invalid(field, `column '${c}' is held by more than one party`);
    owner.set(c, holders[0]!);
  }
  return owner;
}

export function alignedRows(headers: ReadonlyMap<string, HeaderInfo>): number {
  const rows = new Set([...headers.values()].map((h) => h.numRows));
  if (rows.size !== 1) throw invalid('input_ds', 'party tables have different row counts: align them with PSI first');
  return [...rows][0]!;
}

/** The SPU's fixed-point fraction bits (0 in the config selects the SPU default of the field). */
export function fxpBitsOf(spu: { field: 'FM64' | 'FM128'; fxpFractionBits: number }): number {
  return spu.fxpFractionBits !== 0 ? spu.fxpFractionBits : spu.field === 'FM64' ? 18 : 26;
}
