// A warm shutdown while the worker's Redis dies at the same moment must still end: every wait on
// Redis during shutdown is bounded. The Redis here is a private redis-server on a free port, killed
// (SIGKILL) right before `stop`, idle and with a task running.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { silentLogger } from '@sfw/log';
import { PooledClusterProvider } from '@sfw/executor';
import type { ClusterHandle, TaskRegistry } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';
import { CeleryClient } from '@sfw/celery';
import { freePort } from '@sfw/testkit';
import { loadConfig } from './config.ts';
import { startWorker, TASK_NAMES } from './app.ts';
import { JOB_PACKAGES } from './jobs.ts';
import { uniquePrefix, until } from './__tests__/redis-helpers.ts';

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.kill('SIGKILL');
});

async function privateRedis(): Promise<{ url: string; kill(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  servers.push(child);
  const url = `redis://127.0.0.1:${port}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused until the server listens
  const up = await until(async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      probe.disconnect();
      return false;
    }
  }, 100, 100);
  probe.disconnect();
  if (!up) throw new Error('private redis-server did not start');
  return {
    url,
    kill: () => new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill('SIGKILL');
    }),
  };
}

const fakeCluster = (): ClusterHandle => ({ healthy: true, beginTask: () => undefined, endTask: () => undefined, shutdown: () => Promise.resolve() });
const provider = (): PooledClusterProvider => new PooledClusterProvider(() => Promise.resolve(fakeCluster() as unknown as Cluster));
let release: (() => void) | null = null;
const registerSlow = (registry: TaskRegistry): void => {
  registry.add({
    taskType: 'test.hold',
    description: 'runs until the test lets it finish',
    schema: z.object({}),
    run: () => new Promise((r) => (release = () => r({ done: true }))),
  });
};

async function worker(url: string) {
  const prefix = uniquePrefix('redis-dies');
  const config = loadConfig({
    env: {
      REDIS_URL: url, CELERY_KEY_PREFIX: prefix, STATUS_CHANNEL: `${prefix}status`, STATUS_LIST: `${prefix}status_log`,
      WORKER_HOSTNAME: `dies@${prefix}`, WORKER_SHUTDOWN_GRACE: '2', SFW_DIAGNOSTIC_TASKS: '1',
    },
  });
  const running = await startWorker(config, silentLogger(), { provider: provider(), jobs: [...JOB_PACKAGES, { name: 'test', register: registerSlow }] });
  return { running, prefix, config };
}

describe('warm shutdown while Redis dies', () => {
  it('an idle worker stops', async () => {
    const redis = await privateRedis();
    const { running } = await worker(redis.url);
    await redis.kill();
    await expect(running.stop()).resolves.toBeUndefined();
    expect(running.worker.health().slots.every((s) => s.state === 'idle')).toBe(true);
  });

  it('a worker with a task running stops once the task ends', async () => {
    const redis = await privateRedis();
    const { running, prefix, config } = await worker(redis.url);
    const client = new CeleryClient({ redisUrl: redis.url, keyPrefix: prefix });
    release = null;
    await client.sendTask(TASK_NAMES.execute, ['hold-1', { task_type: 'test.hold', task_config: {} }], { queue: config.queues[0]! });
    expect(await until(() => release !== null)).toBe(true);
    await client.close();
    await redis.kill();
    const stopped = running.stop();
    release!();
    // The result cannot be stored (its message stays unacked for the next worker); the stop ends.
    await expect(stopped).resolves.toBeUndefined();
  });
});
