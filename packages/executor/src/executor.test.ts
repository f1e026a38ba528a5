import { describe, it, expect, expectTypeOf, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { TaskExecutor } from './executor.ts';
import { PooledClusterProvider } from './cluster.ts';
import type { ClusterHandle } from './cluster.ts';
import type { Cluster } from '@sfw/runtime';
import type { ClusterSpec } from './envelope.ts';
import { TaskRegistry } from './registry.ts';
import type { JobContext } from './registry.ts';
import {
  ClusterInitializationError, DeviceInitializationError, ParameterValidationError, ResultSaveError, TaskExecutionError,
} from './errors.ts';
import { taskResultSchema } from './schemas.ts';
import type { ProgressUpdate } from './progress.ts';

class FakeCluster implements ClusterHandle {
  healthy = true;
  readonly log: string[] = [];
  failBegin = false;
  failEnd = false;
  constructor(readonly spec: ClusterSpec) {}
  beginTask(id: string): void {
    if (this.failBegin) throw new Error('thread did not answer');
    this.log.push(`begin:${id}`);
  }
  endTask(): void {
    this.log.push('end');
    if (this.failEnd) throw new Error('wipe failed');
  }
  shutdown(): Promise<void> {
    this.log.push('shutdown');
    return Promise.resolve();
  }
  destroy(): void {
    this.log.push('destroy');
  }
}

// Waits for a state the test can observe instead of guessing a delay (validation and cluster start
// are asynchronous and slower on a loaded machine), then lets pending continuations run.
async function until(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 0));
}

function fakeProvider(opts: { failStart?: boolean } = {}): { provider: PooledClusterProvider; started: FakeCluster[] } {
  const started: FakeCluster[] = [];
  const provider = new PooledClusterProvider((spec) => {
    if (opts.failStart === true) return Promise.reject(new Error('port 1234 in use password=xyz'));
    const c = new FakeCluster(spec);
    started.push(c);
    // The fake stands in for the runtime's Cluster: only the lifecycle and `log` are used here.
    return Promise.resolve(c as unknown as Cluster);
  });
  return { provider, started };
}

const fake = (ctx: JobContext): FakeCluster => ctx.cluster as unknown as FakeCluster;
const seen: { workDir?: string } = {};

const registry = new TaskRegistry();

beforeAll(() => {
  registry.add({
    taskType: 'test.sum',
    description: 'adds numbers on the "cluster"',
    schema: z.object({ values: z.array(z.number()).min(1), fail: z.enum(['none', 'throw', 'bigint', 'wait_abort', 'bad_value']).default('none') }),
    deviceModules: ['file:///fake/device.js'],
    async run(ctx, cfg) {
      seen.workDir = ctx.workDir;
      fake(ctx).log.push(`run:${ctx.taskRequestId}`);
      ctx.progress(50, 'half', { i: 1 });
      if (cfg.fail === 'throw') throw new TypeError('weights 0.25 0.75 diverged');
      if (cfg.fail === 'bigint') return { x: 1n };
      if (cfg.fail === 'bad_value') {
        const field = 'task_config.values.0';
        throw new ParameterValidationError(`Invalid task parameters: ${field}: found at run time`, { details: { fields: [field], issues: [{ path: field, code: 'custom', message: 'found at run time' }] } });
      }
      if (cfg.fail === 'wait_abort') {
        await new Promise((_r, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('aborted'))));
      }
      return { sum: cfg.values.reduce((a, b) => a + b, 0) };
    },
  });
});
afterAll(() => {
  registry.delete('test.sum');
});

const sumTask = (values: number[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ task_type: 'test.sum', task_config: { values, ...extra } });

