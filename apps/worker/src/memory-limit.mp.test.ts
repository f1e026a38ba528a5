// A party thread that overruns its memory limit (the operator's SFW_THREAD_MAX_OLD_GEN_MB, small
// here) is ended alone: the task fails with TaskExecutionError TASK_RESOURCE_LIMIT naming the
// device, not retried, and the executor serves the next task on a rebuilt cluster (docs/security.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '@sfw/log';
import { TaskExecutionError, TaskExecutor, TaskRegistry } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { runtimeClusterProvider } from './runtime-provider.ts';

const HOG = deviceModuleUrl(import.meta.url, './__tests__/hog-device');
const LIMIT_MB = 64;
const root = mkdtempSync(join(tmpdir(), 'sfw-memlimit-'));
let executor: TaskExecutor;

beforeAll(() => {
  const registry = new TaskRegistry();
  registry.add({
    taskType: 'test.hog',
    description: 'grows the heap of alice\'s party thread by task_config.mb MB',
    schema: z.object({ mb: z.number().int().min(0) }),
    deviceModules: [HOG],
    run: (ctx, c) => ctx.cluster.pyu('alice').call<number>('hog.grow', c.mb).get(),
  });
  executor = new TaskExecutor({
    registry,
    provider: runtimeClusterProvider({ startTimeoutSec: 110, threadLimits: { maxOldGenerationSizeMb: LIMIT_MB } }),
    logger: silentLogger(),
    dataRoots: { default: root },
  });
});
afterAll(async () => {
  await executor.shutdown();
  rmSync(root, { recursive: true, force: true });
});

const hog = (mb: number): Record<string, unknown> => ({ task_type: 'test.hog', sf_init_config: { parties: ['alice', 'bob'], address: 'local' }, task_config: { mb } });

describe(`a party thread over its memory limit (${LIMIT_MB} MB)`, () => {
  it('fails the task with TASK_RESOURCE_LIMIT (not retryable); the next task runs on a rebuilt cluster', async () => {
    // Well within the limit first: the limit lets ordinary work through.
    const small = await executor.execute('hog-small', hog(4));
    expect(small.result).toBe(4 * 32_768);
    // Eight times the limit: the thread is ended part-way, every time.
    const err = await executor.execute('hog-big', hog(8 * LIMIT_MB)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskExecutionError);
    expect(err).toMatchObject({ code: 'TASK_RESOURCE_LIMIT', retryable: false, details: { device_code: 'RESOURCE_LIMIT' } });
    expect((err as TaskExecutionError).details).toMatchObject({ device: expect.stringContaining('alice') });
    const next = await executor.execute('hog-next', hog(4));
    expect(next.result).toBe(4 * 32_768);
    expect(next.performance_metrics.cluster_reused).toBe(false);
    expect(executor.provider.state()).toMatchObject({ status: 'ready', rebuilds: 1 });
  });
});
