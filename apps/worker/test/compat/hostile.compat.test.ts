// Hostile input and task isolation through the real web-side client (/usr/bin/python3, celery 5.2.6,
// py/hostile_client.py) against the real `sfw worker` CLI on a private redis-server:
// - one slot survives any message: JSON null, numbers, arrays, non-UTF-8 bytes, a pickle body from
//   the real client; what has no id is kept byte for byte on the dead-letter list;
// - a message time_limit above the worker's limit does not raise it;
// - with several slots, a revoke or a time limit ends only its own task: the task holding the
//   cluster completes with the right result when a waiting task is revoked or times out, and a
//   waiting task completes with the right result when the holder is revoked or times out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, SKLEARN_AUC, example, psiJoinArgs, step } from './examples.ts';
import type { Json } from './examples.ts';
import { pyScript, startRealWorker, startRedis } from './harness.ts';
import type { RealWorkerProc, RedisServer } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfw-hostile-compat-'));
let server: RedisServer | undefined;
const hostile = (kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Json> => pyScript('hostile_client.py', server!.url, kase, arg, timeoutMs);
const real = (kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Json> => pyScript('real_client.py', server!.url, kase, arg, timeoutMs);
const b64 = (b: Buffer): string => b.toString('base64');

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('one slot, hostile messages (CELERY_CONCURRENCY=1, a 2 s hard limit)', () => {
  let worker: RealWorkerProc | undefined;
  beforeAll(async () => {
    worker = await startRealWorker(server!.url, {
      WORKER_HOSTNAME: 'sfw-hostile@compat', SFW_WORK_DIR: join(dir, 'work1'), SFW_DIAGNOSTIC_TASKS: '1', CELERY_CONCURRENCY: '1',
      CELERY_TASK_TIME_LIMIT: '2', CELERY_TASK_SOFT_TIME_LIMIT: '0', CELERY_VISIBILITY_TIMEOUT: '30', CELERY_MAX_MESSAGE_BYTES: '65536',
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('JSON null, numbers, arrays, strings and non-UTF-8 bytes go to the dead-letter list unchanged; the slot serves the next task', async () => {
    const junk = ['null', '4', '[1, 2]', '"x"', '{"headers": []}', 'not json'].map((s) => Buffer.from(s, 'utf8'));
    junk.push(Buffer.from([0xff, 0x00, 0xfe, 0x7b]));
    await hostile('push_raw', { items_b64: junk.map(b64) });
    const hello = await hostile('builtin', { name: 'hello', args: ['after-junk'] });
    expect(hello).toMatchObject({ ok: true, state: 'SUCCESS' });
    const dead = await hostile('dead');
    expect(dead).toEqual({ dead_b64: junk.map(b64), unacked: 0 });
    const health = await hostile('builtin', { name: 'health_check' });
    expect(health).toMatchObject({ ok: true, value: { status: 'healthy', checks: { slots: { ok: true, slots: [{ slot: 0, state: 'busy' }] } } } });
  });

  it('a pickle message from the real client ends FAILURE ContentDisallowed; the slot serves the next task', async () => {
    const o = await hostile('pickle');
    expect(o).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'ContentDisallowed', module: 'kombu.exceptions' } });
    expect(await hostile('builtin', { name: 'hello', args: ['after-pickle'] })).toMatchObject({ ok: true });
  });

  it('time_limit=60 in the message does not raise the worker limit of 2 s', async () => {
    const sent = await hostile('send', { request_id: 'req-limit', params: { task_type: 'diagnostic', task_config: { mode: 'sleep_ignore_signal', sleep_ms: 20_000 } }, kw: { time_limit: 60, soft_time_limit: 50 } });
    const o = await hostile('get', { id: sent['id'], timeout: 30 }, 40_000);
    expect(o).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'TimeLimitExceeded', module: 'billiard.exceptions', args: [2] } });
    expect(await hostile('builtin', { name: 'hello', args: ['after-limit'] })).toMatchObject({ ok: true });
  });
});

