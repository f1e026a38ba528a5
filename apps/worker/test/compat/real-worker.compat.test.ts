// The REAL worker (`sfw worker` from source) driven by the real web-side client: /usr/bin/python3 with
// Debian's celery 5.2.6 calling `app.send_task("tasks.secretflow.execute_task", args=[id, params],
// queue="secretflow_queue")` and `AsyncResult.get(timeout=...)` (py/real_client.py), on a private
// redis-server. Real jobs on the bundled data: PSI checked row by row against a pandas join, the
// PSI -> SS-LR -> predict -> eval pipeline checked against scikit-learn, bad input, revoke-terminate
// of a running cluster job, a warm shutdown on SIGTERM and a cold one on a second signal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, SKLEARN_AUC, example, step } from './examples.ts';
import type { Json } from './examples.ts';
import { pyScript, startRedis, startRealWorker } from './harness.ts';
import type { RealWorkerProc, RedisServer } from './harness.ts';

const HOST = 'sfw-real@compat';
const GRACE_S = 20;
const dir = mkdtempSync(join(tmpdir(), 'sfw-real-compat-'));
let server: RedisServer | undefined;
let worker: RealWorkerProc | undefined;
/** Noisy figures (2 shared cores), printed once at the end for the report / docs. */
const figures: Json = {};

