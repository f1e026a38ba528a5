// The p-value functions against scipy (Debian python3-scipy via the reference interpreter).
import { describe, expect, it } from 'vitest';
import { runPythonJson } from '@sfw/testkit';
import { normalTwoSidedFromSquare, studentTwoSidedFromSquare } from './distributions.ts';

describe('two-sided p-values', () => {
  it('match scipy.stats norm.sf / t.sf', async () => {
    const zs = [0, 0.01, 0.5, 1, 1.96, 2.5, 3, 4, 6, 9];
    const dfs = [1, 3, 10, 30, 431];
    const ref = await runPythonJson<{ norm: number[]; t: number[][] }>(
      `import json,sys\nfrom scipy import stats\na=json.load(sys.stdin)\nprint(json.dumps({'norm':[float(2*stats.norm.sf(z)) for z in a['zs']],'t':[[float(2*stats.t.sf(z,df)) for z in a['zs']] for df in a['dfs']]}))`,
      { zs, dfs },
    );
    zs.forEach((z, i) => expect(Math.abs(normalTwoSidedFromSquare(z * z) - ref.norm[i]!)).toBeLessThan(1e-12 + 1e-9 * ref.norm[i]!));
    dfs.forEach((df, k) => zs.forEach((z, i) => expect(Math.abs(studentTwoSidedFromSquare(z * z, df) - ref.t[k]![i]!)).toBeLessThan(1e-12 + 1e-9 * ref.t[k]![i]!)));
  });
});
