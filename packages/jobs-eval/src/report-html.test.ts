import { describe, expect, it } from 'vitest';
import { biclassificationEval } from './biclassification.ts';
import { regressionEval } from './regression.ts';
import { renderReportHtml } from './report-html.ts';

describe('renderReportHtml', () => {
  it('renders ROC and KS SVGs, both bin tables, the head report and stage timings, escaping text', () => {
    const y = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const s = y.map((v, i) => 0.3 * v + ((i * 37) % 100) / 140);
    const html = renderReportHtml({
      title: 'SS-LR <breast_cancer>',
      facts: { rows: 200, party: 'alice & bob' },
      biclassification: biclassificationEval(y, s),
      regression: regressionEval([1, 2, 3, 4], [1.1, 1.9, 3.2, 3.7], 4),
      stages: [{ name: 'psi', ms: 120 }, { name: 'ss_lr_train', ms: 800 }],
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('SS-LR &lt;breast_cancer&gt;');
    expect(html).toContain('alice &amp; bob');
    expect(html).toContain('aria-label="ROC curve"');
    expect(html).toContain('aria-label="KS curve"');
    expect(html).toContain('Equal-frequency bins');
    expect(html).toContain('Equal-range bins');
    expect(html).toContain('cumulative_percent_of_positive');
    expect(html).toContain('bin_11');
    expect(html).toContain('Residual histogram');
    expect(html).toContain('ss_lr_train');
    expect(html).not.toContain('<script');
    // Every polyline point is a finite coordinate (no NaN leaking into the SVG).
    expect(html).not.toMatch(/NaN,|,NaN/);
  });
});
