// Test helper for the Redis tests of this package: a worker, a client and a plain connection under a
// unique key prefix, all closed and their keys deleted by `closeWorkers()` (call it in afterEach).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CeleryClient } from '../client.ts';
import type { CeleryWorkerOptions } from '../options.ts';
import type { CeleryLogger, TaskHandler } from '../types.ts';
import { CeleryWorker } from '../worker.ts';

export const Q = 'q';
export const silent: CeleryLogger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WorkerCtx { worker: CeleryWorker; client: CeleryClient; redis: Redis; prefix: string }
const open: WorkerCtx[] = [];

/** A worker on queue `q` of the Redis at `opts.redisUrl` (the test file reads REDIS_URL), with every
 *  option given (tests pass their defaults, then overrides). */
export function openWorker(opts: Omit<CeleryWorkerOptions, 'queues' | 'hostname' | 'logger' | 'keyPrefix'>, handlers: Record<string, TaskHandler>): WorkerCtx {
  const prefix = `sfwtest:${randomUUID()}:`;
  const worker = new CeleryWorker({ queues: [Q], hostname: `t@${prefix}`, logger: silent, keyPrefix: prefix, ...opts });
  for (const [n, h] of Object.entries(handlers)) worker.register(n, h);
  const ctx = { worker, client: new CeleryClient({ redisUrl: opts.redisUrl, keyPrefix: prefix }), redis: new Redis(opts.redisUrl), prefix };
  open.push(ctx);
  return ctx;
}

export async function closeWorkers(): Promise<void> {
  for (const c of open.splice(0)) {
    await c.worker.stop({ graceSec: 0 });
    await c.client.close();
    const keys = await c.redis.keys(`${c.prefix}*`);
    if (keys.length) await c.redis.del(...keys);
    await c.redis.quit();
  }
}
