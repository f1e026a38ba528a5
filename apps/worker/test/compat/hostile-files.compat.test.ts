// Hostile file parameters through the real web-side client (/usr/bin/python3, celery 5.2.6,
// py/real_client.py) against the real `sfw worker` CLI with its own data root (docs/security.md,
// "File side"): paths outside the root, through a symbolic link, over another party's input or the
// task's own input, and column names that would plant a line in a file. Each is refused with
// ParameterValidationError naming the field, before anything is read or written, and the worker
// serves the next task; a task that fails after staging leaves earlier outputs as they were.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA } from './examples.ts';
import type { Json } from './examples.ts';
import { pyScript, startRealWorker, startRedis } from './harness.ts';
import type { RealWorkerProc, RedisServer } from './harness.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-hostile-files-')));
/** The worker's data root; `outside` is its sibling, which no task may reach. */
const root = join(base, 'root');
const outside = join(base, 'outside');
let server: RedisServer | undefined;
let worker: RealWorkerProc | undefined;
let seq = 0;

const client = (kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Json> => pyScript('real_client.py', server!.url, kase, arg, timeoutMs);
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
/** Every file under `dir`, relative, sorted (staging leftovers would show here). */
const tree = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).sort();

const SF_INIT = { parties: ['alice', 'bob'], address: 'local' };
const SPU = { cluster_def: { nodes: [{ party: 'alice' }, { party: 'bob' }], runtime_config: { protocol: 'SEMI2K', field: 'FM64', fxp_fraction_bits: 18 } } };

/** A PSI task on the copied example tables, with `edit` applied to its task_config. */
function psi(edit: (c: Json & { input: Record<string, Json>; output: Record<string, string> }) => void): Json {
  const c = {
    input: { alice: { path: 'data/alice.csv', keys: ['id'] }, bob: { path: 'data/bob.csv', keys: ['id'] } },
    protocol: 'PROTOCOL_ECDH',
    join_type: 'inner_join',
    receiver_parties: ['alice', 'bob'],
    output: { alice: 'out/alice.csv', bob: 'out/bob.csv' },
  };
  edit(c);
  return { task_type: 'psi', sf_init_config: SF_INIT, task_config: c };
}

/** Sends `params`; expects FAILURE ParameterValidationError naming `field`, not retried; then hello succeeds. */
async function refused(params: Json, field: string): Promise<Json> {
  const id = `req-hostile-file-${(seq += 1)}`;
  const o = await client('execute', { request_id: id, params, timeout: 60 }, 90_000);
  expect(o, JSON.stringify(o).slice(0, 2000)).toMatchObject({ ok: false, state: 'FAILURE', retries: 0, exc: { type: 'ParameterValidationError' } });
  expect((o['exc'] as { message: string }).message).toContain(field);
  // Refused at validation: no PROGRESS (no job ran), the terminal event carries the field too.
  expect((o['log'] as Array<{ status: string }>).map((e) => e.status)).toEqual(['RUNNING', 'FAILURE']);
  const hello = await client('execute', { request_id: `${id}-next`, params: { task_type: 'hello', task_config: {} }, timeout: 30 });
  expect(hello).toMatchObject({ ok: true, state: 'SUCCESS', value: { task_type: 'hello' } });
  return o;
}