const client = (kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Json> => pyScript('real_client.py', server!.url, kase, arg, timeoutMs);

beforeAll(async () => {
  server = await startRedis();
  worker = await startRealWorker(server.url, {
    WORKER_HOSTNAME: HOST, LOG_LEVEL: 'info', SFW_WORK_DIR: join(dir, 'work'), SFW_DIAGNOSTIC_TASKS: '1',
    CELERY_DEFAULT_RETRY_DELAY: '0.3', CELERY_CONCURRENCY: '1', WORKER_SHUTDOWN_GRACE: String(GRACE_S),
    STATUS_PROGRESS_INTERVAL_MS: '200', SFW_CLUSTER_START_TIMEOUT: '90',
  });
});
afterAll(async () => {
  console.info(`real-worker compat figures: ${JSON.stringify(figures)}`);
  // Debugging aid: SFW_COMPAT_WORKER_LOG=/some/file keeps the worker's JSON log lines.
  const keep = process.env['SFW_COMPAT_WORKER_LOG'];
  if (keep !== undefined && worker !== undefined) writeFileSync(keep, worker.logs());
  await worker?.kill9();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Python celery 5.2.6 -> the real TS worker', () => {
  it('1. hello and health_check: redis ok, versions, every job type registered', async () => {
    const o = await client('builtins');
    expect(o['states']).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(o['hello']).toMatchObject({ ok: true, value: { worker: HOST, message: expect.stringContaining('web') } });
    expect(o['execute_hello']).toMatchObject({ ok: true, value: { task_request_id: 'req-hello', task_type: 'hello', result: { worker: HOST } } });
    const health = (o['health'] as { ok: boolean; value: Json }).value;
    expect(health).toMatchObject({ status: 'healthy', checks: { redis: { ok: true } }, versions: { node: expect.any(String), worker: expect.any(String) } });
    for (const t of ['psi', 'ss_lr_train', 'ss_lr_predict', 'biclassification_eval', 'regression_eval', 'pipeline']) {
      expect(health['registered_tasks']).toContain(t);
    }
  });

  it('2. psi: envelope, 545 rows for both parties, output CSVs equal a pandas inner join', async () => {
    const out = join(dir, 'psi');
    const params = example('psi.json', out);
    const o = await client('execute', { request_id: 'req-psi', params, timeout: 120 }, 150_000);
    expect(o, JSON.stringify(o).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS', retries: 0 });
    const env = o['value'] as Json;
    expect(Object.keys(env).sort()).toEqual(['metadata', 'performance_metrics', 'result', 'task_request_id', 'task_type']);
    expect(env).toMatchObject({ task_request_id: 'req-psi', task_type: 'psi', metadata: { worker: HOST, celery_task_id: o['id'] } });
    const rows = (env['result'] as { report: { rows: { party: string; intersection_count: number }[] } }).report.rows;
    expect(rows.map((r) => [r.party, r.intersection_count]).sort()).toEqual([['alice', 545], ['bob', 545]]);
    figures['psi_client_s'] = o['client_s'];
    figures['psi_metrics'] = env['performance_metrics'];
    const j = await client('psi_join', { alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), out_alice: join(out, 'alice.csv'), out_bob: join(out, 'bob.csv') });
    expect(j).toEqual({ join_rows: 545, rows_alice: 545, rows_bob: 545, cols_alice: true, cols_bob: true, aligned: true, equal_alice: true, equal_bob: true });
  });

  it('3. pipeline PSI -> SS-LR train -> predict -> eval: AUC within 0.01 of scikit-learn; RUNNING, PROGRESS..., SUCCESS on channel and list', async () => {
    const out = join(dir, 'pipeline');
    const params = example('pipeline.json', out);
    const o = await client('execute', { request_id: 'req-pipeline', params, timeout: 180, listen: true }, 200_000);
    expect(o, JSON.stringify(o).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS', retries: 0 });
    const env = o['value'] as { task_type: string; result: { steps: { name: string; result: Json }[] } };
    expect(env.task_type).toBe('pipeline');
    expect(env.result.steps.map((s) => s.name)).toEqual(['psi', 'train', 'predict', 'eval']);
    const auc = (env.result.steps[3]!.result['summary'] as { auc: number }).auc;
    // Bound: 0.01 (fixed-point SS-LR, 10 epochs of mini-batch SGD with the t1 sigmoid vs exact L2 LR).
    expect(Math.abs(auc - SKLEARN_AUC)).toBeLessThan(0.01);
    figures['pipeline_auc'] = auc;
    figures['pipeline_client_s'] = o['client_s'];
    // The reference is recomputed, and the reported AUC must be the AUC of the scores the worker wrote:
    // a bypassed or constant predictor cannot pass both.
    const ref = await client('auc_reference', { alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), pred_csv: join(out, 'sslr_pred.csv') });
    expect(ref).toMatchObject({ pred_rows: 545, pred_ids_match: true, labels_match: true });
    expect(ref['reference_auc'] as number).toBeCloseTo(SKLEARN_AUC, 5);
    expect(ref['auc_of_pred_file'] as number).toBeCloseTo(auc, 9);
    for (const key of ['channel', 'log'] as const) {
      const statuses = (o[key] as { status: string }[]).map((e) => e.status);
      expect(statuses[0], key).toBe('RUNNING');
      expect(statuses.at(-1), key).toBe('SUCCESS');
      expect(statuses.slice(1, -1).length, key).toBeGreaterThan(0);
      expect(new Set(statuses.slice(1, -1)), key).toEqual(new Set(['PROGRESS']));
    }
    // Same events on both paths (PUBLISH and LPUSH carry the same bytes).
    expect((o['channel'] as Json[]).map((e) => e['event_id'])).toEqual((o['log'] as Json[]).map((e) => e['event_id']));
  });

  it('4. bad input: ParameterValidationError naming the field, not retried; the worker then serves hello', async () => {
    const pipeline = example('pipeline.json', join(dir, 'pipeline'));
    const train = step(pipeline, 'train');
    for (const [field, value] of [['batch_size', 0], ['sig_type', 'no_such_sigmoid']] as const) {
      const params = { task_type: 'ss_lr_train', sf_init_config: pipeline['sf_init_config'], spu_config: pipeline['spu_config'],
        task_config: { ...train.task_config, output_model: 'bad_model', [field]: value } };
      const o = await client('execute', { request_id: `req-bad-${field}`, params, timeout: 30 });
      expect(o, JSON.stringify(o).slice(0, 2000)).toMatchObject({ ok: false, state: 'FAILURE', retries: 0, exc: { type: 'ParameterValidationError' } });
      expect((o['exc'] as { message: string }).message).toContain(field);
      expect((o['log'] as { status: string }[]).map((e) => e.status)).toEqual(['RUNNING', 'FAILURE']);
    }
    const hello = await client('execute', { request_id: 'req-after-bad', params: { task_type: 'hello', task_config: {} }, timeout: 30 });
    expect(hello).toMatchObject({ ok: true, state: 'SUCCESS', value: { task_type: 'hello' } });
  });

  it('5. revoke(terminate=True) of a running pipeline: REVOKED; the next psi succeeds on a rebuilt cluster', async () => {
    const params = example('pipeline.json', join(dir, 'revoked'), (p) => {
      step(p, 'train').task_config['epochs'] = 500; // long enough to be caught mid-training
    });
    const o = await client('revoke_running', { request_id: 'req-revoke', params, after_match: 'epoch', wait_s: 120 }, 200_000);
    expect(o['revoked_after'], JSON.stringify(o).slice(0, 2000)).not.toBeNull();
    figures['revoked_after'] = o['revoked_after'];
    figures['revoke_to_result_s'] = o['revoke_to_result_s'];
    expect(o).toMatchObject({ ok: false, state: 'REVOKED', exc: { type: 'TaskRevokedError' } });
    expect((o['log'] as { status: string }[]).at(-1)).toMatchObject({ status: 'FAILURE', error: { code: 'TASK_CANCELLED' } });
    const out = join(dir, 'psi-after-revoke');
    const psi = await client('execute', { request_id: 'req-psi-2', params: example('psi.json', out), timeout: 120 }, 150_000);
    expect(psi, JSON.stringify(psi).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS', value: { performance_metrics: { cluster_reused: false } } });
    const j = await client('psi_join', { alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), out_alice: join(out, 'alice.csv'), out_bob: join(out, 'bob.csv') });
    expect(j).toMatchObject({ join_rows: 545, equal_alice: true, equal_bob: true, aligned: true });
    // The terminated training really stopped: no PROGRESS of the revoked task after its FAILURE.
    const later = await client('events', { id: o['id'] });
    expect((later['log'] as Json[]).map((e) => e['event_id'])).toEqual((o['log'] as Json[]).map((e) => e['event_id']));
  });

  it('6. SIGTERM during a pipeline: it finishes (or is requeued), exit 0 within the grace period, nothing left in unacked', async () => {
    const w = worker!;
    // A pipeline with 20 epochs (a few seconds on the warm cluster), signalled once it reports progress.
    const params = example('pipeline.json', join(dir, 'term'), (p) => {
      step(p, 'train').task_config['epochs'] = 20;
    });
    const sent = await client('send', { request_id: 'req-term', params });
    expect(await client('wait_status', { id: sent['id'], status: 'PROGRESS', wait_s: 90 }, 120_000)).toEqual({ found: true });
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const code = await Promise.race([w.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), (GRACE_S + 15) * 1000))]);
    const elapsedS = (Date.now() - t0) / 1000;
    expect(code, w.logs().slice(-3000)).toBe(0);
    expect(elapsedS).toBeLessThan(GRACE_S + 5);
    const after = await client('after_shutdown', { id: sent['id'] });
    figures['sigterm'] = { exit_s: elapsedS, task: after['status'] ?? 'requeued' };
    expect(after).toMatchObject({ unacked: 0, unacked_index: 0 });
    expect(after['status'] === 'SUCCESS' || (after['queue_ids'] as string[]).includes(sent['id'] as string), JSON.stringify(after)).toBe(true);
    expect(w.logs()).toContain('warm shutdown');
  });

  it('7. a second signal is a cold shutdown: exit 1 at once; the running task stays unacked and kombu restores it', async () => {
    const w = await startRealWorker(server!.url, { WORKER_HOSTNAME: `${HOST}-2`, SFW_DIAGNOSTIC_TASKS: '1', WORKER_SHUTDOWN_GRACE: String(GRACE_S), SFW_WORK_DIR: join(dir, 'work2') });
    try {
      const sent = await client('send', { request_id: 'req-cold', params: { task_type: 'diagnostic', task_config: { mode: 'sleep', sleep_ms: 60_000 } } });
      expect(await client('wait_status', { id: sent['id'], status: 'RUNNING', wait_s: 60 }, 90_000)).toEqual({ found: true });
      const t0 = Date.now();
      w.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      w.child.kill('SIGINT');
      const code = await Promise.race([w.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      expect(code, w.logs().slice(-3000)).toBe(1);
      expect((Date.now() - t0) / 1000).toBeLessThan(GRACE_S / 2);
      expect(w.logs()).toContain('cold shutdown');
      const restored = await client('restore_visible', { sleep_s: 1.5 });
      expect(restored).toMatchObject({ unacked: 0, queue_ids: [sent['id']] });
    } finally {
      await w.kill9();
    }
  });
});
