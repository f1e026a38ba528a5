// The real CLI as separate processes: `worker` serving a private queue, `submit` sending a task file
// and following its status events, a hard time limit killing a task while the worker keeps serving,
// and a warm shutdown on SIGTERM. Runs the CLI from source (tsx, "@sfw/source" condition) so no build
// step stands between an edit and this test; the compat suite drives the built dist/cli.js.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { CeleryClient, CeleryResultError } from '@sfw/celery';
import { REDIS_URL, uniquePrefix, deleteKeys, until } from '../src/__tests__/redis-helpers.ts';

const root = resolve(import.meta.dirname, '../../..');
const cli = ['--import', 'tsx', '--conditions=@sfw/source', join(root, 'apps/worker/src/cli.ts')];
const prefix = uniquePrefix('worker-cli');
const queue = `q-${prefix.slice(-13, -1)}`;
const env = {
  ...process.env,
  REDIS_URL, CELERY_KEY_PREFIX: prefix, CELERY_QUEUE: queue, STATUS_CHANNEL: `${prefix}status`, STATUS_LIST: `${prefix}log`,
  CELERY_TASK_TIME_LIMIT: '3', CELERY_TASK_SOFT_TIME_LIMIT: '2', CELERY_VISIBILITY_TIMEOUT: '30', CELERY_DEFAULT_RETRY_DELAY: '0.2',
  CELERY_RESULT_EXPIRES: '120', SFW_DIAGNOSTIC_TASKS: '1', WORKER_HOSTNAME: `cli@${prefix}`, WORKER_SHUTDOWN_GRACE: '2', LOG_LEVEL: 'info',
};
const dir = mkdtempSync(join(tmpdir(), 'sfw-cli-'));
const redis = new Redis(REDIS_URL);
const client = new CeleryClient({ redisUrl: REDIS_URL, keyPrefix: prefix });
const ids: string[] = [];
let worker: ChildProcess;
let workerOut = '';

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [...cli, ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => p.kill('SIGKILL'), 45_000);
    p.on('close', (code) => {
      clearTimeout(kill);
      res({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  worker = spawn(process.execPath, [...cli, 'worker'], { cwd: root, env });
  worker.stdout!.on('data', (d: Buffer) => (workerOut += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (workerOut += d.toString()));
  expect(await until(() => workerOut.includes('"msg":"worker ready"'), 60_000)).toBe(true);
});

afterAll(async () => {
  if (worker.exitCode === null) worker.kill('SIGKILL');
  await client.close();
  await deleteKeys(redis, `${prefix}*`);
  if (ids.length > 0) await redis.del(...ids.map((i) => `celery-task-meta-${i}`));
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('worker CLI (Redis)', () => {
  it('submit sends a task file and follows RUNNING..SUCCESS to the result', async () => {
    const file = join(dir, 'hello.json');
    writeFileSync(file, JSON.stringify({ task_request_id: 'cli-hello', task_params: { task_type: 'hello', task_config: { name: 'cli' } } }));
    const r = await runCli(['submit', file, '--timeout', '30']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ task_request_id: 'cli-hello', task_type: 'hello', result: { worker: `cli@${prefix}` } });
    expect(r.stderr).toMatch(/RUNNING/);
    expect(r.stderr).toMatch(/SUCCESS/);
    expect(workerOut).toContain('"taskRequestId":"cli-hello"');
    // Millisecond timestamps and pid on every line.
    expect(workerOut).toMatch(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","pid":\d+/);
  });

  it('the hard time limit kills a stuck task (TimeLimitExceeded) and the worker serves the next one', async () => {
    const stuck = await client.sendTask('tasks.secretflow.execute_task', ['cli-stuck', { task_type: 'diagnostic', task_config: { mode: 'sleep_ignore_signal', sleep_ms: 20_000 } }], { queue });
    ids.push(stuck.id);
    const err = await stuck.get({ timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleryResultError);
    expect((err as CeleryResultError).excType).toBe('TimeLimitExceeded');
    const next = await client.sendTask('tasks.secretflow.hello', [], { queue });
    ids.push(next.id);
    expect(await next.get({ timeoutMs: 30_000 })).toMatchObject({ worker: `cli@${prefix}` });
  });

  it('SIGTERM is a warm shutdown: the process exits 0', async () => {
    const exited = new Promise<number | null>((res) => worker.on('exit', (code) => res(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerOut).toContain('"msg":"worker stopped"');
  });
});
