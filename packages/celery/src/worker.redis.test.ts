// CeleryWorker + CeleryClient against a real Redis (REDIS_URL), a unique key prefix per test.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWorkers, openWorker, Q, sleep } from './__tests__/redis-worker.ts';
import type { WorkerCtx } from './__tests__/redis-worker.ts';
import { CeleryResultError } from './client.ts';
import { keyBuilder } from './keys.ts';
import type { CeleryWorkerOptions } from './options.ts';
import type { TaskHandler } from './types.ts';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** Poll until `f` returns `want`; the generous deadline only makes a loaded machine wait longer. */
async function until<T>(f: () => Promise<T>, want: T, waitMs = 20_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  let v = await f();
  while (v !== want && Date.now() < deadline) {
    await sleep(50);
    v = await f();
  }
  return v;
}

async function setup(over: Partial<CeleryWorkerOptions> = {}, handlers: Record<string, TaskHandler> = {}): Promise<WorkerCtx> {
  let attempts = 0;
  return Promise.resolve(openWorker({
    redisUrl: URL, concurrency: 2, prefetchMultiplier: 2, visibilityTimeoutSec: 30, resultExpiresSec: 60, maxRetries: 3, defaultRetryDelaySec: 0.2,
    softTimeLimitSec: null, hardTimeLimitSec: null, sendTaskEvents: false, shutdownGraceSec: 2, ...over,
  }, {
    add: { run: async (req) => (req.args[0] as number) + (req.args[1] as number) },
    flaky: {
      run: async (req) => {
        attempts++;
        if (req.retries < 2) throw Object.assign(new Error('transient'), { retryable: true, countdownSec: 0.1 });
        return { attempts };
      },
    },
    fail: { run: async () => { throw Object.assign(new Error('bad input'), { name: 'ValueError' }); } },
    sleep: {
      run: (req, ctx) => new Promise((resolve, reject) => {
        const t = setTimeout(() => resolve('slept'), (req.args[0] as number) * 1000);
        if (req.args[1] === 'soft') ctx.signal.addEventListener('abort', () => { clearTimeout(t); reject(ctx.signal.reason); });
      }),
      terminate: async () => {},
    },
    ...handlers,
  }));
}

afterEach(closeWorkers);

