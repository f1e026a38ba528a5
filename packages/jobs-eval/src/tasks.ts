// The biclassification_eval / regression_eval task types (SecretFlow ml.eval components).
import { z } from 'zod';
import { ParameterValidationError, tableIssues, validationError } from '@sfw/executor';
import type { FileDecl, JobContext, TaskRegistry } from '@sfw/executor';
import { writeFilePinned } from '@sfw/data';
import { deviceModuleUrl } from '@sfw/runtime';
import type { Pyu } from '@sfw/runtime';
import type { PublicBiclassification } from './device.ts';
import type { RegressionResult } from './regression.ts';
import { biclassificationReport, jsonNumber, regressionReport } from './sf-report.ts';
import type { SfReport } from '@sfw/executor';
import { renderReportHtml } from './report-html.ts';

export const EVAL_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');

/** Exactly one party: the one holding both the label and the prediction column. */
const singleParty = z
  .record(z.string().min(1), z.string().min(1))
  .refine((r) => Object.keys(r).length === 1, 'label and prediction must be at exactly one party: give one party -> path');

export const biclassificationEvalSchema = z
  .object({
    input_ds: singleParty.describe('party -> CSV path holding label and prediction'),
    label: z.string().min(1).default('y'),
    prediction: z.string().min(1).default('pred'),
    bucket_size: z.number().int().min(1).max(10000).default(10),
    min_item_cnt_per_bucket: z.number().int().min(5).default(5),
    report_html: z.string().min(1).optional().describe('also write this HTML report (charts and tables)'),
  })
  .strict();

export const regressionEvalSchema = z
  .object({
    input_ds: singleParty,
    label: z.string().min(1).default('y'),
    prediction: z.string().min(1).default('pred'),
    bucket_size: z.number().int().min(1).max(10000).default(10),
    report_html: z.string().min(1).optional(),
  })
  .strict();

/** Files of an evaluation: the scored table and the optional HTML report, at the one party. */
export function evalFiles(c: { input_ds: Record<string, string>; report_html?: string | undefined }): FileDecl[] {
  const [party, path] = Object.entries(c.input_ds)[0]!;
  const out: FileDecl[] = [{ field: `input_ds.${party}`, party, role: 'input', path }];
  if (c.report_html !== undefined) out.push({ field: 'report_html', party, role: 'output', path: c.report_html });
  return out;
}

function partyOf(ctx: JobContext, input: Record<string, string>): { party: string; path: string } {
  const [party] = Object.keys(input);
  if (party === undefined || !ctx.parties.includes(party)) {
    throw new ParameterValidationError(`Invalid task parameters: task_config.input_ds: party ${party ?? ''} is not in the cluster`, {
      details: { fields: ['task_config.input_ds'] },
    });
  }
  return { party, path: ctx.files.input(`input_ds.${party}`) };
}

async function checkColumns(ctx: JobContext, pyu: Pyu, party: string, path: string, cols: Record<string, string>): Promise<void> {
  const h = await pyu.call<{ columns: string[]; numRows: number }>('eval.header', path).get();
  const bounds = tableIssues({ rows: h.numRows, columns: h.columns.length }, ctx.limits, `task_config.input_ds.${party}`);
  if (bounds.length > 0) throw validationError(bounds);
  const missing = Object.entries(cols).filter(([, c]) => !h.columns.includes(c));
  if (missing.length > 0) {
    throw new ParameterValidationError(
      `Invalid task parameters: ${missing.map(([f, c]) => `task_config.${f}: column '${c}' not found`).join('; ')}`,
      { details: { fields: missing.map(([f]) => `task_config.${f}`) } },
    );
  }
}

/** Writes the report to its staged path; the result names the path as the message gave it. */
async function writeHtml(ctx: JobContext, given: string, html: string): Promise<string> {
  await writeFilePinned(ctx.files.output('report_html'), html);
  return given;
}

export interface BiclassificationEvalResult {
  party: string;
  summary: Record<string, number | string>;
  report: SfReport;
  /** The structured result for the HTML report (thinned ROC, no per-sample data). */
  details: PublicBiclassification;
  report_html?: string;
}

