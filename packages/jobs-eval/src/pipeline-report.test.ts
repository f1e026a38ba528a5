import { describe, expect, it } from 'vitest';
import { biclassificationEval } from './biclassification.ts';
import { renderPipelineReportHtml, summarizePipeline } from './pipeline-report.ts';

describe('pipeline report', () => {
  const y = Array.from({ length: 120 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const s = y.map((v, i) => 0.4 * v + ((i * 53) % 97) / 160);
  const r = biclassificationEval(y, s);
  const details = { ...r, roc: { fpr: Array.from(r.roc.fpr), tpr: Array.from(r.roc.tpr) } };
  const result = {
    steps: [
      { name: 'psi', task_type: 'psi', time_ms: 210, result: {
          // The shape the psi task returns (SecretFlow's psi_report columns).
          report: {
            columns: ['party', 'original_count', 'intersection_count'],
            rows: [{ party: 'alice', original_count: 557, intersection_count: 545 }, { party: 'bob', original_count: 557, intersection_count: 545 }],
          },
        } },
      { name: 'train', task_type: 'ss_lr_train', time_ms: 900, result: { rows: 545, feature_names: ['a', 'b'], epochs_run: 10, label_party: 'alice' } },
      { name: 'eval', task_type: 'biclassification_eval', time_ms: 40, result: { summary: r.summary, details } },
    ],
  };
  it('renders charts from the eval step and one timing bar per step', () => {
    const html = renderPipelineReportHtml(result, { extraStages: [{ name: 'cluster_init', ms: 300 }] });
    expect(html).toContain('aria-label="ROC curve"');
    expect(html).toContain('cluster_init');
    expect(html).toContain('>train<');
    expect(html).toContain('ss_lr_train.epochs_run');
  });
  it('summarizes each step on one line', () => {
    const text = summarizePipeline(result);
    expect(text).toContain(`AUC ${r.summary.auc.toFixed(4)}`);
    expect(text).toContain('PSI intersection alice 545/557');
    expect(text).toContain('10 epochs');
  });
});
