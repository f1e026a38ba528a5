// Cross-silo with real processes: alice's and bob's workers (`sfw worker` in party mode, each on its
// own redis-server) and the TTP dealer (`sfw dealer`), linked by mutual TLS on loopback, driven by the
// Python Celery client sending the same task to both parties.
//   1. examples/cross-silo/run.sh end to end: the README pipeline's outputs equal local mode (PSI
//      byte for byte, SS-LR predictions within 1e-3) with each party in its own data directory.
//   2. Killing bob's worker mid-task: alice's attempt fails with PEER_LOST naming bob and is retried;
//      bob's restarted worker redelivers its unacked message; both then succeed with valid outputs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, REAL_WORKER_COMMAND, REPO_ROOT, startRedis, stopChild, type RedisServer } from './harness.ts';
import { freePorts } from '@sfw/testkit';

const DEMO = join(REPO_ROOT, 'examples/cross-silo');
const dir = mkdtempSync(join(tmpdir(), 'sfw-xsilo-compat-'));
const CLI = REAL_WORKER_COMMAND.args.slice(0, -1); // node args up to the CLI path, without 'worker'
const redis: Partial<Record<'alice' | 'bob', RedisServer>> = {};
const procs = new Set<ChildProcess>();
/** Debugging aid: SFW_XSILO_LOGS=dir keeps every process's log lines there. */
const keepLogs = process.env['SFW_XSILO_LOGS'];
let spawned = 0;
const ports = { alice: 0, bob: 0, dealer: 0 };


interface Proc {
  child: ChildProcess;
  log(): string;
  /** Resolves when the log matches `re` (bounded). */
  waitFor(re: RegExp, timeoutMs: number): Promise<void>;
}