describe('several slots: revoke and time limits act on their own task only (CELERY_CONCURRENCY=3)', () => {
  let worker: RealWorkerProc | undefined;
  beforeAll(async () => {
    worker = await startRealWorker(server!.url, {
      WORKER_HOSTNAME: 'sfw-isolation@compat', SFW_WORK_DIR: join(dir, 'work2'), CELERY_CONCURRENCY: '3', LOG_LEVEL: 'info',
      STATUS_PROGRESS_INTERVAL_MS: '200', SFW_CLUSTER_START_TIMEOUT: '90',
      // The holders train for 2000 epochs (longer than the waits below): the operator allows it.
      SFW_MAX_EPOCHS: '5000',
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  const psi = (name: string): Json => example('psi.json', join(dir, name));
  const waitStatus = async (id: unknown, status: string): Promise<void> => {
    expect(await hostile('wait_status', { id, status, wait_s: 120 }, 150_000), `${String(id)} ${status}`).toEqual({ found: true });
  };

  it('the holder completes right while one waiting task is revoked and another times out waiting', async () => {
    const out = join(dir, 'holder');
    const a = await hostile('send', { request_id: 'req-holder', params: example('pipeline.json', out, (p) => { step(p, 'train').task_config['epochs'] = 100; }) });
    await waitStatus(a['id'], 'PROGRESS');
    const b = await hostile('send', { request_id: 'req-waiter-revoked', params: psi('waiter-revoked') });
    const c = await hostile('send', { request_id: 'req-waiter-limited', params: psi('waiter-limited'), kw: { time_limit: 1 } });
    await waitStatus(b['id'], 'RUNNING');
    await hostile('revoke', { id: b['id'] });
    expect(await hostile('get', { id: b['id'], timeout: 30 })).toMatchObject({ ok: false, state: 'REVOKED', exc: { type: 'TaskRevokedError' } });
    expect(await hostile('get', { id: c['id'], timeout: 30 })).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'TimeLimitExceeded' } });
    const done = await hostile('get', { id: a['id'], timeout: 180 }, 200_000);
    expect(done, JSON.stringify(done).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS' });
    // The holder was still computing when the others ended: its SUCCESS is the last of the three.
    const last = (o: Json): string => String((o['log'] as { timestamp: string }[]).at(-1)?.timestamp);
    const bLog = await hostile('get', { id: b['id'], timeout: 5 });
    const cLog = await hostile('get', { id: c['id'], timeout: 5 });
    expect(last(done) > last(bLog) && last(done) > last(cLog)).toBe(true);
    const result = (done['value'] as { result: { steps: { name: string; result: Json }[] } }).result;
    const auc = (result.steps[3]!.result['summary'] as { auc: number }).auc;
    // Bound: 0.01 (fixed-point SS-LR with the t1 sigmoid vs exact L2 logistic regression).
    expect(Math.abs(auc - SKLEARN_AUC)).toBeLessThan(0.01);
    const ref = await real('auc_reference', { alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), pred_csv: join(out, 'sslr_pred.csv') });
    expect(ref['auc_of_pred_file'] as number).toBeCloseTo(auc, 9);
    expect(await real('psi_join', psiJoinArgs(out, 'psi_'))).toMatchObject({ join_rows: 545, equal_alice: true, equal_bob: true, aligned: true });
  });

  it('a waiting psi completes right when the holder is revoked, and again when the holder hits its time limit', async () => {
    const long = (name: string): Json => example('pipeline.json', join(dir, name), (p) => { step(p, 'train').task_config['epochs'] = 2000; });
    const a = await hostile('send', { request_id: 'req-holder-revoked', params: long('holder-revoked') });
    await waitStatus(a['id'], 'PROGRESS');
    const b = await hostile('send', { request_id: 'req-waiter-1', params: psi('waiter-1') });
    await waitStatus(b['id'], 'RUNNING');
    await hostile('revoke', { id: a['id'] });
    expect(await hostile('get', { id: a['id'], timeout: 30 })).toMatchObject({ ok: false, state: 'REVOKED' });
    const bDone = await hostile('get', { id: b['id'], timeout: 150 }, 170_000);
    expect(bDone, JSON.stringify(bDone).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS', value: { performance_metrics: { cluster_reused: false } } });
    expect(await real('psi_join', psiJoinArgs(join(dir, 'waiter-1')))).toMatchObject({ join_rows: 545, equal_alice: true, equal_bob: true, aligned: true });

    const a2 = await hostile('send', { request_id: 'req-holder-limited', params: long('holder-limited'), kw: { time_limit: 6 } });
    await waitStatus(a2['id'], 'RUNNING');
    const b2 = await hostile('send', { request_id: 'req-waiter-2', params: psi('waiter-2') });
    expect(await hostile('get', { id: a2['id'], timeout: 60 })).toMatchObject({ ok: false, state: 'FAILURE', exc: { type: 'TimeLimitExceeded', args: [6] } });
    const b2Done = await hostile('get', { id: b2['id'], timeout: 150 }, 170_000);
    expect(b2Done, JSON.stringify(b2Done).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS' });
    expect(await real('psi_join', psiJoinArgs(join(dir, 'waiter-2')))).toMatchObject({ join_rows: 545, equal_alice: true, equal_bob: true, aligned: true });
  });
});