describe('CeleryWorker over Redis', () => {
  it('runs a task and stores SUCCESS with extended meta, then acks', async () => {
    const { worker, client, redis, prefix } = await setup();
    await worker.start();
    const r = await client.sendTask('add', [2, 3], { queue: Q });
    expect(await r.get({ timeoutMs: 5000 })).toBe(5);
    const meta = JSON.parse((await redis.get(`celery-task-meta-${r.id}`)) ?? '{}');
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5, task_id: r.id, name: 'add', args: [2, 3], retries: 0, queue: Q });
    expect(meta.date_done).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(await redis.ttl(`celery-task-meta-${r.id}`)).toBeGreaterThan(50);
    const k = keyBuilder(0, prefix);
    expect(await until(() => redis.hlen(k.unacked), 0)).toBe(0);
    await redis.del(`celery-task-meta-${r.id}`);
  });

  it('stores FAILURE with a Python exception payload and does not retry it', async () => {
    const { worker, client } = await setup();
    await worker.start();
    const r = await client.sendTask('fail', [], { queue: Q });
    const err = await r.get({ timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleryResultError);
    expect(err).toMatchObject({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad input'], state: 'FAILURE' });
  });

  it('retries a retryable error with the same id and retries+1 until success', async () => {
    const { worker, client } = await setup();
    await worker.start();
    const seen: [string, number | undefined][] = [];
    const r = await client.sendTask('flaky', [], { queue: Q, onMessage: (m) => seen.push([m.status, m.retries]) });
    const v = await r.get({ timeoutMs: 8000 });
    expect(v).toEqual({ attempts: 3 });
    expect(seen).toEqual([['RETRY', 0], ['RETRY', 1], ['SUCCESS', 2]]);
  });

  it('publishes a retry as a new message: same id, retries+1, an eta, parent_id = id; the original is acked', async () => {
    const { worker, client, redis, prefix } = await setup({}, {
      later: { run: async () => { throw Object.assign(new Error('try later'), { retryable: true, countdownSec: 60 }); } },
    });
    const k = keyBuilder(0, prefix);
    await worker.start();
    const r = await client.sendTask('later', [1], { queue: Q });
    expect(await until(async () => (await client.meta(r.id))?.status, 'RETRY')).toBe('RETRY');
    // The retry message was popped again and is ETA-held: its unacked entry is the new envelope.
    const entries = await until(async () => Object.values(await redis.hgetall(k.unacked)).length, 1);
    expect(entries).toBe(1);
    const [env, exchange, routingKey] = JSON.parse(Object.values(await redis.hgetall(k.unacked))[0] ?? '[]');
    expect([exchange, routingKey]).toEqual(['', Q]);
    expect(env.headers).toMatchObject({ id: r.id, retries: 1, parent_id: r.id, root_id: r.id });
    const eta = Date.parse(env.headers.eta);
    expect(env.headers.eta).toMatch(/\.\d{6}\+00:00$/);
    expect(eta - Date.now()).toBeGreaterThan(50_000);
    expect(JSON.parse(Buffer.from(env.body, 'base64').toString())[0]).toEqual([1]);
  });

  it('records FAILURE for an unknown task and for bad content, dead-letters what has no id, keeps serving', async () => {
    const { worker, client, redis, prefix } = await setup();
    await worker.start();
    const k = keyBuilder(0, prefix);
    const unknown = await client.sendTask('nope', [], { queue: Q });
    await expect(unknown.get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'NotRegistered', excModule: 'celery.exceptions' });
    const id = randomUUID();
    await redis.lpush(k.queue(Q), JSON.stringify({ body: 'gAJ9', 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', headers: { id, task: 'add' }, properties: { delivery_tag: randomUUID(), body_encoding: 'base64' } }));
    await expect(client.asyncResult(id).get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'ContentDisallowed', excModule: 'kombu.exceptions' });
    await redis.lpush(k.queue(Q), 'not json at all');
    const ok = await client.sendTask('add', [1, 1], { queue: Q });
    expect(await ok.get({ timeoutMs: 5000 })).toBe(2);
    expect(await redis.lrange(k.deadLetter(Q), 0, -1)).toEqual(['not json at all']);
    expect(await until(() => redis.hlen(k.unacked), 0)).toBe(0);
  });

  it('honours eta, and revoke before run stores REVOKED', async () => {
    const { worker, client } = await setup();
    await worker.start();
    const t0 = Date.now();
    const a = await client.sendTask('add', [1, 2], { queue: Q, countdownSec: 0.5 });
    const b = await client.sendTask('add', [1, 2], { queue: Q, countdownSec: 2 });
    await sleep(100);
    await b.revoke();
    expect(await a.get({ timeoutMs: 5000 })).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    await expect(b.get({ timeoutMs: 5000 })).rejects.toMatchObject({ state: 'REVOKED', excType: 'TaskRevokedError', excArgs: ['revoked'] });
  });

  it('expired messages end REVOKED (expired)', async () => {
    const { worker, client } = await setup();
    const r = await client.sendTask('add', [1, 2], { queue: Q, expires: new Date(Date.now() - 1000) });
    await worker.start();
    await expect(r.get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'TaskRevokedError', excArgs: ['expired'] });
  });

  it('terminates a running task on revoke(terminate) and on the hard limit; soft limit aborts the signal', async () => {
    const terminated: string[] = [];
    const { worker, client } = await setup({ hardTimeLimitSec: 1, softTimeLimitSec: 0.3 }, {
      long: { run: () => new Promise(() => {}), terminate: async (_req, reason) => { terminated.push(reason); } },
    });
    await worker.start();
    const hard = await client.sendTask('long', [], { queue: Q });
    const soft = await client.sendTask('sleep', [5, 'soft'], { queue: Q });
    await expect(soft.get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'SoftTimeLimitExceeded', excModule: 'billiard.exceptions' });
    await expect(hard.get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'TimeLimitExceeded', excModule: 'billiard.exceptions', excArgs: [1] });
    expect(terminated).toEqual(['hard-time-limit']);
    const rv = await client.sendTask('sleep', [5], { queue: Q, timelimit: [null, null] });
    await sleep(300);
    await rv.revoke({ terminate: true });
    await expect(rv.get({ timeoutMs: 5000 })).rejects.toMatchObject({ excType: 'TaskRevokedError', excArgs: ['terminated'] });
  });

  it('restores a dead consumer\'s unacked message after the visibility timeout and runs it once', async () => {
    const { worker, client, redis, prefix } = await setup({ visibilityTimeoutSec: 1, restoreIntervalSec: 0.5 });
    const k = keyBuilder(0, prefix);
    // A consumer popped this message and died: it sits in unacked with an old score.
    const r = await client.sendTask('add', [20, 22], { queue: Q });
    const raw = await redis.rpop(k.queue(Q));
    const tag = JSON.parse(raw ?? '{}').properties.delivery_tag as string;
    await redis.zadd(k.unackedIndex, Date.now() / 1000 - 5, tag);
    await redis.hset(k.unacked, tag, `[${raw}, "", "${Q}"]`);
    await worker.start();
    expect(await r.get({ timeoutMs: 5000 })).toBe(42);
    expect(await until(() => redis.hlen(k.unacked), 0)).toBe(0);
    expect(worker.stats.processed).toBe(1);
  });

  it('puts ETA-held messages back on shutdown', async () => {
    const { worker, client, redis, prefix } = await setup();
    const k = keyBuilder(0, prefix);
    await worker.start();
    await client.sendTask('add', [1, 2], { queue: Q, countdownSec: 60 });
    await sleep(300);
    expect(await redis.hlen(k.unacked)).toBe(1);
    await worker.stop();
    expect(await redis.hlen(k.unacked)).toBe(0);
    const back = JSON.parse((await redis.lindex(k.queue(Q), 0)) ?? '{}');
    expect(back.headers.redelivered).toBe(true);
  });

  it('renews the lease of a task running longer than the visibility timeout, so it is not restored and runs once', async () => {
    let runs = 0;
    const { worker, client, redis, prefix } = await setup({ visibilityTimeoutSec: 0.5, leaseRenewSec: 0.1, restoreIntervalSec: 0.2 }, {
      slow: { run: async () => { runs++; await sleep(1500); return 'done'; } },
    });
    const k = keyBuilder(0, prefix);
    await worker.start();
    const r = await client.sendTask('slow', [], { queue: Q });
    expect(await r.get({ timeoutMs: 8000 })).toBe('done');
    await sleep(300);
    expect(runs).toBe(1);
    expect(await redis.llen(k.queue(Q))).toBe(0);
    expect(await until(() => redis.hlen(k.unacked), 0)).toBe(0);
  });

  it('on stop, a task still running after the grace period is terminated and put back', async () => {
    const reasons: string[] = [];
    const { worker, client, redis, prefix } = await setup({ shutdownGraceSec: 0.2 }, {
      stuck: { run: () => new Promise(() => {}), terminate: async (_r, reason) => { reasons.push(reason); } },
    });
    const k = keyBuilder(0, prefix);
    await worker.start();
    const r = await client.sendTask('stuck', [], { queue: Q });
    expect(await until(async () => worker.stats.executing, 1)).toBe(1);
    await worker.stop();
    expect(reasons).toEqual(['shutdown']);
    expect(await redis.hlen(k.unacked)).toBe(0);
    const back = JSON.parse((await redis.lindex(k.queue(Q), 0)) ?? '{}');
    expect(back.headers).toMatchObject({ id: r.id, redelivered: true });
    expect(await r.state()).toBe('PENDING');
  });

  it('serves priority 0 before higher steps (kombu on Redis) and drains a backlog in batches', async () => {
    const order: string[] = [];
    const { worker, client, redis, prefix } = await setup({ concurrency: 1, prefetchMultiplier: 4 }, {
      rec: { run: async (req) => { order.push(String(req.args[0])); return null; } },
    });
    const k = keyBuilder(0, prefix);
    const sent = [];
    for (const [tag, priority] of [['p9a', 9], ['p3a', 3], ['p0a', 0], ['p9b', 9], ['p0b', 0], ['p6a', 6]] as const) {
      sent.push(await client.sendTask('rec', [tag], { queue: Q, priority }));
    }
    expect(await redis.llen(k.queue(Q, 9))).toBe(2);
    await worker.start();
    for (const r of sent) await r.get({ timeoutMs: 5000 });
    expect(order).toEqual(['p0a', 'p0b', 'p3a', 'p6a', 'p9a', 'p9b']);
  });
});
