// Messages that are not valid tasks, pushed straight onto the queue of a one-slot worker: each is
// rejected (FAILURE under its id, or its exact bytes on the dead-letter list), and the one slot goes
// on to serve the next task. Plus slot health, and time limits a message may lower but not raise.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeWorkers, openWorker, Q, sleep } from './__tests__/redis-worker.ts';
import type { WorkerCtx } from './__tests__/redis-worker.ts';
import { CeleryResultError } from './client.ts';
import { keyBuilder } from './keys.ts';
import type { CeleryWorkerOptions } from './options.ts';
import type { TaskHandler } from './types.ts';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

// Polls by deadline, not by a count of tries, so a loaded CI machine only makes it wait longer.
async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, waitMs = 20_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  let v = await f();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(25);
    v = await f();
  }
  return v;
}

/** A one-slot worker by default: any lost prefetch seat stops it, so "serves the next task" is a real check. */
function setup(over: Partial<CeleryWorkerOptions> = {}, handlers: Record<string, TaskHandler> = {}): WorkerCtx {
  return openWorker({
    redisUrl: URL, concurrency: 1, prefetchMultiplier: 1, visibilityTimeoutSec: 30, resultExpiresSec: 60, maxRetries: 0, defaultRetryDelaySec: 0,
    softTimeLimitSec: null, hardTimeLimitSec: null, sendTaskEvents: false, shutdownGraceSec: 1, maxMessageBytes: 4096, ...over,
  }, { add: { run: async (req) => (req.args[0] as number) + (req.args[1] as number) }, ...handlers });
}

afterEach(closeWorkers);

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
function envelope(headers: Record<string, unknown>, body: string, contentType = 'application/json'): string {
  return JSON.stringify({
    body, 'content-encoding': 'utf-8', 'content-type': contentType, headers,
    properties: { delivery_mode: 2, delivery_info: { exchange: '', routing_key: Q }, priority: 0, body_encoding: 'base64', delivery_tag: randomUUID() },
  });
}

