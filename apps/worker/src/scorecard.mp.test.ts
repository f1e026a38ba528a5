// examples/scorecard-pipeline.json end to end with the built CLI (`node apps/worker/dist/cli.js run`,
// as a user runs it, in a temp working directory that is the data root, holding a copy of the
// example data; paths stay relative as in the example; needs `pnpm run build`):
// PSI -> train_test_split -> fillna -> vert_woe_binning -> substitution -> SS-LR -> predict -> eval.
// The secure test AUC is checked against plaintext SGD with the same hyperparameters trained on the
// same WOE-substituted train rows (bound 0.01), and the split sizes against scikit-learn's rule.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@sfw/data';
import { biclassificationEval } from '@sfw/jobs-eval';
import { LINEAR_SGD_DEFAULTS, predictLinearRef, trainLinearSgdRef } from '@sfw/testkit';

const root = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'sfw-scorecard-'));
const out = join(work, 'out/scorecard');
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Step = { name: string; result: Record<string, unknown> };
const ALICE = ['Seniority', 'Time', 'Amount', 'Price', 'Records', 'Job'];
const BOB = ['Home', 'Age', 'Marital', 'Expenses', 'Income', 'Assets', 'Debt'];

/** Row-major features (alice's then bob's) and the label from the two WOE files. */
function matrix(prefix: string): { x: Float64Array; y: Float64Array; n: number } {
  const a = parseCsv(readFileSync(join(out, `${prefix}_alice.csv`), 'utf8'));
  const b = parseCsv(readFileSync(join(out, `${prefix}_bob.csv`), 'utf8'));
  const n = a.numRows, d = ALICE.length + BOB.length;
  const cols = [...ALICE.map((c) => a.data[c] as Float64Array), ...BOB.map((c) => b.data[c] as Float64Array)];
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) cols.forEach((c, j) => { x[i * d + j] = c[i]!; });
  return { x, y: Float64Array.from(a.data['bad'] as Float64Array), n };
}

describe('examples/scorecard-pipeline.json', () => {
  it('runs with the built CLI; test AUC within 0.01 of plaintext SGD on the same WOE rows; report written', async () => {
    // The CLI's data root is its working directory: the example's relative paths resolve in `work`.
    cpSync(join(root, 'examples/data/credit'), join(work, 'examples/data/credit'), { recursive: true });
    const file = join(work, 'scorecard-pipeline.json');
    writeFileSync(file, readFileSync(join(root, 'examples/scorecard-pipeline.json'), 'utf8'));
    const resultPath = join(work, 'result.json');
    const run = spawnSync(process.execPath, [join(root, 'apps/worker/dist/cli.js'), 'run', file, '--out', resultPath], { cwd: work, encoding: 'utf8', timeout: 600_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toMatch(/SUCCESS pipeline/);
    const steps = (JSON.parse(readFileSync(resultPath, 'utf8')) as { result: { steps: Step[] } }).result.steps;
    const step = (name: string): Record<string, unknown> => steps.find((s) => s.name === name)!.result;
    expect(steps.map((s) => s.name)).toEqual(['psi', 'split', 'fillna', 'fillna_test', 'woe', 'woe_train', 'woe_test', 'train', 'predict', 'eval']);
    // 4395 aligned rows: n_train = floor(0.75 n), n_test = ceil(0.25 n).
    expect(step('split')).toEqual({ rows: 4395, train_rows: 3296, test_rows: 1099 });
    // No nulls left in the filled train rows.
    for (const p of ['alice', 'bob']) expect(readFileSync(join(out, `train_filled_${p}.csv`), 'utf8')).not.toMatch(/,,|,\n|,""/);
    const auc = (step('eval') as { details: { summary: { auc: number } } }).details.summary.auc;

    const train = matrix('train_woe'), test = matrix('test_woe');
    expect([train.n, test.n]).toEqual([3296, 1099]);
    const d = ALICE.length + BOB.length;
    const ref = trainLinearSgdRef(train.x, train.y, train.n, d, { ...LINEAR_SGD_DEFAULTS, epochs: 10, learningRate: 0.1, batchSize: 64, sigType: 't1' });
    const refAuc = biclassificationEval(test.y, predictLinearRef(test.x, test.n, d, ref.weights, 'logistic', 't1')).summary.auc;
    expect(Math.abs(auc - refAuc)).toBeLessThan(0.01);
    expect(auc).toBeGreaterThan(0.8);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    // IVs stay at the label holder: alice's rule has them, bob's does not.
    expect(readFileSync(join(out, 'woe_rule_alice.json'), 'utf8')).toContain('feature_iv_info');
    expect(readFileSync(join(out, 'woe_rule_bob.json'), 'utf8')).not.toContain('feature_iv_info');
  }, 600_000);
});