describe('TaskExecutor stages', () => {
  it('runs cluster init, device init, algorithm, cleanup and reports timings and metadata', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry, workerName: 'w1', versions: { worker: '0.1.0' } });
    const stages: string[] = [];
    const progress: ProgressUpdate[] = [];
    const r = await ex.execute('req-1', sumTask([1, 2, 3]), { celeryTaskId: 'c-1', onStage: (s) => stages.push(s), onProgress: (p) => progress.push(p) });
    expect(taskResultSchema.parse(r)).toBeTruthy();
    expect(r.result).toEqual({ sum: 6 });
    expect(r.task_request_id).toBe('req-1');
    expect(r.metadata).toMatchObject({ worker: 'w1', celery_task_id: 'c-1', retries: 0, parties: ['alice', 'bob'], versions: { worker: '0.1.0' } });
    expect(stages).toEqual(['validation', 'cluster_init', 'device_init', 'algorithm', 'cleanup']);
    expect(r.performance_metrics.cluster_reused).toBe(false);
    expect(progress).toEqual([{ percent: 50, message: 'half', extra: { i: 1 } }]);
    expect(started).toHaveLength(1);
    expect(started[0]!.spec.modules).toEqual(['file:///fake/device.js']);
    expect(started[0]!.log).toEqual(['begin:req-1', 'run:req-1', 'end']);
    expect(existsSync(seen.workDir!)).toBe(false);
  });

  it('reuses a healthy matching cluster, rebuilds on config change or when unhealthy', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    await ex.execute('a', sumTask([1]));
    const r2 = await ex.execute('b', sumTask([1]));
    expect(r2.performance_metrics.cluster_reused).toBe(true);
    expect(started).toHaveLength(1);
    await ex.execute('c', { ...sumTask([1]), sf_init_config: { parties: ['alice', 'bob', 'carol'] } });
    expect(started).toHaveLength(2);
    expect(started[0]!.log.at(-1)).toBe('shutdown');
    started[1]!.healthy = false;
    await ex.execute('d', { ...sumTask([1]), sf_init_config: { parties: ['alice', 'bob', 'carol'] } });
    expect(started).toHaveLength(3);
    expect(started[1]!.log).toContain('destroy');
    expect(ex.provider.state()).toMatchObject({ status: 'ready', parties: ['alice', 'bob', 'carol'], rebuilds: 2 });
    await ex.shutdown();
    expect(ex.provider.state().status).toBe('none');
  });

  it('a bad task_config fails validation naming the field, and starts nothing', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const err = await ex.execute('r', { task_type: 'test.sum', task_config: { values: [1, 'x'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterValidationError);
    expect((err as ParameterValidationError).fields).toEqual(['task_config.values.1']);
    expect((err as ParameterValidationError).retryable).toBe(false);
    expect(started).toHaveLength(0);
    const unknown = await ex.execute('r', { task_type: 'nope' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_TASK_TYPE', retryable: false });
    const noId = await ex.execute(42, sumTask([1])).catch((e: unknown) => e);
    expect((noId as ParameterValidationError).fields).toEqual(['task_request_id']);
    const notObj = await ex.execute('r', 'not an object').catch((e: unknown) => e);
    expect(notObj).toBeInstanceOf(ParameterValidationError);
    const remote = await ex.execute('r', { ...sumTask([1]), sf_init_config: { address: 'ray://10.0.0.1:9000' } }).catch((e: unknown) => e);
    expect(remote).toMatchObject({ code: 'CLUSTER_MODE_UNSUPPORTED', retryable: false });
  });

  it('a failing job still gets cleanup; its message is sanitized', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const err = await ex.execute('r', sumTask([1], { fail: 'throw' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskExecutionError);
    expect((err as Error).message).not.toContain('0.25');
    expect(started[0]!.log).toEqual(['begin:r', 'run:r', 'end']);
    expect(existsSync(seen.workDir!)).toBe(false);
    // The slot is free: the next task runs.
    await expect(ex.execute('r2', sumTask([2]))).resolves.toMatchObject({ result: { sum: 2 } });
  });

  it('cluster start failure -> retryable ClusterInitializationError without credentials', async () => {
    const ex = new TaskExecutor({ provider: fakeProvider({ failStart: true }).provider, registry });
    const err = await ex.execute('r', sumTask([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterInitializationError);
    expect((err as ClusterInitializationError).retryable).toBe(true);
    expect((err as Error).message).not.toContain('xyz');
  });

  it('beginTask failure -> DeviceInitializationError; endTask failure discards the cluster', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    await ex.execute('a', sumTask([1]));
    started[0]!.failBegin = true;
    await expect(ex.execute('b', sumTask([1]))).rejects.toBeInstanceOf(DeviceInitializationError);
    started[0]!.failBegin = false;
    started[0]!.failEnd = true;
    await ex.execute('c', sumTask([1]));
    expect(started[0]!.log.at(-1)).toBe('destroy');
    await ex.execute('d', sumTask([1]));
    expect(started).toHaveLength(2);
  });

  it('unserializable results -> ResultSaveError; soft time limit -> TASK_TIMEOUT', async () => {
    const ex = new TaskExecutor({ provider: fakeProvider().provider, registry });
    await expect(ex.execute('r', sumTask([1], { fail: 'bigint' }))).rejects.toBeInstanceOf(ResultSaveError);
    const ac = new AbortController();
    const p = ex.execute('r', sumTask([1], { fail: 'wait_abort' }), { signal: ac.signal });
    setTimeout(() => {
      const reason = new Error('soft limit');
      reason.name = 'SoftTimeLimitExceeded';
      ac.abort(reason);
    }, 20);
    await expect(p).rejects.toMatchObject({ code: 'TASK_TIMEOUT' });
  });

  it('terminate destroys the cluster and frees the slot for the next task', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const ac = new AbortController();
    const hung = ex.execute('stuck', sumTask([1], { fail: 'wait_abort' }), { signal: ac.signal, runId: 'run-stuck' }).catch((e: unknown) => e);
    await until(() => started.length === 1);
    expect(await ex.terminate('run-stuck', 'hard-time-limit')).toBe(true);
    expect(started[0]!.log).toContain('destroy');
    await expect(ex.execute('next', sumTask([5]))).resolves.toMatchObject({ result: { sum: 5 } });
    expect(started).toHaveLength(2);
    // The terminated task's late cleanup must not touch its replacement.
    started[0]!.healthy = false;
    ac.abort(new Error('stop'));
    expect(await hung).toBeInstanceOf(TaskExecutionError);
    expect(started[1]!.log).not.toContain('destroy');
    expect(ex.provider.state().status).toBe('ready');
  });

  it('terminating a task that waits for the cluster leaves the running task and its cluster alone', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const holder = new AbortController();
    const running = ex.execute('holder', sumTask([1], { fail: 'wait_abort' }), { signal: holder.signal, runId: 'run-a' }).catch((e: unknown) => e);
    await until(() => started.length === 1);
    const waiter = new AbortController();
    let validated = false;
    const onStage = (s: string): void => void (s === 'validation' && (validated = true));
    const waiting = ex.execute('waiter', sumTask([2]), { signal: waiter.signal, runId: 'run-b', onStage }).catch((e: unknown) => e);
    await until(() => validated);
    waiter.abort(new Error('revoked'));
    expect(await ex.terminate('run-b', 'revoked')).toBe(true);
    expect(await waiting).toMatchObject({ code: 'TASK_CANCELLED' });
    expect(started).toHaveLength(1);
    expect(started[0]!.log).not.toContain('destroy');
    expect(ex.provider.state().status).toBe('ready');
    expect(await ex.terminate('no-such-run', 'revoked')).toBe(false);
    holder.abort(new Error('done'));
    await running;
    await expect(ex.execute('after', sumTask([3]))).resolves.toMatchObject({ result: { sum: 3 }, performance_metrics: { cluster_reused: true } });
  });
});

describe('JobContext.cluster type', () => {
  it('is the runtime Cluster (jobs call pyu/spu on it)', () => {
    expectTypeOf<JobContext['cluster']>().toHaveProperty('pyu');
    expectTypeOf<JobContext['cluster']>().toHaveProperty('beginTask');
  });
});

describe('built-in tasks', () => {
  it('hello and health_check need no cluster', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({
      provider,
      registry,
      workerName: 'w9',
      healthProbes: { redis: () => Promise.resolve({ ok: true }), broken: () => Promise.reject(new Error('ECONNREFUSED')) },
    });
    const h = await ex.execute('h', { task_type: 'hello', task_config: {} });
    expect(h.result).toMatchObject({ worker: 'w9' });
    const hc = await ex.execute('hc', { task_type: 'health_check' });
    expect(hc.result).toMatchObject({
      status: 'degraded',
      checks: { redis: { ok: true }, broken: { ok: false, error: 'Error' } },
      cluster: { status: 'none' },
      versions: { node: process.version },
    });
    expect((hc.result as { registered_tasks: string[] }).registered_tasks).toEqual(expect.arrayContaining(['hello', 'health_check', 'pipeline', 'test.sum']));
    expect(started).toHaveLength(0);
    expect(hc.performance_metrics.cluster_init_time_ms).toBe(0);
  });
});

describe('pipeline', () => {
  it('runs steps in order inside one beginTask/endTask and collects results', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const progress: number[] = [];
    const r = await ex.execute('p', {
      task_type: 'pipeline',
      task_config: { steps: [{ task_type: 'test.sum', name: 'first', task_config: { values: [1, 2] } }, { task_type: 'test.sum', task_config: { values: [10] } }] },
    }, { onProgress: (u) => progress.push(u.percent) });
    expect(r.result).toMatchObject({ steps: [{ name: 'first', result: { sum: 3 } }, { name: '1:test.sum', result: { sum: 10 } }] });
    expect(started[0]!.log).toEqual(['begin:p', 'run:p', 'run:p', 'end']);
    expect(progress[0]).toBe(25);
  });

  it('validates every step before running any, naming the full path', async () => {
    const { provider, started } = fakeProvider();
    const ex = new TaskExecutor({ provider, registry });
    const err = await ex.execute('p', {
      task_type: 'pipeline',
      task_config: { steps: [{ task_type: 'test.sum', task_config: { values: [1] } }, { task_type: 'test.sum', task_config: { values: [] } }, { task_type: 'nope' }] },
    }).catch((e: unknown) => e);
    expect((err as ParameterValidationError).fields).toEqual(['task_config.steps.1.task_config.values', 'task_config.steps.2.task_type']);
    expect(started).toHaveLength(0);
  });

  it("a step's run-time parameter error names the field under that step", async () => {
    const ex = new TaskExecutor({ provider: fakeProvider().provider, registry });
    const err = await ex.execute('p', {
      task_type: 'pipeline',
      task_config: { steps: [{ task_type: 'test.sum', task_config: { values: [1] } }, { task_type: 'test.sum', name: 's2', task_config: { values: [1], fail: 'bad_value' } }] },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterValidationError);
    const e = err as ParameterValidationError;
    expect(e.fields).toEqual(['task_config.steps.1.task_config.values.0']);
    expect(e.message).toBe('pipeline step s2: Invalid task parameters: task_config.steps.1.task_config.values.0: found at run time');
    expect(e.details).toMatchObject({ issues: [{ path: 'task_config.steps.1.task_config.values.0' }], failed_step: 's2', completed_steps: ['0:test.sum'] });
  });

  it('a failing step names the step and keeps its error class', async () => {
    const ex = new TaskExecutor({ provider: fakeProvider().provider, registry });
    const err = await ex.execute('p', { task_type: 'pipeline', task_config: { steps: [{ task_type: 'test.sum', name: 's1', task_config: { values: [1], fail: 'throw' } }] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskExecutionError);
    expect((err as Error).message).toMatch(/^pipeline step s1: /);
    expect((err as TaskExecutionError).details).toEqual({ failed_step: 's1', completed_steps: [] });
  });
});
