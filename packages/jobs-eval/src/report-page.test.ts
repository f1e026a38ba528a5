// The HTML report as a person sees it: rendered by Debian's headless Chromium in a 1280 px window.
// A measuring script (added to a copy of the page; the report itself has no script) records the
// viewport, the document width and every table box's right edge; the test asserts that nothing runs
// past the right edge, that the wide tables scroll inside their own box, and that the page explains
// its two KS figures and the empty bins it skips. A PNG is written for a look by eye.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { biclassificationEval } from './biclassification.ts';
import { renderReportHtml } from './report-html.ts';
import type { ReportStatsSection } from './stats-sections.ts';

const CHROMIUM = '/usr/bin/chromium';

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'sfw-chromium-'));
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--hide-scrollbars',
  ];
  let r;
  try {
    r = spawnSync(CHROMIUM, [...flags, ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (r.status !== 0) throw new Error(`chromium exited ${String(r.status ?? r.signal)}: ${r.stderr.slice(-1000)}`);
  return r.stdout;
}

const MEASURE = `<script>
const vw = window.innerWidth;
const boxes = [...document.querySelectorAll('table')].map((t) => t.closest('.tbl') ?? t);
const m = {
  vw,
  docWidth: document.documentElement.scrollWidth,
  tables: boxes.length,
  overflowing: boxes.filter((b) => b.getBoundingClientRect().right > vw + 0.5).length,
  scrollingInBox: boxes.filter((b) => b.scrollWidth > b.clientWidth + 1).length,
  svgOverflowing: [...document.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().right > vw + 0.5).length,
};
document.body.setAttribute('data-measure', JSON.stringify(m));
</script>`;

function page(): string {
  // Many tied scores: the equal-frequency split points coincide and most bins are empty.
  const y = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const s = y.map((v, i) => (v === 1 ? (i % 5 < 3 ? 0.9 : 0.4) : i % 7 < 5 ? 0.1 : 0.4));
  const features = Array.from({ length: 30 }, (_, j) => `feature_with_a_long_name_${j}`);
  const matrix = features.map((_, i) => features.map((__, j) => (i === j ? 1 : Math.cos(i * 0.7 + j * 0.3) * 0.8)));
  const stats = Object.fromEntries(features.map((f, j) => [f, { datatype: 'float64', total_count: 600, count: 600, count_na: 0, na_ratio: 0, min: -j, max: 1234567.891 + j, mean: 0.123456789, var: 9876.54321, std: 99.38, sem: 4.05, skew: 0.0123, kurtosis: -1.2345, q1: 1.5, q2: 2.5, q3: 3.5, sum: 123456789.123 }]));
  const statistics: ReportStatsSection[] = [
    { kind: 'table_statistics', name: 'stats', data: { stats: { alice: stats } } },
    { kind: 'ss_pearsonr', name: 'pearson', data: { features, matrix } },
    { kind: 'ss_vif', name: 'vif', data: { vif: Object.fromEntries(features.map((f, j) => [f, 1 + j ** 2.4])) } },
  ];
  return renderReportHtml({ title: 'report page check', biclassification: biclassificationEval(y, s), statistics, stages: [{ name: 'psi', ms: 10 }] });
}

describe('HTML report in headless Chromium at 1280 px', () => {
  it('no table or chart runs past the right edge; wide tables scroll in their box; KS and empty bins explained', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfw-report-'));
    const html = page();
    const file = join(dir, 'report.html');
    writeFileSync(file, html.replace('</body>', `${MEASURE}</body>`));
    const dom = chromium(['--window-size=1280,900', '--dump-dom', `file://${file}`]);
    const raw = /data-measure="([^"]*)"/.exec(dom)?.[1];
    expect(raw, 'the measuring script ran').toBeDefined();
    const m = JSON.parse(raw!.replaceAll('&quot;', '"')) as Record<string, number>;
    expect(m['vw']).toBe(1280);
    expect(m['tables']).toBeGreaterThanOrEqual(4);
    expect(m['overflowing']).toBe(0);
    expect(m['svgOverflowing']).toBe(0);
    expect(m['docWidth']).toBeLessThanOrEqual(1280);
    // The 17-column bin tables and the statistics table are wider than the page: they scroll inside.
    expect(m['scrollingInBox']).toBeGreaterThanOrEqual(2);
    expect(dom).toContain('KS over bins (SecretFlow)');
    expect(dom).toContain('KS exact (curve)');
    expect(dom).toMatch(/\d+ empty bins \(no sample/);
    const png = join(dir, 'report.png');
    chromium(['--window-size=1280,2400', `--screenshot=${png}`, `file://${join(dir, 'report.html')}`]);
    expect(statSync(png).size).toBeGreaterThan(20_000);
  }, 120_000);
});
