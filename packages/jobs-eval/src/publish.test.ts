// A message may name any column as `prediction`. The report and result of an evaluation must not
// carry exact values of that column (docs/evaluation.md, "What the report publishes"): here a raw
// feature is scored with as many bins as rows, which before made every value a bin edge.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTable, writeCsv } from '@sfw/data';
import { directJobContext, runWithUncheckedFiles } from '@sfw/executor/testing';
import type { Cluster, PyuContext } from '@sfw/runtime';
import { seededRng } from '@sfw/testkit';
import evalModule from './device.ts';
import { biclassificationEval } from './biclassification.ts';
import { biclassificationEvalTask, regressionEvalTask } from './tasks.ts';
import type { BiclassificationEvalResult } from './tasks.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfw-eval-publish-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The eval device functions run in this thread: the job's PYU calls reach them as a party's would.
const cluster = {
  pyu: () => ({
    call: (name: string, ...args: unknown[]) => ({
      get: () => (evalModule.pyu![name.slice('eval.'.length)] as (ctx: PyuContext, ...a: unknown[]) => Promise<unknown>)({} as PyuContext, ...args),
    }),
  }),
} as unknown as Cluster;
const ctx = directJobContext({
  cluster,
  taskRequestId: 'publish',
  parties: ['alice', 'bob'],
  spuParties: ['alice', 'bob'],
  spu: {} as never,
  signal: new AbortController().signal,
  progress: () => undefined,
  workDir: dir,
  attempt: 0,
});

const n = 300;
const rng = seededRng('publish');
const y = Float64Array.from({ length: n }, () => (rng() < 0.4 ? 1 : 0));
// A raw feature well outside [0, 1] and one inside it, both with digits no grid has.
const income = Float64Array.from(y, (v) => 31_000 + 20_000 * v + Math.round(40_000 * rng() * 1000) / 1000 + 0.123);
const share = Float64Array.from(y, (v) => Math.round((0.2 * v + 0.7 * rng()) * 1e6) / 1e6 + 1e-7);
const target = Float64Array.from(income, (v) => v * 0.5 + 17.77 + Math.round(rng() * 1e4) / 1e3);
const table = join(dir, 't.csv');

/** Every number in the serialized result and the HTML page. */
function published(result: unknown, html: string): Set<number> {
  const text = `${JSON.stringify(result)} ${html}`;
  return new Set((text.match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? []).map(Number));
}

async function evaluate(prediction: string): Promise<{ result: BiclassificationEvalResult; html: string }> {
  const report = join(dir, `${prediction}.html`);
  const cfg = biclassificationEvalTask.schema.parse({ input_ds: { alice: table }, label: 'y', prediction, bucket_size: n, report_html: report });
  const result = await runWithUncheckedFiles(biclassificationEvalTask, ctx, cfg);
  return { result, html: readFileSync(report, 'utf8') };
}

describe('evaluation reports publish no raw value of the scored column', () => {
  it('biclassification_eval of a raw feature: bins as ranks, no value of the column in result or page', async () => {
    await writeCsv(table, makeTable(['y', 'income', 'share', 'target'], { y, income, share, target }));
    const { result, html } = await evaluate('income');
    const numbers = published(result, html);
    const leaked = Array.from(income).filter((v) => numbers.has(v));
    expect(leaked).toEqual([]);
    expect(result.details.scoreScale).toBe('rank');
    expect(result.report.tabs[0]!.divs[0]!.children[0]).toMatchObject({ descriptions: { items: expect.arrayContaining([{ name: 'score_scale', type: 'str', value: 'rank' }]) } });
    // The ranks are those of the exact edges: the share of samples at or below, to two decimals.
    const exact = biclassificationEval(y, income, { bucketSize: n, minItemCntPerBucket: 5 });
    result.details.eqFrequentBins.forEach((b, i) => {
      if (b.total === 0) return;
      const e = exact.eqFrequentBins[i]!.start_value;
      expect(Math.abs(b.start_value - income.filter((v) => v <= e).length / n)).toBeLessThanOrEqual(0.005 + 1e-12);
    });
    // Counts and metrics are the plaintext ones.
    expect(result.details.summary.auc).toBeCloseTo(exact.summary.auc, 12);
  });

  it('biclassification_eval of a column in [0, 1]: two decimals, no exact value', async () => {
    const { result, html } = await evaluate('share');
    const numbers = published(result, html);
    expect(Array.from(share).filter((v) => numbers.has(v))).toEqual([]);
    expect(result.details.scoreScale).toBe('probability');
    for (const b of result.details.eqRangeBins) for (const v of [b.start_value, b.end_value]) expect(Math.round(v * 100) / 100).toBe(v);
  });

  it('regression_eval of a raw feature: residual histogram edges on a coarse grid, no residual published', async () => {
    const report = join(dir, 'reg.html');
    const cfg = regressionEvalTask.schema.parse({ input_ds: { alice: table }, label: 'target', prediction: 'income', bucket_size: 50, report_html: report });
    const result = await runWithUncheckedFiles(regressionEvalTask, ctx, cfg);
    const numbers = published(result, readFileSync(report, 'utf8'));
    const residuals = Array.from(target, (t, i) => t - income[i]!);
    expect(residuals.filter((v) => numbers.has(v))).toEqual([]);
    expect(Array.from(income).filter((v) => numbers.has(v))).toEqual([]);
    const edges = result.details.residualHistogram.edges;
    expect(edges[0]).toBeLessThanOrEqual(Math.min(...residuals));
    expect(edges.at(-1)).toBeGreaterThanOrEqual(Math.max(...residuals));
  });
});
