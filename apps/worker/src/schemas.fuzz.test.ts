// Property tests of every registered task type's parameters (jobs and built-ins), through the executor as a message
// reaches it: whatever JSON a message puts in `task_config` (arbitrary values, and the task's own
// example with one field replaced, added or removed) ends either in ParameterValidationError naming
// fields under task_config, or valid, at the point where the executor asks for a cluster. No other
// exception escapes validation (schema, bounds, file seam), and none hangs (each run is awaited).
import fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@sfw/log';
import { ParameterValidationError, PooledClusterProvider, TaskExecutor } from '@sfw/executor';
import type { TaskDefinition } from '@sfw/executor';
import { registerJobs } from './jobs.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-schema-fuzz-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// The bundled examples' data, for the pipeline example (its steps name examples/data/...).
const repo = resolve(import.meta.dirname, '../../..');
cpSync(join(repo, 'examples/data'), join(root, 'examples/data'), { recursive: true });
const pipelineExample = JSON.parse(readFileSync(join(repo, 'examples/pipeline.json'), 'utf8')) as Record<string, unknown>;
delete pipelineExample['_note'];

/** Thrown where a cluster is requested: the parameters passed every check before it. */
class ClusterRequested extends Error {}
const { registry } = registerJobs();
const executor = new TaskExecutor({
  registry,
  provider: new PooledClusterProvider(() => Promise.reject(new ClusterRequested('fuzz: valid parameters reached the cluster'))),
  logger: silentLogger(),
  dataRoots: { default: root },
  workDir: join(root, 'work'),
});

type Json = Record<string, unknown>;
/** Each task type with its example message (the pipeline's from examples/pipeline.json). */
const tasks = executor.tasks().flatMap((def) => {
  const example = def.example ?? (def.taskType === 'pipeline' ? pipelineExample : undefined);
  return example === undefined ? [] : [{ def, example }];
});

/** The example's declared inputs exist in the data root, so the unmutated example is valid. */
function provideInputs(def: TaskDefinition, example: Json): void {
  const config = def.schema.parse(example['task_config'] ?? {});
  const env = { parties: ['alice', 'bob'], spuParties: ['alice', 'bob'] };
  for (const f of def.files?.(config, env) ?? []) {
    const p = join(root, f.path);
    if (f.role === 'input-dir') mkdirSync(p, { recursive: true });
    else if (f.role === 'input') {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, 'id\n1\n');
    }
  }
}

const causes = (e: unknown): unknown[] => (e instanceof Error && e.cause !== undefined ? [e, ...causes(e.cause)] : [e]);

/** The property: valid (reaches the cluster) or ParameterValidationError naming task_config fields. */
async function check(def: TaskDefinition, example: Json, taskConfig: unknown, n: number): Promise<'valid' | 'refused'> {
  const params = { ...example, task_config: taskConfig };
  const err = await executor.execute(`fuzz-${def.taskType}-${n}`, params).then(
    // Only tasks without a cluster (hello, health_check) can run here.
    () => (def.needsCluster === false ? undefined : new Error('the job ran without a cluster')),
    (e: unknown) => e,
  );
  if (err === undefined || causes(err).some((c) => c instanceof ClusterRequested)) return 'valid';
  if (!(err instanceof ParameterValidationError)) throw new Error(`${def.taskType}: ${String(err)} for ${JSON.stringify(taskConfig).slice(0, 300)}`, { cause: err });
  expect(err.fields.length).toBeGreaterThan(0);
  for (const f of err.fields) expect(f, err.message).toMatch(/^task_config(\.|$)/);
  return 'refused';
}

/** The example's task_config with one key replaced by, or added as, any JSON value, or removed. */
function mutated(example: Json): fc.Arbitrary<unknown> {
  const keys = Object.keys(example);
  const anyKey = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), fc.string()) : fc.string();
  return fc.oneof(
    fc.tuple(anyKey, fc.jsonValue()).map(([k, v]) => ({ ...example, [k]: v })),
    fc.constantFrom(...(keys.length > 0 ? keys : [''])).map((k) => Object.fromEntries(Object.entries(example).filter(([x]) => x !== k))),
  );
}

describe('task_config of every registered task type under arbitrary JSON', () => {
  it('covers the jobs', () => {
    expect(tasks.map((t) => t.def.taskType)).toEqual(expect.arrayContaining(['psi', 'ss_lr_train', 'ss_xgb_train', 'biclassification_eval', 'table_statistics', 'pipeline']));
  });

  for (const { def, example } of tasks) {
    it(`${def.taskType}: valid or ParameterValidationError naming task_config fields, nothing else`, async () => {
      provideInputs(def, example);
      const config = (example['task_config'] ?? {}) as Json;
      expect(await check(def, example, config, 0)).toBe('valid');
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue(), mutated(config)), async (cfg) => {
          await check(def, example, cfg, (n += 1));
        }),
        { numRuns: 150, seed: 20261206 },
      );
    });
  }
});
