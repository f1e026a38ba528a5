// The real Python Celery 5.2.6 client against the TS worker on a private Redis: the test plan of
// the wire contract in docs/celery-wire.md (cases 1-12) plus malformed input. The worker under test is
// WORKER_COMMAND in harness.ts (the fixture today, the apps/worker CLI later).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { py, startRedis, startWorker } from './harness.ts';
import type { RedisServer, WorkerProc } from './harness.ts';

const Q = 'secretflow_queue';
const HOST = 'sfw-compat@localhost';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let server: RedisServer;
let redis: Redis;

// Polls by deadline, not by a count of tries, so a loaded CI machine only makes it wait longer.
async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, waitMs = 20_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  let v = await f();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(50);
    v = await f();
  }
  return v;
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
function rawMessage(headers: Record<string, unknown>, body: string, contentType = 'application/json'): string {
  return JSON.stringify({
    body, 'content-encoding': 'utf-8', 'content-type': contentType, headers,
    properties: { correlation_id: headers.id, delivery_mode: 2, delivery_info: { exchange: '', routing_key: Q }, priority: 0, body_encoding: 'base64', delivery_tag: randomUUID() },
  });
}

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describe('Python Celery client -> TS worker (one running worker)', () => {
  let worker: WorkerProc;
  beforeAll(async () => {
    await redis.flushdb();
    worker = await startWorker(server.url, { SFW_HOSTNAME: HOST, SFW_EVENTS: '1', SFW_RETRY_DELAY: '0.3' });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('1. success: value, state, aware date_done, extended meta, raw meta and TTL', async () => {
    const o = await py(server.url, 'success');
    expect(o).toMatchObject({ ok: true, value: { task_request_id: 'req-1', value: 7 }, state: 'SUCCESS', date_done_aware: true,
      name: 'tasks.secretflow.execute_task', args: ['req-1', { mode: 'succeed', value: 7 }], kwargs: {}, worker: HOST, retries: 0, queue: Q });
    expect(o.raw).toMatchObject({ status: 'SUCCESS', traceback: null, children: [] });
    expect(o.ttl).toBeGreaterThan(86_000);
    expect(o.ttl).toBeLessThanOrEqual(86_400);
  });

  it('2. failure: ValueError raised in Python, traceback str, not retried; custom error is celery.exceptions.<name>', async () => {
    const o = await py(server.url, 'fail');
    expect(o).toMatchObject({ raised: 'ValueError', args: ['bad parameter: alpha'], state: 'FAILURE', traceback_is_str: true, result_args: ['bad parameter: alpha'], retries: 0 });
    const c = await py(server.url, 'custom_fail');
    expect(c).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'SecretflowError', module: 'celery.exceptions', args: ['party bob offline', 42] } });
  });

  it('2b. a validation error is never retried', async () => {
    const o = await py(server.url, 'invalid');
    expect(o).toMatchObject({ ok: false, exc: { type: 'ParameterValidationError', module: 'celery.exceptions' }, seen: ['FAILURE'], retries: 0, started: 1 });
  });

  it('3. retry then success: RETRY 0, RETRY 1, SUCCESS 2', async () => {
    const o = await py(server.url, 'retry', { n: 2 });
    expect(o).toMatchObject({ ok: true, value: { retries: 2 }, state: 'SUCCESS', seen: [['RETRY', 0], ['RETRY', 1], ['SUCCESS', 2]] });
  });

  it('4. retries exhausted: three RETRYs then FAILURE with the original exception', async () => {
    const o = await py(server.url, 'retry', { n: 99 });
    expect(o).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'TaskExecutionError', module: 'celery.exceptions', args: ['transient failure 3'] } });
    expect(o.seen).toEqual([['RETRY', 0], ['RETRY', 1], ['RETRY', 2], ['FAILURE', 3]]);
  });

  it('5. revoke before run (countdown) -> TaskRevokedError revoked', async () => {
    const o = await py(server.url, 'revoke_before_run');
    expect(o).toMatchObject({ ok: false, state: 'REVOKED', exc: { type: 'TaskRevokedError', module: 'celery.exceptions', args: ['revoked'] } });
  });

  it('6. revoke while running (terminate, reply) -> TaskRevokedError terminated', async () => {
    const o = await py(server.url, 'revoke_running');
    const reply = o.reply as Record<string, { ok: string }>[];
    expect(reply).toHaveLength(1);
    expect(reply[0]?.[HOST]?.ok).toMatch(/^terminate: [0-9a-f-]{36}$/);
    expect(o).toMatchObject({ ok: false, state: 'REVOKED', exc: { type: 'TaskRevokedError', args: ['terminated'] } });
  });

  it('7. ping', async () => {
    const o = await py(server.url, 'ping');
    expect(o.reply).toEqual([{ [HOST]: { ok: 'pong' } }]);
  });

  it('8. hard time limit -> billiard TimeLimitExceeded; unhandled soft limit -> SoftTimeLimitExceeded; handled soft limit succeeds', async () => {
    const hard = await py(server.url, 'hard_limit');
    expect(hard).toMatchObject({ ok: false, exc: { type: 'TimeLimitExceeded', module: 'billiard.exceptions', args: [1.5] } });
    const soft = await py(server.url, 'soft_limit');
    expect(soft).toMatchObject({ ok: false, exc: { type: 'SoftTimeLimitExceeded', module: 'billiard.exceptions' }, handled: { ok: true, value: 'cleaned-up' } });
  });

  it('9. expires before its eta -> TaskRevokedError expired', async () => {
    const o = await py(server.url, 'expires');
    expect(o).toMatchObject({ ok: false, state: 'REVOKED', exc: { type: 'TaskRevokedError', args: ['expired'] } });
  });

  it('12. events: Celery\'s Receiver sees worker heartbeats and the task lifecycle', async () => {
    const o = await py(server.url, 'events', { limit: 30, timeout: 10 });
    expect(o.result).toMatchObject({ ok: true });
    const ev = o.events as Record<string, unknown>[];
    const types = ev.map((e) => e.type);
    expect(types).toContain('worker-heartbeat');
    const mine = ev.filter((e) => e.uuid === o.id);
    expect(mine.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(mine[0]).toMatchObject({ hostname: HOST, name: 'tasks.secretflow.execute_task', retries: 0, root_id: o.id });
    expect(typeof mine[2]?.runtime).toBe('number');
    expect(ev.find((e) => e.type === 'worker-heartbeat')).toMatchObject({ hostname: HOST, sw_ident: 'sfw-celery-ts' });
  });

  it('bad input: not JSON, pickle, wrong fields, no id, unknown task, huge payload -> FAILURE or dead-letter; next task served', async () => {
    const pickleId = randomUUID();
    const shapeId = randomUUID();
    const retriesId = randomUUID();
    await redis.lpush(Q, 'this is not json {');
    await redis.lpush(Q, rawMessage({ id: pickleId, task: 'tasks.secretflow.execute_task', lang: 'py' }, 'gASVAAAAAAAAAAAu', 'application/x-python-serialize'));
    await redis.lpush(Q, rawMessage({ id: shapeId, task: 'tasks.secretflow.execute_task', lang: 'py' }, b64({ not: 'a list' })));
    await redis.lpush(Q, rawMessage({ id: retriesId, task: 'tasks.secretflow.execute_task', retries: 'x' }, b64([[], {}, {}])));
    await redis.lpush(Q, rawMessage({ task: 'tasks.secretflow.execute_task' }, b64([[], {}, {}])));
    const pickle = await py(server.url, 'get', { id: pickleId });
    expect(pickle).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'ContentDisallowed', module: 'kombu.exceptions' } });
    const shape = await py(server.url, 'get', { id: shapeId });
    expect(shape).toMatchObject({ ok: false, exc: { type: 'InvalidTaskError', module: 'celery.exceptions' } });
    const retries = await py(server.url, 'get', { id: retriesId });
    expect(retries).toMatchObject({ ok: false, exc: { type: 'InvalidTaskError' } });
    const unknown = await py(server.url, 'send_raw_name', { name: 'tasks.secretflow.nope' });
    expect(unknown).toMatchObject({ ok: false, exc: { type: 'NotRegistered', module: 'celery.exceptions' }, retries: 0 });
    const huge = await py(server.url, 'send_raw_name', { name: 'tasks.secretflow.hello', huge_bytes: 2 * 1024 * 1024 });
    expect(huge).toMatchObject({ ok: false, exc: { type: 'InvalidTaskError', module: 'celery.exceptions' }, retries: 0 });
    const hello = await py(server.url, 'send_raw_name', { name: 'tasks.secretflow.hello', args: ['bob'] });
    expect(hello).toMatchObject({ ok: true, value: 'hello bob' });
    const dead = await redis.lrange(`${Q}.dead`, 0, -1);
    expect(dead).toHaveLength(2);
    expect(dead).toContain('this is not json {');
    expect(await until(() => redis.hlen('unacked'), (n) => n === 0)).toBe(0);
    expect(worker.child.exitCode).toBeNull();
  });
});

