// End to end in-process: CeleryWorker + executor + notifier against a real Redis, driven by the TS
// Celery client (the Python client drives the built CLI in test/compat). Unique prefix, queue and
// status keys per run; every key is deleted afterwards.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { silentLogger } from '@sfw/log';
import { PooledClusterProvider, statusEventSchema } from '@sfw/executor';
import type { ClusterHandle, StatusEvent, TaskRegistry } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';
import { CeleryClient, CeleryResultError } from '@sfw/celery';
import { loadConfig } from './config.ts';
import { startWorker, TASK_NAMES } from './app.ts';
import type { RunningWorker } from './app.ts';
import { JOB_PACKAGES } from './jobs.ts';
import { REDIS_URL, uniquePrefix, deleteKeys, liveSubscriber, until } from './__tests__/redis-helpers.ts';

const prefix = uniquePrefix('worker-e2e');
const config = loadConfig({
  env: {
    REDIS_URL, CELERY_KEY_PREFIX: prefix, CELERY_QUEUE: 'secretflow_queue', STATUS_CHANNEL: `${prefix}status`, STATUS_LIST: `${prefix}status_log`,
    CELERY_DEFAULT_RETRY_DELAY: '0.2', CELERY_RESULT_EXPIRES: '120', STATUS_PROGRESS_INTERVAL_MS: '0', SFW_DIAGNOSTIC_TASKS: '1',
    WORKER_HOSTNAME: `e2e@${prefix}`, WORKER_SHUTDOWN_GRACE: '2',
  },
});

let clustersStarted = 0;
const fakeCluster = (): ClusterHandle => ({ healthy: true, beginTask: () => undefined, endTask: () => undefined, shutdown: () => Promise.resolve() });

let running: RunningWorker;
let client: CeleryClient;
const redis = new Redis(REDIS_URL);
let sub: Redis | undefined;
/** Events seen on the channel (subscribed before the worker starts); assertions read the durable list. */
const channel: StatusEvent[] = [];
const ids: string[] = [];

const registerTestTasks = (registry: TaskRegistry): void => {
  registry.add({
    taskType: 'test.double',
    description: 'doubles numbers (cluster task on a fake cluster)',
    schema: z.object({ x: z.number() }),
    run: (_ctx, cfg) => Promise.resolve({ y: cfg.x * 2 }),
  });
};

beforeAll(async () => {
  // Live before the worker starts, so the channel sees every event the durable list gets.
  ({ sub } = await liveSubscriber(REDIS_URL, config.statusChannel, (m) => channel.push(statusEventSchema.parse(JSON.parse(m)))));
  const provider = new PooledClusterProvider(() => {
    clustersStarted++;
    // Stands in for the runtime's Cluster: the test task never touches it beyond the lifecycle.
    return Promise.resolve(fakeCluster() as unknown as Cluster);
  });
  running = await startWorker(config, silentLogger(), { provider, jobs: [...JOB_PACKAGES, { name: 'test', register: registerTestTasks }] });
  client = new CeleryClient({ redisUrl: REDIS_URL, keyPrefix: prefix });
});

afterAll(async () => {
  await running.stop(1);
  await client.close();
  await deleteKeys(redis, `${prefix}*`);
  if (ids.length > 0) await redis.del(...ids.map((i) => `celery-task-meta-${i}`));
  await Promise.all([redis.quit(), sub?.quit()]);
});

async function send(name: string, args: unknown[]): Promise<{ id: string; get: () => Promise<unknown> }> {
  const ar = await client.sendTask(name, args, { queue: 'secretflow_queue' });
  ids.push(ar.id);
  return { id: ar.id, get: () => ar.get({ timeoutMs: 20_000 }) };
}
/** One task's status events from the durable list (LPUSH, newest first), oldest first. A pub/sub
 *  subscriber can miss events (a reconnect drops its subscription); the list cannot. */
async function eventsOf(celeryId: string): Promise<StatusEvent[]> {
  const raw = await redis.lrange(config.statusList, 0, -1);
  return raw.map((s) => statusEventSchema.parse(JSON.parse(s))).filter((e) => e.celery_task_id === celeryId).reverse();
}
const statuses = async (celeryId: string): Promise<string[]> => (await eventsOf(celeryId)).map((e) => e.status);
/** Waits (bounded) until the task's terminal event is in the durable list, then returns its events. */
async function settledEvents(celeryId: string, terminal: string): Promise<StatusEvent[]> {
  expect(await until(async () => (await statuses(celeryId)).includes(terminal))).toBe(true);
  return eventsOf(celeryId);
}

