// The biclassification_eval / regression_eval task types (SecretFlow ml.eval components).
import { resolve } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ParameterValidationError } from '@sfw/executor';
import type { JobContext, TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import type { Pyu } from '@sfw/runtime';
import type { PublicBiclassification } from './device.ts';
import type { RegressionResult } from './regression.ts';
import { biclassificationReport, jsonNumber, regressionReport } from './sf-report.ts';
import type { SfReport } from './sf-report.ts';
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
    bucket_size: z.number().int().min(1).default(10),
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

function partyOf(ctx: JobContext, input: Record<string, string>): { party: string; path: string } {
  const [party, path] = Object.entries(input)[0]!;
  if (!ctx.parties.includes(party)) {
    throw new ParameterValidationError(`Invalid task parameters: task_config.input_ds: party ${party} is not in the cluster`, {
      details: { fields: ['task_config.input_ds'] },
    });
  }
  return { party, path: resolve(path) };
}

async function checkColumns(pyu: Pyu, path: string, cols: Record<string, string>): Promise<void> {
  const h = await pyu.call<{ columns: string[] }>('eval.header', path).get();
  const missing = Object.entries(cols).filter(([, c]) => !h.columns.includes(c));
  if (missing.length > 0) {
    throw new ParameterValidationError(
      `Invalid task parameters: ${missing.map(([f, c]) => `task_config.${f}: column '${c}' not found`).join('; ')}`,
      { details: { fields: missing.map(([f]) => `task_config.${f}`) } },
    );
  }
}

async function writeHtml(path: string, html: string): Promise<string> {
  const p = resolve(path);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, html, 'utf8');
  return p;
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
  deviceModules: [EVAL_DEVICE_MODULE],
  example: {
    task_type: 'biclassification_eval',
    sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
    task_config: { input_ds: { alice: 'out/sslr-pred.csv' }, label: 'y', prediction: 'pred', bucket_size: 10, min_item_cnt_per_bucket: 5 },
  },
  async run(ctx: JobContext, cfg: z.output<typeof biclassificationEvalSchema>): Promise<BiclassificationEvalResult> {
    const { party, path } = partyOf(ctx, cfg.input_ds);
    const pyu = ctx.cluster.pyu(party);
    await checkColumns(pyu, path, { label: cfg.label, prediction: cfg.prediction });
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
      out.report_html = await writeHtml(cfg.report_html, renderReportHtml({ title: 'Binary classification evaluation', facts: { party, rows: r.summary.total_samples }, biclassification: r, generatedAt: new Date().toISOString() }));
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
  deviceModules: [EVAL_DEVICE_MODULE],
  example: {
    task_type: 'regression_eval',
    sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
    task_config: { input_ds: { bob: 'out/sslr-diabetes-pred.csv' }, label: 'y', prediction: 'pred', bucket_size: 10 },
  },
  async run(ctx: JobContext, cfg: z.output<typeof regressionEvalSchema>): Promise<RegressionEvalResult> {
    const { party, path } = partyOf(ctx, cfg.input_ds);
    const pyu = ctx.cluster.pyu(party);
    await checkColumns(pyu, path, { label: cfg.label, prediction: cfg.prediction });
    const r = await pyu.call<RegressionResult>('eval.regression', { path, label: cfg.label, prediction: cfg.prediction }, cfg.bucket_size).get();
    const details = { metrics: r.metrics, residualHistogram: { edges: Array.from(r.residualHistogram.edges), counts: Array.from(r.residualHistogram.counts) } };
    const out: RegressionEvalResult = {
      party,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, jsonNumber(v)])),
      report: regressionReport(r),
      details,
    };
    if (cfg.report_html !== undefined) {
      out.report_html = await writeHtml(cfg.report_html, renderReportHtml({ title: 'Regression evaluation', facts: { party }, regression: details, generatedAt: new Date().toISOString() }));
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
