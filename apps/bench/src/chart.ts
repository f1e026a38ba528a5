// Hand-written SVG charts: one panel per (suite, field), median_ms against n on log-log axes,
// one line per case. HTML output wraps the same SVG with a table of the records.
import { readFile } from 'node:fs/promises';
import type { BenchRecord } from './suite.ts';

export async function readRecords(file: string): Promise<BenchRecord[]> {
  const text = await readFile(file, 'utf8');
  const out: BenchRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Partial<BenchRecord> & { type?: string };
    if (r.type === undefined && typeof r.suite === 'string' && typeof r.median_ms === 'number' && typeof r.n === 'number')
      out.push(r as BenchRecord);
  }
  return out;
}

const W = 720, H = 360, M = { l: 70, r: 190, t: 34, b: 46 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function logTicks(lo: number, hi: number): number[] {
  const t: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) t.push(10 ** e);
  return t;
}

function panel(title: string, recs: BenchRecord[], y0: number): string {
  const byCase = new Map<string, BenchRecord[]>();
  for (const r of recs) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  const ns = recs.map((r) => Math.max(r.n, 1)), ms = recs.map((r) => Math.max(r.median_ms, 1e-4));
  const nLo = Math.min(...ns) / 1.5, nHi = Math.max(...ns) * 1.5, mLo = Math.min(...ms) / 1.5, mHi = Math.max(...ms) * 1.5;
  const x = (n: number): number => M.l + ((Math.log(Math.max(n, 1)) - Math.log(nLo)) / (Math.log(nHi) - Math.log(nLo))) * (W - M.l - M.r);
  const y = (v: number): number => y0 + H - M.b - ((Math.log(Math.max(v, 1e-4)) - Math.log(mLo)) / (Math.log(mHi) - Math.log(mLo))) * (H - M.t - M.b);
  const parts: string[] = [`<text x="${W / 2}" y="${y0 + 20}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`];
  parts.push(`<rect x="${M.l}" y="${y0 + M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>`);
  for (const t of logTicks(nLo, nHi)) {
    if (t < nLo || t > nHi) continue;
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${y0 + M.t}" y2="${y0 + H - M.b}" stroke="#eee"/><text x="${x(t)}" y="${y0 + H - M.b + 16}" text-anchor="middle" font-size="11">${t >= 1e3 ? t.toExponential(0) : t}</text>`);
  }
  for (const t of logTicks(mLo, mHi)) {
    if (t < mLo || t > mHi) continue;
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${M.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t < 1 ? t : t.toFixed(0)}</text>`);
  }
  parts.push(`<text x="${(W - M.r + M.l) / 2}" y="${y0 + H - 8}" text-anchor="middle" font-size="12">n (log)</text>`);
  parts.push(`<text x="16" y="${y0 + H / 2}" transform="rotate(-90 16 ${y0 + H / 2})" text-anchor="middle" font-size="12">median ms (log)</text>`);
  let i = 0;
  for (const [name, rs] of byCase) {
    const c = COLORS[i % COLORS.length] as string;
    const pts = [...rs].sort((a, b) => a.n - b.n).map((r) => `${x(r.n).toFixed(1)},${y(r.median_ms).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${c}"/>`);
    }
    parts.push(`<rect x="${W - M.r + 12}" y="${y0 + M.t + i * 17}" width="12" height="3" fill="${c}"/><text x="${W - M.r + 28}" y="${y0 + M.t + i * 17 + 5}" font-size="11">${esc(name)}</text>`);
    i++;
  }
  return parts.join('\n');
}

/** One SVG (panels stacked) or, for format 'html', a page with the SVG and a table. */
export function renderChart(records: readonly BenchRecord[], format: 'svg' | 'html' = 'svg'): string {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of records) {
    const key = `${r.suite}${r.field !== undefined ? ` · ${String(r.field)}` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const panels = [...groups].map(([k, rs], i) => panel(k, rs, i * H));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.max(1, groups.size) * H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
  if (format === 'svg') return svg;
  const rows = records
    .map((r) => `<tr><td>${esc(r.suite)}</td><td>${esc(r.case)}</td><td>${esc(String(r.field ?? ''))}</td><td>${r.n}</td><td>${r.median_ms}</td><td>${r.p10_ms ?? ''}</td><td>${r.p90_ms ?? ''}</td></tr>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>\n${svg}<table border="1" cellspacing="0" cellpadding="3"><tr><th>suite</th><th>case</th><th>field</th><th>n</th><th>median ms</th><th>p10</th><th>p90</th></tr>\n${rows}\n</table></body></html>\n`;
}