beforeAll(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  for (const f of ['alice.csv', 'bob.csv']) copyFileSync(join(DATA, f), join(root, 'data', f));
  // A party's table outside the root, reachable only through a link planted in the root.
  copyFileSync(join(DATA, 'alice.csv'), join(outside, 'alice.csv'));
  symlinkSync(outside, join(root, 'link'));
  server = await startRedis();
  worker = await startRealWorker(server.url, {
    WORKER_HOSTNAME: 'sfw-hostile-files@compat', SECRETFLOW_DATA_ROOT: root, SFW_WORK_DIR: join(base, 'work'),
    CELERY_CONCURRENCY: '1', SFW_CLUSTER_START_TIMEOUT: '90',
  });
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('hostile file parameters from the real Python client -> the real worker', () => {
  it('PSI difference with /etc/passwd as input: refused naming the field; nothing read, nothing written', async () => {
    const o = await refused(psi((c) => {
      c['join_type'] = 'difference';
      c.input['alice'] = { path: '/etc/passwd', keys: ['root'] };
      c.output = { alice: 'passwd-out/alice.csv', bob: 'passwd-out/bob.csv' };
    }), 'task_config.input.alice.path');
    expect(JSON.stringify(o)).not.toContain('root:x:0');
    expect(existsSync(join(root, 'passwd-out'))).toBe(false);
  });

  it('outputs with ../ or an absolute path: refused naming the field; no file outside the root', async () => {
    const escape = `escape-${basename(base)}.csv`;
    await refused(psi((c) => (c.output['alice'] = `../${escape}`)), 'task_config.output.alice');
    await refused(psi((c) => (c.output['bob'] = `out/../../${escape}`)), 'task_config.output.bob');
    await refused(psi((c) => (c.output['alice'] = join(outside, 'abs.csv'))), 'task_config.output.alice');
    expect(existsSync(join(base, escape))).toBe(false);
    expect(tree(outside)).toEqual(['alice.csv']);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it("alice's output over bob's input, and an output over the task's own input: refused; the inputs unchanged", async () => {
    const before = [sha(join(root, 'data/alice.csv')), sha(join(root, 'data/bob.csv'))];
    await refused(psi((c) => (c.output['alice'] = 'data/bob.csv')), 'task_config.output.alice');
    await refused(psi((c) => (c.output['bob'] = 'data/bob.csv')), 'task_config.output.bob');
    await refused(psi((c) => (c.output['alice'] = 'data')), 'task_config.output.alice');
    expect([sha(join(root, 'data/alice.csv')), sha(join(root, 'data/bob.csv'))]).toEqual(before);
    expect(tree(join(root, 'data'))).toEqual(['alice.csv', 'bob.csv']);
  });

  it('a symbolic link in the data root pointing out: refused as input and as output', async () => {
    await refused(psi((c) => (c.input['alice'] = { path: 'link/alice.csv', keys: ['id'] })), 'task_config.input.alice.path');
    await refused(psi((c) => (c.output['alice'] = 'link/out.csv')), 'task_config.output.alice');
    expect(tree(outside)).toEqual(['alice.csv']);
  });

  it('pred_name with a newline, an ssh key line or shell text: refused naming task_config.pred_name', async () => {
    for (const name of ['pred\nssh-rsa AAAAB3NzaC1yc2E attacker@host', 'ssh-rsa AAAAB3NzaC1yc2E attacker@host', '$(touch /tmp/pwned)', 'pred`id`;rm -rf ~', '=cmd|"/c calc"!A1']) {
      await refused({
        task_type: 'ss_lr_predict', sf_init_config: SF_INIT, spu_config: SPU,
        task_config: { input_ds: { alice: 'data/alice.csv', bob: 'data/bob.csv' }, model: 'model', receiver: 'alice', pred_name: name, output_ds: 'pred/pred.csv' },
      }, 'task_config.pred_name');
    }
    expect(existsSync(join(root, 'pred'))).toBe(false);
  });

  it('a task that fails after its outputs were staged leaves the earlier outputs intact and no staged file', async () => {
    const ok = await client('execute', { request_id: 'req-keep', params: psi((c) => (c.output = { alice: 'keep/alice.csv', bob: 'keep/bob.csv' })), timeout: 150 }, 180_000);
    expect(ok, JSON.stringify(ok).slice(0, 2000)).toMatchObject({ ok: true, state: 'SUCCESS' });
    const j = await client('psi_join', { alice: join(DATA, 'alice.csv'), bob: join(DATA, 'bob.csv'), out_alice: join(root, 'keep/alice.csv'), out_bob: join(root, 'keep/bob.csv') });
    expect(j).toMatchObject({ join_rows: 545, equal_alice: true, equal_bob: true, aligned: true });
    const before = { alice: sha(join(root, 'keep/alice.csv')), bob: sha(join(root, 'keep/bob.csv')) };
    // Valid paths, a key column the table does not have: found when the job reads the header.
    const o = await client('execute', {
      request_id: 'req-keep-fail',
      params: psi((c) => {
        c.input['bob'] = { path: 'data/bob.csv', keys: ['no_such_key'] };
        c.output = { alice: 'keep/alice.csv', bob: 'keep/bob.csv' };
      }),
      timeout: 150,
    }, 180_000);
    expect(o, JSON.stringify(o).slice(0, 2000)).toMatchObject({ ok: false, state: 'FAILURE', retries: 0, exc: { type: 'ParameterValidationError' } });
    // PSI names run-time fields relative to task_config (errors.ts of jobs-psi).
    expect((o['exc'] as { message: string }).message).toContain('input.bob.keys');
    expect({ alice: sha(join(root, 'keep/alice.csv')), bob: sha(join(root, 'keep/bob.csv')) }).toEqual(before);
    expect(tree(join(root, 'keep'))).toEqual(['alice.csv', 'bob.csv']);
    const hello = await client('execute', { request_id: 'req-keep-next', params: { task_type: 'hello', task_config: {} }, timeout: 30 });
    expect(hello).toMatchObject({ ok: true, state: 'SUCCESS' });
  });
});
