// examples/stats.json end to end with the built CLI (`node apps/worker/dist/cli.js run`, as a user
// runs it, from a temp dir that is the data root: the bundled data copied in, the example's relative
// paths unchanged, outputs at its top; needs `pnpm run build`): table
// statistics, PSI, Pearson and VIF on breast_cancer, VIF, SS-LR, p-values and group-by on diabetes.
// The figures are checked against numpy / pandas on the PSI outputs the pipeline wrote, and the
// HTML report against the sections it must contain.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPythonJson } from '@sfw/testkit';

const root = resolve(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'sfw-stats-example-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Step = { name: string; result: Record<string, unknown> };

const REF = `
import json, sys
import numpy as np, pandas as pd
a = json.load(sys.stdin)
bc = pd.concat([pd.read_csv(a['out'] + '/bc_alice.csv'), pd.read_csv(a['out'] + '/bc_bob.csv').drop(columns=['id'])], axis=1)
X = bc[a['bc_features']].values.astype(float)
R = np.corrcoef(X.T)
d = pd.concat([pd.read_csv(a['out'] + '/diabetes_alice.csv'), pd.read_csv(a['out'] + '/diabetes_bob.csv').drop(columns=['id'])], axis=1)
Rd = np.corrcoef(d[a['d_features']].values.astype(float).T)
g = d.groupby(['sex', 's4'])
print(json.dumps({'r': R.tolist(), 'vif': np.diag(np.linalg.inv(R)).tolist(), 'vif_d': np.diag(np.linalg.inv(Rd)).tolist(),
  'bmi_mean': g['bmi'].mean().tolist(), 'y_count': g['y'].count().tolist(), 'groups': len(g)}))
`;

describe('examples/stats.json', () => {
  it('runs with the built CLI; figures match numpy/pandas; the report has the statistics sections', async () => {
    // Paths are relative to the data root (the working directory): absolute ones are refused.
    cpSync(join(root, 'examples/data'), join(out, 'examples/data'), { recursive: true });
    const text = readFileSync(join(root, 'examples/stats.json'), 'utf8').replaceAll('"out/stats/', '"');
    const file = join(out, 'stats.json');
    writeFileSync(file, text);
    const resultPath = join(out, 'result.json');
    const reportPath = join(out, 'report.html');
    const run = spawnSync(process.execPath, [join(root, 'apps/worker/dist/cli.js'), 'run', file, '--out', resultPath, '--report', reportPath], { cwd: out, encoding: 'utf8', timeout: 600_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const steps = (JSON.parse(readFileSync(resultPath, 'utf8')) as { result: { steps: Step[] } }).result.steps;
    const step = (name: string): Record<string, unknown> => steps.find((s) => s.name === name)!.result;
    const pearson = step('pearsonr_breast_cancer') as { features: string[]; matrix: number[][] };
    const vifD = step('vif_diabetes') as { vif: Record<string, number> };
    const groupby = step('groupby_diabetes') as { groups: unknown[]; values: Record<string, Array<number | null>> };
    const ref = await runPythonJson<{ r: number[][]; vif: number[]; vif_d: number[]; bmi_mean: number[]; y_count: number[]; groups: number }>(REF, {
      out, bc_features: pearson.features, d_features: Object.keys(vifD.vif),
    });
    let worst = 0;
    pearson.matrix.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - ref.r[i]![j]!)))));
    expect(worst).toBeLessThan(1e-4);
    const vifBc = (step('vif_breast_cancer') as { vif: Record<string, number> }).vif;
    pearson.features.forEach((f, j) => expect(Math.abs(vifBc[f]! / ref.vif[j]! - 1), f).toBeLessThan(0.01));
    Object.keys(vifD.vif).forEach((f, j) => expect(Math.abs(vifD.vif[f]! / ref.vif_d[j]! - 1), f).toBeLessThan(0.01));
    expect(groupby.groups.length).toBe(ref.groups);
    groupby.values['bmi_MEAN']!.forEach((v, g) => expect(Math.abs(v! - ref.bmi_mean[g]!)).toBeLessThan(1e-6 * ref.bmi_mean[g]!));
    expect(groupby.values['y_COUNT']).toEqual(ref.y_count);
    const pv = step('pvalue_diabetes') as { pvalue: Record<string, number> };
    expect(Object.keys(pv.pvalue)).toContain('_intercept_');
    const html = readFileSync(reportPath, 'utf8');
    for (const label of ['aria-label="Pearson correlation"', 'aria-label="Variance inflation factors"', '(table_statistics)', '(ss_pvalue)', '(groupby_statistics)']) expect(html).toContain(label);
  }, 600_000);
});
