// The shipped SS-XGB examples run end to end with the built CLI (`node apps/worker/dist/cli.js run`),
// as a user would run them: PSI -> ss_xgb_train -> ss_xgb_predict -> evaluation with the HTML report.
// The worker's data root is a temporary directory holding a copy of examples/data, so the examples'
// relative paths resolve inside it as written; each example's outputs go to its own subdirectory.
// Needs `pnpm run build`.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'sfw-ssxgb-examples-'));
cpSync(join(root, 'examples/data'), join(dir, 'examples/data'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runExample(name: string): { status: number | null; stderr: string; result: { result: { steps: Array<{ name: string; result: Record<string, unknown> }> } }; out: string } {
  const base = name.replace(/\.json$/, '');
  const out = join(dir, base);
  const text = readFileSync(join(root, 'examples', name), 'utf8').replaceAll('"out/', `"${base}/`);
  const file = join(dir, name);
  writeFileSync(file, text);
  const resultPath = join(out, 'result.json');
  const r = spawnSync(process.execPath, [join(root, 'apps/worker/dist/cli.js'), 'run', file, '--out', resultPath, '--report', join(out, 'pipeline-report.html')], { cwd: dir, env: { ...process.env, SECRETFLOW_DATA_ROOT: dir }, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stderr: r.stderr, result: r.status === 0 ? JSON.parse(readFileSync(resultPath, 'utf8')) : { result: { steps: [] } }, out };
}

const step = (r: ReturnType<typeof runExample>, name: string): Record<string, unknown> => r.result.result.steps.find((s) => s.name === name)!.result;

describe('examples/ssxgb-*.json with the built CLI', () => {
  it('ssxgb-pipeline.json: breast_cancer logistic, AUC > 0.99, HTML report written', () => {
    const r = runExample('ssxgb-pipeline.json');
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/SUCCESS pipeline/);
    const evalRes = step(r, 'eval') as { details: { summary: { auc: number } } };
    expect(evalRes.details.summary.auc).toBeGreaterThan(0.99);
    expect(existsSync(join(r.out, 'ssxgb', 'report.html'))).toBe(true);
    expect(existsSync(join(r.out, 'ssxgb', 'model', 'meta.json'))).toBe(true);
  });

  it('ssxgb-diabetes-pipeline.json: diabetes linear, r2 > 0.5, HTML report written', () => {
    const r = runExample('ssxgb-diabetes-pipeline.json');
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const evalRes = step(r, 'eval') as { details: { metrics: { r2_score: number } } };
    expect(evalRes.details.metrics.r2_score).toBeGreaterThan(0.5);
    expect(existsSync(join(r.out, 'ssxgb-diabetes', 'report.html'))).toBe(true);
  });
});
