// ss_xgb_train checks the operator's row and column bounds (SFW_MAX_ROWS / SFW_MAX_COLUMNS) when it
// reads the parties' headers: a table over a bound fails naming task_config.input_ds.<party>
// before any other party function or SPU program runs.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { ParameterValidationError, resolveLimits } from '@sfw/executor';
import { directJobContext, runWithUncheckedFiles, headerOnlyCluster } from '@sfw/executor/testing';
import type { TaskLimits } from '@sfw/executor';
import type { Cluster, PyuContext } from '@sfw/runtime';
import boostModule from './device.ts';
import { ssXgbTrainTask } from './tasks.ts';

const data = resolve(import.meta.dirname, '../../../examples/data/breast_cancer');

/** Answers `ssxgb.header` with the real device function; any other call fails the test. */
function cluster(calls: string[]): Cluster {
  const header = boostModule.pyu!['header'] as (ctx: PyuContext, ...a: unknown[]) => Promise<unknown>;
  return headerOnlyCluster(['alice', 'bob'], 'ssxgb.header', header, calls);
}

async function train(limits: Partial<TaskLimits>, calls: string[]): Promise<unknown> {
  const ctx = directJobContext({
    cluster: cluster(calls),
    taskRequestId: 'bounds',
    parties: ['alice', 'bob'],
    spuParties: ['alice', 'bob'],
    spu: { field: 'FM64', fxpFractionBits: 18 } as never,
    signal: new AbortController().signal,
    progress: () => undefined,
    workDir: data,
    attempt: 0,
    limits: resolveLimits(limits),
  });
  const cfg = ssXgbTrainTask.schema.parse({
    ...(ssXgbTrainTask.example.task_config as object),
    input_ds: { alice: join(data, 'alice.csv'), bob: join(data, 'bob.csv') },
  });
  return runWithUncheckedFiles(ssXgbTrainTask, ctx, cfg).catch((e: unknown) => e);
}

describe('ss_xgb_train against the operator bounds', () => {
  it('557 rows over SFW_MAX_ROWS = 500, 17 columns over SFW_MAX_COLUMNS = 16: refused naming the input; only headers read', async () => {
    const calls: string[] = [];
    const rows = await train({ maxRows: 500 }, calls);
    expect(rows).toBeInstanceOf(ParameterValidationError);
    expect((rows as ParameterValidationError).fields.sort()).toEqual(['task_config.input_ds.alice', 'task_config.input_ds.bob']);
    const cols = await train({ maxColumns: 16 }, calls);
    expect(cols).toBeInstanceOf(ParameterValidationError);
    expect((cols as ParameterValidationError).fields).toEqual(['task_config.input_ds.alice']);
    expect(new Set(calls)).toEqual(new Set(['ssxgb.header']));
  });
});
