// The preprocessing jobs that read the parties' headers check the operator's row and column
// bounds (SFW_MAX_ROWS / SFW_MAX_COLUMNS) there, like every other job: a table over a bound fails
// naming task_config.input_ds.<party> before any other party function or SPU program runs.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ParameterValidationError, TaskRegistry, resolveLimits } from '@sfw/executor';
import { directJobContext, runWithUncheckedFiles, headerOnlyCluster } from '@sfw/executor/testing';
import type { TaskDefinition, TaskLimits } from '@sfw/executor';
import type { Cluster, PyuContext } from '@sfw/runtime';
import prepModule from './device.ts';
import { register } from './tasks.ts';

const repo = resolve(import.meta.dirname, '../../..');
const registry = new TaskRegistry();
register(registry);

/** Answers `prep.header` with the real device function; any other call fails the test. */
function cluster(calls: string[]): Cluster {
  const header = prepModule.pyu!['header'] as (ctx: PyuContext, ...a: unknown[]) => Promise<unknown>;
  return headerOnlyCluster(['alice', 'bob'], 'prep.header', header, calls);
}

async function run(def: TaskDefinition, limits: Partial<TaskLimits>, calls: string[]): Promise<unknown> {
  const ctx = directJobContext({
    cluster: cluster(calls),
    taskRequestId: 'bounds',
    parties: ['alice', 'bob'],
    spuParties: ['alice', 'bob'],
    spu: { field: 'FM64', fxpFractionBits: 18 } as never,
    signal: new AbortController().signal,
    progress: () => undefined,
    workDir: repo,
    attempt: 0,
    limits: resolveLimits(limits),
  });
  // The example's tables (examples/data, paths relative to the repository).
  const example = (def.example as { task_config: { input_ds: Record<string, string> } }).task_config;
  const cfg = def.schema.parse({ ...example, input_ds: Object.fromEntries(Object.entries(example.input_ds).map(([p, f]) => [p, resolve(repo, f)])) });
  return runWithUncheckedFiles(def, ctx, cfg).catch((e: unknown) => e);
}

describe('preprocessing jobs against the operator bounds', () => {
  for (const taskType of ['fillna', 'feature_calculate', 'onehot_encode', 'vert_binning', 'vert_woe_binning', 'feature_filter']) {
    it(`${taskType}: rows over SFW_MAX_ROWS and columns over SFW_MAX_COLUMNS refused naming the inputs; only headers read`, async () => {
      const def = registry.get(taskType)!;
      const calls: string[] = [];
      const rows = await run(def, { maxRows: 10 }, calls);
      expect(rows).toBeInstanceOf(ParameterValidationError);
      expect((rows as ParameterValidationError).fields.sort()).toEqual(['task_config.input_ds.alice', 'task_config.input_ds.bob']);
      const cols = await run(def, { maxColumns: 1 }, calls);
      expect(cols).toBeInstanceOf(ParameterValidationError);
      expect((cols as ParameterValidationError).fields.sort()).toEqual(['task_config.input_ds.alice', 'task_config.input_ds.bob']);
      expect(new Set(calls)).toEqual(new Set(['prep.header']));
    });
  }
});
