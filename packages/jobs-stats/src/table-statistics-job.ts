// table_statistics: every party describes its own columns in its own thread (plaintext, as
// SecretFlow); the figures are revealed to the driver, which is what SecretFlow reports to all.
import type { JobContext } from '@sfw/executor';
import type { SfReport } from '@sfw/executor';
import { inputPaths, invalid, readHeaders } from './inputs.ts';
import type { CategoricalStats, NumericStats } from './moments.ts';
import type { TableStatisticsConfig } from './params.ts';
import { tableStatisticsReport } from './reports.ts';
import type { PartyTableStats } from './table-stats.ts';

export interface TableStatisticsResult {
  stats: Record<string, Record<string, NumericStats | CategoricalStats>>;
  rows: Record<string, number>;
  passes: Record<string, number>;
  report: SfReport;
}

export async function runTableStatistics(ctx: JobContext, cfg: TableStatisticsConfig): Promise<TableStatisticsResult> {
  const paths = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(ctx, paths);
  const parties = [...headers.keys()].sort();
  const wanted = new Map<string, string[] | undefined>(parties.map((p) => [p, undefined]));
  if (cfg.features !== undefined) {
    const missing = cfg.features.filter((f) => ![...headers.values()].some((h) => h.columns.includes(f)));
    if (missing.length > 0) throw invalid('features', `columns not found in any party's table: ${missing.map((m) => `'${m}'`).join(', ')}`);
    for (const p of parties) wanted.set(p, cfg.features.filter((f) => headers.get(p)!.columns.includes(f)));
  }
  const results = await Promise.all(
    parties.map(async (p) => {
      const columns = wanted.get(p);
      if (columns !== undefined && columns.length === 0) return [p, undefined] as const;
      const r = await ctx.cluster.pyu(p).call<PartyTableStats>('stats.describe', paths[p]!, { columns, idColumn: cfg.id_column }).get();
      return [p, r] as const;
    }),
  );
  const stats: TableStatisticsResult['stats'] = {};
  const rows: Record<string, number> = {};
  const passes: Record<string, number> = {};
  const numeric: Array<[string, NumericStats]> = [];
  const categorical: Array<[string, CategoricalStats]> = [];
  for (const [p, r] of results) {
    if (r === undefined) continue;
    stats[p] = { ...r.numeric, ...r.categorical };
    rows[p] = r.rows;
    passes[p] = r.passes;
    numeric.push(...Object.entries(r.numeric));
    categorical.push(...Object.entries(r.categorical));
  }
  ctx.log.info({ parties: Object.keys(stats), passes }, 'table_statistics done');
  return { stats, rows, passes, report: tableStatisticsReport(numeric, categorical) };
}
