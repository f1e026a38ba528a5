// Report sections of the statistics jobs: the per-party statistics table, a correlation heat map, a
// VIF bar chart, coefficient p-values and group-by aggregates. The shapes are the jobs' results as
// they arrive through JSON, described structurally (this package does not depend on the jobs).
import { escapeHtml, fmt } from './svg.ts';
import { scrollTable } from './html-table.ts';

export interface ReportTableStatistics {
  stats: Record<string, Record<string, Record<string, unknown>>>;
}
export interface ReportCorrelation {
  features: string[];
  matrix: number[][];
}
export interface ReportVif {
  vif: Record<string, number>;
}
export interface ReportPvalue {
  statistic: string;
  abs_statistic: Record<string, number>;
  pvalue: Record<string, number>;
}
export interface ReportGroupby {
  by: string[];
  groups: Array<Array<string | number>>;
  values: Record<string, Array<number | null>>;
  receiver: string;
}

/** A named statistics section of the report (a pipeline may have several of each kind). */
export type ReportStatsSection =
  | { kind: 'table_statistics'; name: string; data: ReportTableStatistics }
  | { kind: 'ss_pearsonr'; name: string; data: ReportCorrelation }
  | { kind: 'ss_vif'; name: string; data: ReportVif }
  | { kind: 'ss_pvalue'; name: string; data: ReportPvalue }
  | { kind: 'groupby_statistics'; name: string; data: ReportGroupby };

const SHOWN_STATS = ['datatype', 'total_count', 'count', 'count_na', 'na_ratio', 'min', 'max', 'mean', 'var', 'std', 'sem', 'skew', 'kurtosis', 'q1', 'q2', 'q3', 'sum', 'nunique'];

const cell = (v: unknown): string => (typeof v === 'number' ? fmt(v) : v === null || v === undefined ? '' : String(v));

function tableStatistics(s: ReportTableStatistics): string {
  const rows: string[][] = [];
  for (const [party, cols] of Object.entries(s.stats)) {
    for (const [col, st] of Object.entries(cols)) rows.push([party, col, ...SHOWN_STATS.map((k) => cell(st[k]))]);
  }
  return scrollTable(['party', 'column', ...SHOWN_STATS], rows);
}

/** Diverging blue (-1) - white (0) - red (+1). */
function corrColor(r: number): string {
  const t = Math.max(-1, Math.min(1, r));
  const mix = (a: number, b: number, w: number): number => Math.round(a + (b - a) * w);
  const [r0, g0, b0] = t >= 0 ? [214, 39, 40] : [31, 119, 180];
  const w = Math.abs(t);
  return `rgb(${mix(255, r0, w)},${mix(255, g0, w)},${mix(255, b0, w)})`;
}

export function heatMap(title: string, features: string[], matrix: number[][]): string {
  const d = features.length;
  const cellSize = Math.max(10, Math.min(28, Math.floor(560 / Math.max(1, d))));
  const label = 150;
  const w = label + d * cellSize + 70;
  const h = 24 + label + d * cellSize + 10;
  const top = 24 + label;
  const cells = matrix
    .map((row, i) =>
      row
        .map((v, j) => `<rect x="${label + j * cellSize}" y="${top + i * cellSize}" width="${cellSize}" height="${cellSize}" fill="${corrColor(v)}"><title>${escapeHtml(features[i]!)} / ${escapeHtml(features[j]!)}: ${fmt(v, 3)}</title></rect>`)
        .join(''),
    )
    .join('');
  const rowLabels = features.map((f, i) => `<text x="${label - 4}" y="${top + i * cellSize + cellSize * 0.7}" text-anchor="end">${escapeHtml(f)}</text>`).join('');
  const colLabels = features
    .map((f, j) => `<text transform="translate(${label + j * cellSize + cellSize * 0.7} ${top - 4}) rotate(-60)">${escapeHtml(f)}</text>`)
    .join('');
  const legend = [-1, -0.5, 0, 0.5, 1]
    .map((v, k) => `<rect x="${label + d * cellSize + 12}" y="${top + k * 18}" width="14" height="14" fill="${corrColor(v)}" stroke="#ccc"/><text x="${label + d * cellSize + 30}" y="${top + k * 18 + 11}">${v}</text>`)
    .join('');
  return (
    `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${w / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(title)}</text>${cells}${rowLabels}${colLabels}${legend}</svg>`
  );
}