describe('worker end to end (Redis)', () => {
  it('serves hello and health_check', async () => {
    const hello = await send(TASK_NAMES.hello, []);
    expect(await hello.get()).toMatchObject({ worker: config.hostname, message: expect.stringContaining('Hello') as unknown });
    const health = await send(TASK_NAMES.health, []);
    expect(await health.get()).toMatchObject({ status: 'healthy', checks: { redis: { ok: true } }, cluster: { status: 'none' } });
  });

  it('execute_task returns the result envelope and publishes RUNNING then SUCCESS', async () => {
    const t = await send(TASK_NAMES.execute, ['req-ok', { task_type: 'test.double', task_config: { x: 21 } }]);
    const r = await t.get() as { task_request_id: string; result: unknown; performance_metrics: { stage_ratios: Record<string, number> } };
    expect(r).toMatchObject({ task_request_id: 'req-ok', task_type: 'test.double', result: { y: 42 }, metadata: { celery_task_id: t.id } });
    expect(clustersStarted).toBe(1);
    const evs = await settledEvents(t.id, 'SUCCESS');
    expect(evs.map((e) => e.status)).toEqual(['RUNNING', 'SUCCESS']);
    const done = evs.find((e) => e.status === 'SUCCESS')!;
    expect(done).toMatchObject({ task_request_id: 'req-ok', task_type: 'test.double', worker: config.hostname });
    expect(done.result_summary?.total_time_ms).toBeGreaterThan(0);
  });

  it('a bad task fails at once with ParameterValidationError, is not retried, and the next task is served', async () => {
    const bad = await send(TASK_NAMES.execute, ['req-bad', { task_type: 'test.double', task_config: { x: 'not a number' } }]);
    const err = await bad.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleryResultError);
    const cre = err as CeleryResultError;
    expect(cre.excType).toBe('ParameterValidationError');
    expect(cre.excArgs[0]).toContain('task_config.x');
    expect(cre.excArgs[0]).not.toContain('not a number');
    expect(cre.excArgs[1]).toBe('PARAMETER_INVALID');
    const meta = await client.meta(bad.id);
    expect(meta).toMatchObject({ status: 'FAILURE', retries: 0 });
    const badEvents = await settledEvents(bad.id, 'FAILURE');
    expect(badEvents.map((e) => e.status)).toEqual(['RUNNING', 'FAILURE']);
    expect(badEvents.find((e) => e.status === 'FAILURE')?.error).toMatchObject({ code: 'PARAMETER_INVALID', type: 'ParameterValidationError' });

    const unknown = await send(TASK_NAMES.execute, ['req-unknown', { task_type: 'no_such_task' }]);
    expect(await unknown.get().catch((e: unknown) => (e as CeleryResultError).excArgs[1])).toBe('UNKNOWN_TASK_TYPE');

    const next = await send(TASK_NAMES.execute, ['req-next', { task_type: 'diagnostic', task_config: { mode: 'succeed' } }]);
    expect(await next.get()).toMatchObject({ task_request_id: 'req-next', result: { ok: true } });
  });

  it('a retryable failure publishes RETRY and succeeds on the next attempt', async () => {
    const t = await send(TASK_NAMES.execute, ['req-retry', { task_type: 'diagnostic', task_config: { mode: 'retry', retry_times: 1 } }]);
    expect(await t.get()).toMatchObject({ result: { ok: true, attempt: 1 }, metadata: { retries: 1 } });
    const evs = await settledEvents(t.id, 'SUCCESS');
    expect(evs.map((e) => e.status)).toEqual(['RUNNING', 'RETRY', 'RUNNING', 'SUCCESS']);
    const retry = evs.find((e) => e.status === 'RETRY')!;
    expect(retry.error).toMatchObject({ type: 'TaskExecutionError', retryable: true });
    expect(typeof retry.retry_eta).toBe('string');
  });

  it('job progress becomes PROGRESS events, and the channel carries the same events as the durable list', async () => {
    const t = await send(TASK_NAMES.execute, ['req-progress', { task_type: 'diagnostic', task_config: { mode: 'progress', sleep_ms: 200 } }]);
    await t.get();
    const evs = await settledEvents(t.id, 'SUCCESS');
    const progress = evs.filter((e) => e.status === 'PROGRESS');
    expect(progress.map((e) => e.progress?.percent)).toEqual([25, 50, 75, 100]);
    expect(progress[0]!.progress).toMatchObject({ message: 'step 1/4', step: 1 });
    // PUBLISH and LPUSH go in one MULTI: once the list holds the terminal event, the subscriber
    // (subscribed before the worker started) has been sent every event; wait until it has read them.
    const onChannel = (): string[] => channel.filter((e) => e.celery_task_id === t.id).map((e) => e.event_id);
    expect(await until(() => onChannel().length >= evs.length)).toBe(true);
    expect(onChannel()).toEqual(evs.map((e) => e.event_id));
  });
});
