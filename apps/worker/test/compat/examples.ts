// The bundled examples as the compat suites send them: paths relative to the workers' data root
// (COMPAT_DATA_ROOT, the system temp directory: harness.ts starts real workers with it), the data
// a copy of examples/data there, outputs moved into a test directory, optional edits.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { COMPAT_DATA_ROOT, REPO_ROOT } from './harness.ts';

export type Json = Record<string, unknown>;
export type Step = { name: string; task_type: string; task_config: Json };

export const DATA = join(REPO_ROOT, 'examples/data/breast_cancer');
/** scikit-learn LogisticRegression() train AUC on the joined breast_cancer data (examples/data/README.md). */
export const SKLEARN_AUC = 0.997825;

let dataCopy: string | undefined;
/** A path as a task gives it: relative to the data root (it must lie below it). */
function underRoot(p: string): string {
  const rel = relative(COMPAT_DATA_ROOT, p);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${p} is not under the compat data root ${COMPAT_DATA_ROOT}`);
  return rel;
}

/** An examples/*.json task with its data paths in the data root and its outputs moved into `outDir`. */
export function example(name: string, outDir: string, edit: (p: Json) => void = () => undefined): Json {
  dataCopy ??= mkdtempSync(join(COMPAT_DATA_ROOT, 'sfw-compat-data-'));
  cpSync(join(REPO_ROOT, 'examples/data'), join(dataCopy, 'examples/data'), { recursive: true });
  const text = readFileSync(join(REPO_ROOT, 'examples', name), 'utf8')
    .replaceAll('"examples/data/', `"${underRoot(join(dataCopy, 'examples/data'))}/`)
    .replaceAll(/"out\/[a-z_]+\//g, `"${underRoot(outDir)}/`);
  const params = JSON.parse(text) as Json;
  delete params['_note'];
  edit(params);
  return params;
}

export const steps = (p: Json): Step[] => (p['task_config'] as { steps: Step[] }).steps;
export const step = (p: Json, name: string): Step => {
  const s = steps(p).find((x) => x.name === name);
  if (s === undefined) throw new Error(`examples/pipeline.json has no step ${name}`);
  return s;
};

/** The psi_join check arguments for a PSI whose outputs went to `out` (`psi_` prefix: a pipeline's). */
export const psiJoinArgs = (out: string, prefix = ''): Json => ({ alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), out_alice: join(out, `${prefix}alice.csv`), out_bob: join(out, `${prefix}bob.csv`) });