/** VIFs as horizontal bars on a log10 axis (they span 1 to thousands), with the common cut-offs 5 and 10 marked. */
export function vifChart(title: string, vif: Record<string, number>): string {
  const rows = Object.entries(vif);
  const maxV = Math.max(10, ...rows.map(([, v]) => (Number.isFinite(v) ? v : 10)));
  const top = Math.ceil(Math.log10(maxV));
  const rowH = 18;
  const label = 170;
  const barW = 380;
  const h = 30 + rows.length * rowH + 24;
  const x = (v: number): number => label + (Math.log10(Math.max(1, v)) / top) * barW;
  const bars = rows
    .map(([f, v], i) => {
      const y = 26 + i * rowH;
      const color = v >= 10 ? '#d62728' : v >= 5 ? '#ff7f0e' : '#2ca02c';
      return `<text x="${label - 6}" y="${y + 12}" text-anchor="end">${escapeHtml(f)}</text><rect x="${label}" y="${y + 2}" width="${(x(v) - label).toFixed(1)}" height="13" fill="${color}"/><text x="${(x(v) + 4).toFixed(1)}" y="${y + 12}">${fmt(v, 3)}</text>`;
    })
    .join('');
  const axisY = 26 + rows.length * rowH + 4;
  const ticks = Array.from({ length: top + 1 }, (_, k) => `<line x1="${x(10 ** k)}" y1="22" x2="${x(10 ** k)}" y2="${axisY}" class="grid"/><text x="${x(10 ** k)}" y="${axisY + 14}" text-anchor="middle">${10 ** k}</text>`).join('');
  const cut = [5, 10].map((c) => `<line x1="${x(c)}" y1="22" x2="${x(c)}" y2="${axisY}" stroke="#999" stroke-dasharray="3 3"/>`).join('');
  const w = label + barW + 80;
  return (
    `<svg viewBox="0 0 ${w} ${h + 8}" width="${w}" height="${h + 8}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${w / 2}" y="14" text-anchor="middle" class="title">${escapeHtml(title)}</text>${ticks}${cut}${bars}</svg>`
  );
}

export function statsSection(s: ReportStatsSection): string {
  const h = `<h2>${escapeHtml(s.name)} <span class="muted">(${escapeHtml(s.kind)})</span></h2>`;
  switch (s.kind) {
    case 'table_statistics':
      return `${h}<p class="muted">Each party's own columns, computed at that party (pandas semantics: ddof 1, adjusted skew, excess kurtosis, linear quartiles).</p>${tableStatistics(s.data)}`;
    case 'ss_pearsonr':
      return `${h}<div class="charts">${heatMap('Pearson correlation', s.data.features, s.data.matrix)}</div>`;
    case 'ss_vif':
      return `${h}<p class="muted">Log scale; dashed lines at the usual cut-offs 5 and 10. Only these values left the SPU.</p><div class="charts">${vifChart('Variance inflation factors', s.data.vif)}</div>`;
    case 'ss_pvalue': {
      const rows = Object.keys(s.data.pvalue).map((f) => [f, fmt(s.data.abs_statistic[f]), fmt(s.data.pvalue[f])]);
      return `${h}${scrollTable(['coefficient', `|${s.data.statistic}|`, 'p-value (two-sided)'], rows)}`;
    }
    case 'groupby_statistics': {
      const cols = Object.keys(s.data.values);
      const rows = s.data.groups.map((g, i) => [...g.map(String), ...cols.map((c) => cell(s.data.values[c]![i]))]);
      return `${h}<p class="muted">Aggregates revealed to ${escapeHtml(s.data.receiver)} only.</p>${scrollTable([...s.data.by, ...cols], rows)}`;
    }
  }
}
