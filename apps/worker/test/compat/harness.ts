// Process plumbing for the compat suite: a private redis-server, the worker under test, and the
// Python Celery client (/usr/bin/python3, Debian's celery 5.2.6).
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '../../../..');

/** The worker under test: ONE place to point the suite at the real `apps/worker` CLI later. */
export const WORKER_COMMAND: { cmd: string; args: string[] } = {
  cmd: process.execPath,
  args: ['--import', 'tsx', '--conditions=@sfw/source', join(here, 'fixture-worker.ts')],
};
export const PYTHON = '/usr/bin/python3';
export const PY_CLIENT = join(here, 'py', 'client.py');

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stop (SIGTERM: an AOF is flushed) and start again on the same port with the same arguments. */
  restart(): Promise<void>;
}

export interface RedisOptions {
  /** More redis-server arguments (they override the defaults: persistence, ACL users, TLS). */
  args?: (port: number) => string[];
  /** The URL clients use (default redis://127.0.0.1:<port>/0). */
  url?: (port: number) => string;
}

/** A private redis-server on the first free port in 6390-6399 (no persistence unless asked), killed by stop(). */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  for (let port = 6390; port <= 6399; port++) {
    if (!(await portFree(port))) continue;
    const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(opts.args?.(port) ?? [])];
    const launch = async (): Promise<ChildProcess | null> => {
      const child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      const ok = await waitForLine(child, /Ready to accept connections/, 5000).then(() => true, () => false);
      if (ok) return child;
      child.kill('SIGKILL');
      return null;
    };
    let child = await launch();
    if (child === null) continue;
    return {
      url: opts.url?.(port) ?? `redis://127.0.0.1:${port}/0`,
      port,
      stop: () => (child === null ? Promise.resolve() : stopChild(child, 'SIGTERM', 3000)),
      restart: async () => {
        if (child !== null) await stopChild(child, 'SIGTERM', 3000);
        child = await launch();
        if (child === null) throw new Error(`redis-server did not restart on port ${port}`);
      },
    };
  }
  throw new Error('no free port for redis-server in 6390-6399');
}

function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer): void => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited (${code}) before ${re}: ${buf.slice(-2000)}`));
    });
  });
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

export interface WorkerProc { child: ChildProcess; logs: () => string; stop(): Promise<void>; kill9(): Promise<void> }

export async function startWorker(redisUrl: string, env: Record<string, string> = {}): Promise<WorkerProc> {
  const child = spawn(WORKER_COMMAND.cmd, WORKER_COMMAND.args, {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, SECRETFLOW_DATA_ROOT: COMPAT_DATA_ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stderr?.on('data', (d: Buffer) => {
    logs = (logs + d.toString()).slice(-200_000);
  });
  await waitForLine(child, /READY/, 30_000).catch(async (err: unknown) => {
    await stopChild(child, 'SIGKILL', 1000);
    throw err;
  });
  return {
    child,
    logs: () => logs,
    stop: () => stopChild(child, 'SIGTERM', 10_000),
    kill9: () => stopChild(child, 'SIGKILL', 1000),
  };
}

/** A real Celery 5.2.6 worker (solo pool) with `py/stub.py`'s tasks: the oracle / bench baseline. */
export async function startPythonWorker(redisUrl: string, hostname: string): Promise<WorkerProc> {
  const child = spawn(PYTHON, ['-m', 'celery', '-A', 'stub', 'worker', '-Q', 'secretflow_queue', '--pool=solo', '-E', '-l', 'INFO',
    '--without-gossip', '--without-mingle', '-n', hostname], { cwd: join(here, 'py'), env: { ...process.env, REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr?.on('data', (d: Buffer) => {
    logs = (logs + d.toString()).slice(-200_000);
  });
  await waitForLine(child, /ready\./, 60_000).catch(async (err: unknown) => {
    await stopChild(child, 'SIGKILL', 1000);
    throw err;
  });
  return { child, logs: () => logs, stop: () => stopChild(child, 'SIGTERM', 10_000), kill9: () => stopChild(child, 'SIGKILL', 1000) };
}

/** Run one client case; resolves with its JSON output. */
export function py(redisUrl: string, kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PY_CLIENT, kase, redisUrl, JSON.stringify(arg)], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`python ${kase} failed: ${err.message}\n${stderr.slice(-3000)}`));
        return;
      }
      try {
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>);
      } catch {
        reject(new Error(`python ${kase}: bad output ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** The workers' data root: task paths in the compat suites are relative to it (examples.ts). */
export const COMPAT_DATA_ROOT = tmpdir();

/** The real `apps/worker` CLI from source (tsx + the "@sfw/source" condition): no build step needed. */
export const REAL_WORKER_COMMAND: { cmd: string; args: string[] } = {
  cmd: process.execPath,
  args: ['--import', 'tsx', '--conditions=@sfw/source', join(REPO_ROOT, 'apps/worker/src/cli.ts'), 'worker'],
};

export interface RealWorkerProc extends WorkerProc {
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Start `sfw worker` (pino JSON on stdout) and wait for its "worker ready" line (bounded). */
export async function startRealWorker(redisUrl: string, env: Record<string, string> = {}, readyTimeoutMs = 60_000): Promise<RealWorkerProc> {
  const child = spawn(REAL_WORKER_COMMAND.cmd, REAL_WORKER_COMMAND.args, {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, SECRETFLOW_DATA_ROOT: COMPAT_DATA_ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let logs = '';
  const keep = (d: Buffer): void => {
    logs = (logs + d.toString()).slice(-400_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitForLine(child, /"msg":"worker ready"/, readyTimeoutMs).catch(async (err: unknown) => {
    await stopChild(child, 'SIGKILL', 1000);
    throw err;
  });
  return {
    child,
    exited,
    logs: () => logs,
    stop: () => stopChild(child, 'SIGTERM', 15_000),
    kill9: () => stopChild(child, 'SIGKILL', 1000),
  };
}

/** Run a case of any client script (e.g. py/real_client.py); resolves with its last stdout line as JSON. */
export function pyScript(script: string, redisUrl: string, kase: string, arg: unknown = {}, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(here, 'py', script), kase, redisUrl, JSON.stringify(arg)], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`python ${script} ${kase} failed: ${err.message}\n${stderr.slice(-3000)}`));
        return;
      }
      try {
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>);
      } catch {
        reject(new Error(`python ${script} ${kase}: bad output ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}