export const biclassificationEvalTask = {
  taskType: 'biclassification_eval',
  description: 'Binary classification report (SecretFlow biclassification_eval): AUC, KS, F1, bin tables, computed at the party holding label and prediction.',
  schema: biclassificationEvalSchema,
  files: evalFiles,
  deviceModules: [EVAL_DEVICE_MODULE],
  example: {
    task_type: 'biclassification_eval',
    sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
    task_config: { input_ds: { alice: 'out/sslr-pred.csv' }, label: 'y', prediction: 'pred', bucket_size: 10, min_item_cnt_per_bucket: 5 },
  },
  async run(ctx: JobContext, cfg: z.output<typeof biclassificationEvalSchema>): Promise<BiclassificationEvalResult> {
    const { party, path } = partyOf(ctx, cfg.input_ds);
    const pyu = ctx.cluster.pyu(party);
    await checkColumns(ctx, pyu, party, path, { label: cfg.label, prediction: cfg.prediction });
    const r = await pyu
      .call<PublicBiclassification>('eval.biclassification', { path, label: cfg.label, prediction: cfg.prediction }, { bucketSize: cfg.bucket_size, minItemCntPerBucket: cfg.min_item_cnt_per_bucket })
      .get();
    const out: BiclassificationEvalResult = {
      party,
      summary: Object.fromEntries(Object.entries(r.summary).map(([k, v]) => [k, jsonNumber(v)])),
      report: biclassificationReport(r),
      details: r,
    };
    if (cfg.report_html !== undefined) {
      out.report_html = await writeHtml(ctx, cfg.report_html, renderReportHtml({ title: 'Binary classification evaluation', facts: { party, rows: r.summary.total_samples }, biclassification: r, generatedAt: new Date().toISOString() }));
    }
    ctx.progress(100, 'evaluation done');
    return out;
  },
};

export interface RegressionEvalResult {
  party: string;
  metrics: Record<string, number | string>;
  report: SfReport;
  details: { metrics: RegressionResult['metrics']; residualHistogram: { edges: number[]; counts: number[] } };
  report_html?: string;
}

export const regressionEvalTask = {
  taskType: 'regression_eval',
  description: 'Regression report (SecretFlow regression_eval): r2, MAE, MAPE, MSE, RMSE and the residual histogram, at the party holding label and prediction.',
  schema: regressionEvalSchema,
  files: evalFiles,
  deviceModules: [EVAL_DEVICE_MODULE],
  example: {
    task_type: 'regression_eval',
    sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
    task_config: { input_ds: { bob: 'out/sslr-diabetes-pred.csv' }, label: 'y', prediction: 'pred', bucket_size: 10 },
  },
  async run(ctx: JobContext, cfg: z.output<typeof regressionEvalSchema>): Promise<RegressionEvalResult> {
    const { party, path } = partyOf(ctx, cfg.input_ds);
    const pyu = ctx.cluster.pyu(party);
    await checkColumns(ctx, pyu, party, path, { label: cfg.label, prediction: cfg.prediction });
    const r = await pyu.call<RegressionResult>('eval.regression', { path, label: cfg.label, prediction: cfg.prediction }, cfg.bucket_size).get();
    const details = { metrics: r.metrics, residualHistogram: { edges: Array.from(r.residualHistogram.edges), counts: Array.from(r.residualHistogram.counts) } };
    const out: RegressionEvalResult = {
      party,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, jsonNumber(v)])),
      report: regressionReport(r),
      details,
    };
    if (cfg.report_html !== undefined) {
      out.report_html = await writeHtml(ctx, cfg.report_html, renderReportHtml({ title: 'Regression evaluation', facts: { party }, regression: details, generatedAt: new Date().toISOString() }));
    }
    ctx.progress(100, 'evaluation done');
    return out;
  },
};

/** Adds biclassification_eval and regression_eval to `registry`. */
export function register(registry: TaskRegistry): void {
  registry.add(biclassificationEvalTask);
  registry.add(regressionEvalTask);
}