function spawnCli(command: string, env: Record<string, string>): Proc {
  const child = spawn(REAL_WORKER_COMMAND.cmd, [...CLI, command], { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.add(child);
  child.once('exit', () => procs.delete(child));
  let buf = '';
  const listeners = new Set<() => void>();
  const on = (d: Buffer): void => {
    buf += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
  const n = ++spawned;
  if (keepLogs !== undefined) child.once('exit', () => writeFileSync(join(keepLogs, `${n}-${command}-${env['SECRETFLOW_PARTY'] ?? 'dealer'}.log`), buf));
  return {
    child,
    log: () => buf,
    waitFor: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!re.test(buf)) return;
          listeners.delete(check);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re}: ${buf.slice(-3000)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

const tls = (name: string): Record<string, string> => ({
  SECRETFLOW_TLS_CERT: join(dir, 'certs', `${name}.pem`),
  SECRETFLOW_TLS_KEY: join(dir, 'certs', `${name}.key`),
  SECRETFLOW_TLS_CA: join(dir, 'certs', 'ca.pem'),
});
const addr = (p: keyof typeof ports): string => `127.0.0.1:${ports[p]}`;

function startParty(party: 'alice' | 'bob'): Proc {
  const other = party === 'alice' ? 'bob' : 'alice';
  return spawnCli('worker', {
    ...tls(party),
    REDIS_URL: redis[party]!.url,
    SECRETFLOW_PARTY: party,
    SECRETFLOW_DATA_ROOT: join(dir, party),
    SECRETFLOW_LISTEN: addr(party),
    SECRETFLOW_PEERS: `${other}=${addr(other)},dealer=${addr('dealer')}`,
    SECRETFLOW_LINK_TIMEOUT: '10',
    SECRETFLOW_RENDEZVOUS_TIMEOUT: '90',
    WORKER_HOSTNAME: `sfw-${party}@xsilo`,
    SFW_WORK_DIR: join(dir, party, 'work'),
    CELERY_DEFAULT_RETRY_DELAY: '1',
    CELERY_MAX_RETRIES: '3',
    // A killed worker's message is redelivered by its restart after this; live workers renew leases.
    CELERY_VISIBILITY_TIMEOUT: '2',
    CELERY_TASK_TIME_LIMIT: '0',
    CELERY_TASK_SOFT_TIME_LIMIT: '0',
  });
}

beforeAll(async () => {
  redis.alice = await startRedis();
  redis.bob = await startRedis();
  [ports.alice, ports.bob, ports.dealer] = (await freePorts(3)) as [number, number, number];
  await new Promise<void>((resolve, reject) =>
    execFile('bash', [join(DEMO, 'make-certs.sh'), join(dir, 'certs'), 'alice', 'bob', 'dealer'], (err) => (err ? reject(err) : resolve())),
  );
});

afterAll(async () => {
  await Promise.all([...procs].map((c) => stopChild(c, 'SIGKILL', 2000)));
  await redis.alice?.stop();
  await redis.bob?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** submit.py: the same task and request id to both parties' Redis; resolves with both outcomes. */
function submit(taskFile: string, id: string): Promise<Record<'alice' | 'bob', { ok: boolean; value?: { result: unknown }; retries?: number; type?: string; message?: string }>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(DEMO, 'submit.py'), taskFile, id, '240', `alice=${redis.alice!.url}`, `bob=${redis.bob!.url}`], { timeout: 260_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`submit.py: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as never);
    });
  });
}

describe('cross-silo: separate processes over mutual TLS', () => {
  it('examples/cross-silo/run.sh: the README pipeline across two workers and a dealer equals local mode', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile('bash', [join(DEMO, 'run.sh')], { timeout: 300_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    });
    expect(out, out.slice(-3000)).toContain('cross-silo demo OK');
    expect(code).toBe(0);
    const verdict = JSON.parse(/^\{"ok".*$/m.exec(out)![0]) as { ok: boolean; problems: string[]; max_pred_diff: number; auc: number; rows: number };
    expect(verdict).toMatchObject({ ok: true, problems: [], rows: 545 });
    expect(verdict.max_pred_diff).toBeLessThan(1e-3);
    expect(verdict.auc).toBeGreaterThan(0.99);
  });

  it("killing bob's worker mid-task fails alice's attempt naming bob; after bob restarts the retried task completes", async () => {
    // Each party gets its own data root (SECRETFLOW_DATA_ROOT); the task names paths relative to it,
    // and each worker resolves and opens only its own party's.
    for (const p of ['alice', 'bob'] as const) {
      mkdirSync(join(dir, p, 'data'), { recursive: true });
      writeFileSync(join(dir, p, 'data', `${p}.csv`), readFileSync(join(REPO_ROOT, 'examples/data/breast_cancer', `${p}.csv`)));
    }
    const task = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/pipeline.json'), 'utf8')) as Record<string, unknown>;
    delete task['_note'];
    task['sf_init_config'] = { parties: ['alice', 'bob'], cluster_config: { parties: { alice: { address: addr('alice') }, bob: { address: addr('bob') } } } };
    const text = JSON.stringify(task)
      .replaceAll('"examples/data/breast_cancer/alice.csv"', '"data/alice.csv"')
      .replaceAll('"examples/data/breast_cancer/bob.csv"', '"data/bob.csv"')
      .replaceAll(/"out\/pipeline\/([a-z_]+?)(alice|bob)?(\.csv|\.html)?"/g, (_m, stem: string, who: string | undefined, ext: string | undefined) =>
        JSON.stringify(`out/${stem}${who ?? ''}${ext ?? ''}`));
    const taskFile = join(dir, 'kill-task.json');
    writeFileSync(taskFile, text);

    const dealer = spawnCli('dealer', { ...tls('dealer'), SECRETFLOW_LISTEN: addr('dealer'), SECRETFLOW_PEERS: `alice=${addr('alice')},bob=${addr('bob')}` });
    const alice = startParty('alice');
    let bob = startParty('bob');
    await Promise.all([dealer.waitFor(/"dealer ready"/, 60_000), alice.waitFor(/"worker ready"/, 60_000), bob.waitFor(/"worker ready"/, 60_000)]);

    const outcome = submit(taskFile, 'xsilo-kill-1');
    // Mid-task: both parties are inside SS-LR training, exchanging SPU messages.
    await bob.waitFor(/"step":"train","msg":"pipeline step started"/, 120_000);
    await stopChild(bob.child, 'SIGKILL', 1000);
    const killedAt = Date.now();
    await alice.waitFor(/"msg":"task failed"/, 60_000);
    const failure = alice.log().split('\n').find((l) => l.includes('"msg":"task failed"'))!;
    const failedAfterMs = Date.parse((JSON.parse(failure) as { time: string }).time) - killedAt;
    expect(failure).toContain('"retryable":true');
    expect(failure).toMatch(/bob/);
    expect(failure).toMatch(/link to bob lost|bob ended the task|bob did not join/);

    // Restart bob after its message's visibility timeout: it restores and reruns the unacked message.
    await new Promise((r) => setTimeout(r, 2500));
    bob = startParty('bob');
    const o = await outcome;
    expect(o.alice, JSON.stringify(o.alice)).toMatchObject({ ok: true });
    expect(o.bob, JSON.stringify(o.bob)).toMatchObject({ ok: true });
    expect(o.alice.retries).toBeGreaterThanOrEqual(1);
    // Nothing lost: every output of the retried run exists, on its own party's side only.
    for (const f of ['alice/out/psi_alice.csv', 'alice/out/sslr_pred.csv', 'bob/out/psi_bob.csv']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, 'bob', 'out', 'sslr_pred.csv'))).toBe(false);
    const steps = (o.alice.value!.result as { steps: { name: string; result: { summary?: { auc: number } } }[] }).steps;
    expect(steps.find((s) => s.name === 'eval')!.result.summary!.auc).toBeGreaterThan(0.99);
    const psiRows = readFileSync(join(dir, 'alice', 'out', 'psi_alice.csv'), 'utf8').trim().split('\n').length - 1;
    expect(psiRows).toBe(545);
    console.info(`cross-silo kill: alice's attempt failed ${failedAfterMs} ms after bob was killed (link timeout 10000 ms)`);
  });
});