describe('Python Celery client -> TS worker (lifecycle: priority, kill -9, SIGTERM)', () => {
  it('10. priority 5 lands on secretflow_queue\\x06\\x163 and is consumed', async () => {
    await redis.flushdb();
    const sent = await py(server.url, 'send', { params: { mode: 'succeed' }, kw: { priority: 5 } });
    expect(await redis.llen(`${Q}\x06\x163`)).toBe(1);
    expect(await redis.llen(Q)).toBe(0);
    const w = await startWorker(server.url, { SFW_HOSTNAME: HOST });
    try {
      expect(await py(server.url, 'get', { id: sent.id })).toMatchObject({ ok: true, state: 'SUCCESS' });
    } finally {
      await w.stop();
    }
  });

  it('11. kill -9 mid-task: entry stays in unacked, kombu restore_visible puts it back, a new worker completes it once', async () => {
    await redis.flushdb();
    let w = await startWorker(server.url, { SFW_HOSTNAME: HOST });
    const sent = await py(server.url, 'send', { params: { mode: 'sleep', seconds: 2 } });
    const id = String(sent.id);
    expect(await until(() => redis.get(`compat:started:${id}`), (v) => v === '1')).toBe('1');
    await w.kill9();
    expect(await redis.hlen('unacked')).toBe(1);
    expect(await redis.get(`celery-task-meta-${id}`)).toBeNull();
    await sleep(1200);
    const restored = await py(server.url, 'restore_visible');
    expect(restored.unacked).toBe(0);
    const queue = restored.queue as { headers: Record<string, unknown> }[];
    expect(queue).toHaveLength(1);
    expect(queue[0]?.headers).toMatchObject({ id, redelivered: true });
    w = await startWorker(server.url, { SFW_HOSTNAME: HOST });
    try {
      expect(await py(server.url, 'get', { id })).toMatchObject({ ok: true, value: 'slept', state: 'SUCCESS' });
      expect(await redis.get(`compat:started:${id}`)).toBe('2');
      expect(await redis.get(`compat:completed:${id}`)).toBe('1');
      expect(await until(() => redis.hlen('unacked'), (n) => n === 0)).toBe(0);
    } finally {
      await w.stop();
    }
  });

  it('11b. kill -9: the restarted TS worker restores past the visibility timeout by itself', async () => {
    await redis.flushdb();
    let w = await startWorker(server.url, { SFW_HOSTNAME: HOST, SFW_VISIBILITY: '1' });
    const sent = await py(server.url, 'send', { params: { mode: 'sleep', seconds: 1 } });
    const id = String(sent.id);
    expect(await until(() => redis.get(`compat:started:${id}`), (v) => v === '1')).toBe('1');
    await w.kill9();
    await sleep(1200);
    w = await startWorker(server.url, { SFW_HOSTNAME: HOST, SFW_VISIBILITY: '1' });
    try {
      expect(await py(server.url, 'get', { id })).toMatchObject({ ok: true, state: 'SUCCESS' });
      expect(await redis.get(`compat:completed:${id}`)).toBe('1');
    } finally {
      await w.stop();
    }
  });

  it('11c. SIGTERM: an ETA-held message is put back (redelivered) and unacked is empty', async () => {
    await redis.flushdb();
    const w = await startWorker(server.url, { SFW_HOSTNAME: HOST });
    const sent = await py(server.url, 'send', { params: { mode: 'succeed' }, kw: { countdown: 60 } });
    expect(await until(() => redis.hlen('unacked'), (n) => n === 1)).toBe(1);
    await w.stop();
    expect(w.child.exitCode).toBe(0);
    expect(await redis.hlen('unacked')).toBe(0);
    const back = JSON.parse((await redis.lindex(Q, 0)) ?? '{}') as { headers: Record<string, unknown> };
    expect(back.headers).toMatchObject({ id: sent.id, redelivered: true });
  });
});
