// The statistics jobs check the operator's row and column bounds (SFW_MAX_ROWS / SFW_MAX_COLUMNS)
// when they read the parties' headers, like every other job: a table over a bound fails with
// ParameterValidationError naming task_config.input_ds.<party>, before any other party function
// or SPU program runs.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterValidationError, resolveLimits } from '@sfw/executor';
import { directJobContext, runWithUncheckedFiles, headerOnlyCluster } from '@sfw/executor/testing';
import type { TaskLimits } from '@sfw/executor';
import type { Cluster, PyuContext } from '@sfw/runtime';
import statsModule from './device.ts';
import { groupbyStatisticsTask, ssPearsonrTask, ssVifTask, tableStatisticsTask } from './tasks.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfw-stats-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const alice = join(dir, 'alice.csv');
const bob = join(dir, 'bob.csv');
// Alice: 4 rows, 3 columns; bob: 4 rows, 2 columns.
writeFileSync(alice, 'id,age,sex\n1,30,0\n2,40,1\n3,50,0\n4,60,1\n');
writeFileSync(bob, 'id,bmi\n1,20\n2,25\n3,30\n4,35\n');

/** Answers `stats.header` with the real device function; any other call fails the test. */
function cluster(calls: string[]): Cluster {
  const header = statsModule.pyu!['header'] as (ctx: PyuContext, ...a: unknown[]) => Promise<unknown>;
  return headerOnlyCluster(['alice', 'bob'], 'stats.header', header, calls);
}

const inputDs = { alice, bob };
const jobs = [
  ['table_statistics', tableStatisticsTask, { input_ds: inputDs }],
  ['ss_pearsonr', ssPearsonrTask, { input_ds: inputDs, feature_selects: ['age', 'bmi'] }],
  ['ss_vif', ssVifTask, { input_ds: inputDs, feature_selects: ['age', 'bmi'] }],
  ['groupby_statistics', groupbyStatisticsTask, { input_ds: inputDs, by: ['sex'], aggregations: [{ column: 'bmi', function: 'MEAN' }], receiver: 'alice' }],
] as const;

async function run(task: (typeof jobs)[number][1], config: object, limits: Partial<TaskLimits>, calls: string[]): Promise<unknown> {
  const ctx = directJobContext({
    cluster: cluster(calls),
    taskRequestId: 'bounds',
    parties: ['alice', 'bob'],
    spuParties: ['alice', 'bob'],
    spu: { field: 'FM128', fxpFractionBits: 40 } as never,
    signal: new AbortController().signal,
    progress: () => undefined,
    workDir: dir,
    attempt: 0,
    limits: resolveLimits(limits),
  });
  const run = runWithUncheckedFiles as (def: unknown, c: unknown, cfg: unknown) => Promise<unknown>;
  return run(task, ctx, task.schema.parse(config)).catch((e: unknown) => e);
}

describe('statistics jobs against the operator bounds', () => {
  for (const [name, task, config] of jobs) {
    it(`${name}: rows over SFW_MAX_ROWS and columns over SFW_MAX_COLUMNS are refused naming the party's input`, async () => {
      const calls: string[] = [];
      const rows = await run(task, config, { maxRows: 3 }, calls);
      expect(rows).toBeInstanceOf(ParameterValidationError);
      expect((rows as ParameterValidationError).fields.sort()).toEqual(['task_config.input_ds.alice', 'task_config.input_ds.bob']);
      expect((rows as Error).message).toMatch(/more than 3 rows/);
      const cols = await run(task, config, { maxColumns: 2 }, calls);
      expect(cols).toBeInstanceOf(ParameterValidationError);
      expect((cols as ParameterValidationError).fields).toEqual(['task_config.input_ds.alice']);
      expect((cols as Error).message).toMatch(/more than 2 columns/);
      // Only the headers were read.
      expect(new Set(calls)).toEqual(new Set(['stats.header']));
    });
  }
});