describe('hostile messages against a one-slot worker', () => {
  it('dead-letters byte for byte what has no task id (null, numbers, arrays, strings, non-UTF-8, no headers, a non-string id) and keeps serving', async () => {
    const { worker, client, redis, prefix } = setup();
    const k = keyBuilder(0, prefix);
    await worker.start();
    const junk: Buffer[] = [
      'null', '4', '-1e309', '"text"', '[1,2,3]', 'true', '{}', 'not json {', '{"headers": 5}',
      envelope({ id: 12, task: 'add' }, b64([[1, 2], {}, {}])),
      envelope({ task: 'add' }, b64([[1, 2], {}, {}])),
    ].map((s) => Buffer.from(s, 'utf8'));
    junk.push(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0xc3]));
    for (const j of junk) await redis.lpush(k.queue(Q), j);
    const r = await client.sendTask('add', [20, 22], { queue: Q });
    expect(await r.get({ timeoutMs: 10_000 })).toBe(42);
    const dead = await redis.lrangeBuffer(k.deadLetter(Q), 0, -1);
    // LPUSH keeps the newest first: the dead-letter list is the junk in the order it was popped, newest first.
    expect(dead.map((b) => b.toString('hex'))).toEqual([...junk].reverse().map((b) => b.toString('hex')));
    expect(await until(() => redis.hlen(k.unacked), (n) => n === 0)).toBe(0);
    expect(worker.health()).toMatchObject({ ok: true, window: { used: 0 }, held: 0 });
  });

  it('stores FAILURE under the id of every malformed message that has one, and keeps serving', async () => {
    const { worker, client, redis, prefix } = setup();
    const k = keyBuilder(0, prefix);
    await worker.start();
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ task: 'add', retries: 'x' }, b64([[1, 2], {}, {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 'add', eta: 5 }, b64([[1, 2], {}, {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 'add', expires: {} }, b64([[1, 2], {}, {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 7 }, b64([[1, 2], {}, {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 'add' }, b64(null), 'application/json', 'InvalidTaskError'],
      [{ task: 'add' }, b64(3), 'application/json', 'InvalidTaskError'],
      [{ task: 'add' }, b64([{}, {}, {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 'add' }, b64([[], [], {}]), 'application/json', 'InvalidTaskError'],
      [{ task: 'add' }, 'not base64 json', 'application/json', 'DecodeError'],
      [{ task: 'add' }, 'gASVAAAAAAAAAAAu', 'application/x-python-serialize', 'ContentDisallowed'],
      [{ task: 'add' }, b64([[1, 2], {}, {}]), 'application/x-yaml', 'ContentDisallowed'],
      [{ task: 'add' }, b64([['x'.repeat(5000)], {}, {}]), 'application/json', 'InvalidTaskError'],
    ];
    const ids: string[] = [];
    for (const [h, body, ctype] of cases) {
      const id = randomUUID();
      ids.push(id);
      await redis.lpush(k.queue(Q), envelope({ id, ...h }, body, ctype));
    }
    for (const [i, id] of ids.entries()) {
      const err = await client.asyncResult(id).get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(err, `case ${i}`).toBeInstanceOf(CeleryResultError);
      expect((err as CeleryResultError).excType, `case ${i}`).toBe(cases[i]?.[3]);
    }
    const r = await client.sendTask('add', [1, 2], { queue: Q });
    expect(await r.get({ timeoutMs: 10_000 })).toBe(3);
    expect(await redis.llen(k.deadLetter(Q))).toBe(0);
    expect(await until(() => redis.hlen(k.unacked), (n) => n === 0)).toBe(0);
  });

  it('two messages under one delivery tag both run (neither merges into the other)', async () => {
    const { worker, client, redis, prefix } = setup({ concurrency: 2, prefetchMultiplier: 2 });
    const k = keyBuilder(0, prefix);
    const tag = randomUUID();
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      const env = JSON.parse(envelope({ id, task: 'add' }, b64([[id.length, 1], {}, {}]))) as { properties: Record<string, unknown> };
      env.properties.delivery_tag = tag;
      await redis.lpush(k.queue(Q), JSON.stringify(env));
    }
    await worker.start();
    for (const id of ids) expect(await client.asyncResult(id).get({ timeoutMs: 10_000 })).toBe(37);
    expect(await until(() => redis.hlen(k.unacked), (n) => n === 0)).toBe(0);
  });
});

describe('time limits and slot health', () => {
  const sleeper: TaskHandler = {
    run: (req, ctx) => new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve('slept'), (req.args[0] as number) * 1000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(ctx.signal.reason);
      });
    }),
    terminate: async () => {},
  };

  it('a message time_limit above the worker limit does not raise it; one below lowers it', async () => {
    const { worker, client } = setup({ hardTimeLimitSec: 0.4, concurrency: 2 }, { sleep: sleeper });
    await worker.start();
    const high = await client.sendTask('sleep', [30], { queue: Q, timelimit: [60, null] });
    const low = await client.sendTask('sleep', [30], { queue: Q, timelimit: [0.2, null] });
    await expect(high.get({ timeoutMs: 10_000 })).rejects.toMatchObject({ excType: 'TimeLimitExceeded', excArgs: [0.4] });
    await expect(low.get({ timeoutMs: 10_000 })).rejects.toMatchObject({ excType: 'TimeLimitExceeded', excArgs: [0.2] });
  });

  it('a message soft_time_limit above the worker soft limit does not raise it', async () => {
    const { worker, client } = setup({ softTimeLimitSec: 0.3 }, { sleep: sleeper });
    await worker.start();
    const r = await client.sendTask('sleep', [30], { queue: Q, timelimit: [null, 60] });
    await expect(r.get({ timeoutMs: 10_000 })).rejects.toMatchObject({ excType: 'SoftTimeLimitExceeded' });
  });

  it('health reports a busy slot with the age of its task, and a stuck slot when a teardown hangs past the hard limit', async () => {
    let release: (() => void) | undefined;
    const hanging: TaskHandler = {
      run: () => new Promise(() => undefined),
      terminate: () => new Promise<void>((r) => (release = r)),
    };
    const { worker, client } = setup({ hardTimeLimitSec: 0.3, stuckGraceSec: 0, terminateTimeoutSec: 60 }, { hang: hanging, sleep: sleeper });
    await worker.start();
    expect(worker.health()).toMatchObject({ ok: true, slots: [{ slot: 0, state: 'idle' }] });
    const r = await client.sendTask('hang', [], { queue: Q });
    const busy = await until(() => worker.health(), (h) => h.slots[0]?.state !== 'idle');
    expect(busy.slots[0]).toMatchObject({ task_id: r.id, task: 'hang', hard_limit_s: 0.3 });
    const stuck = await until(() => worker.health(), (h) => !h.ok);
    expect(stuck.slots[0]).toMatchObject({ state: 'stuck', task_id: r.id });
    expect(stuck.slots[0]?.age_s).toBeGreaterThanOrEqual(0.3);
    // The slot can read as stuck before the hard-limit timer has called terminate on a loaded
    // machine; release the teardown only once it has begun, or the task never settles.
    await until(() => release, (f) => f !== undefined);
    release?.();
    await expect(r.get({ timeoutMs: 10_000 })).rejects.toMatchObject({ excType: 'TimeLimitExceeded' });
    const next = await client.sendTask('add', [2, 2], { queue: Q });
    expect(await next.get({ timeoutMs: 10_000 })).toBe(4);
    expect(worker.health()).toMatchObject({ ok: true, slots: [{ state: 'idle' }] });
  });

  it('a teardown that never finishes is abandoned after terminateTimeoutSec and the slot serves again', async () => {
    const hanging: TaskHandler = { run: () => new Promise(() => undefined), terminate: () => new Promise<void>(() => undefined) };
    const { worker, client } = setup({ hardTimeLimitSec: 0.2, terminateTimeoutSec: 0.3 }, { hang: hanging });
    await worker.start();
    const r = await client.sendTask('hang', [], { queue: Q });
    await expect(r.get({ timeoutMs: 10_000 })).rejects.toMatchObject({ excType: 'TimeLimitExceeded' });
    const next = await client.sendTask('add', [3, 4], { queue: Q });
    expect(await next.get({ timeoutMs: 10_000 })).toBe(7);
  });
});
