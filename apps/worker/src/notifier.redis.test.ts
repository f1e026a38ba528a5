import { describe, it, expect, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '@sfw/log';
import { statusEventSchema, ParameterValidationError } from '@sfw/executor';
import type { TaskRequest } from '@sfw/celery';
import { StatusNotifier, eventError, identify } from './notifier.ts';
import { deleteKeys, liveSubscriber, REDIS_URL, uniquePrefix, until } from './__tests__/redis-helpers.ts';

const prefix = uniquePrefix('notifier');
const redis = new Redis(REDIS_URL);
let sub: Redis | undefined;

afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await Promise.all([redis.quit(), sub?.quit()]);
});

const req = (over: Partial<TaskRequest> = {}): TaskRequest => ({
  id: 'celery-1', name: 'tasks.secretflow.execute_task', args: ['req-1', { task_type: 'psi', task_config: {} }], kwargs: {},
  retries: 1, eta: null, expires: null, rootId: 'celery-1', parentId: null, groupId: null,
  deliveryInfo: { exchange: '', routingKey: 'secretflow_queue', priority: 0 }, headers: {}, ...over,
});

describe('StatusNotifier', () => {
  it('publishes each event on the channel and pushes the same JSON onto the capped list', async () => {
    const channel = `${prefix}status`;
    const list = `${prefix}log`;
    const got: string[] = [];
    ({ sub } = await liveSubscriber(REDIS_URL, channel, (m) => got.push(m)));
    const n = new StatusNotifier(redis, { channel, list, listMax: 3, worker: 'w@test', logger: silentLogger() });
    const events = [
      n.event(req(), 'RUNNING'),
      n.event(req(), 'PROGRESS', { progress: { percent: 50, message: 'half' } }),
      n.event(req(), 'FAILURE', { error: eventError(new ParameterValidationError('Invalid task parameters: task_config.x: required')) }),
      n.event(req(), 'SUCCESS', { result_summary: { total_time_ms: 5 } }),
    ];
    for (const e of events) await n.publish(e);
    expect(await until(() => got.length === 4)).toBe(true);
    expect(got).toEqual(events.map((e) => JSON.stringify(e)));
    const stored = await redis.lrange(list, 0, -1);
    // Newest first, capped at 3.
    expect(stored).toEqual(events.slice(1).reverse().map((e) => JSON.stringify(e)));
    for (const raw of got) {
      const e = statusEventSchema.parse(JSON.parse(raw));
      expect(e).toMatchObject({ task_request_id: 'req-1', celery_task_id: 'celery-1', task_type: 'psi', worker: 'w@test', retries: 1 });
    }
    expect(JSON.parse(got[2]!)).toMatchObject({ status: 'FAILURE', error: { code: 'PARAMETER_INVALID', type: 'ParameterValidationError', retryable: false } });
  });

  it('identifies hello/health_check and tolerates malformed args', () => {
    expect(identify(req({ name: 'tasks.secretflow.hello', args: [] }))).toEqual({ taskRequestId: null, taskType: 'hello' });
    expect(identify(req({ args: [42, 'x'] }))).toEqual({ taskRequestId: null, taskType: null });
    expect(identify(req({ args: [], kwargs: { task_request_id: 'k', task_params: { task_type: 't' } } }))).toEqual({ taskRequestId: 'k', taskType: 't' });
  });

  it('a Redis failure is logged, never thrown into the caller', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const n = new StatusNotifier(dead, { channel: 'x', list: 'y', listMax: 1, worker: 'w', logger: silentLogger() });
    await expect(n.publish(n.event(req(), 'RUNNING'))).resolves.toBeUndefined();
    dead.disconnect();
  });
});
