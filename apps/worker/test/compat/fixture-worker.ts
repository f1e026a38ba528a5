// A TS worker for the compatibility suite: the @sfw/celery consumer with stub tasks whose behaviour
// is chosen by `task_params.mode`. Run: node --import tsx --conditions=@sfw/source fixture-worker.ts
// Configuration by environment (this is an app-side file, so it may read process.env):
//   REDIS_URL, SFW_HOSTNAME, SFW_CONCURRENCY, SFW_HARD_LIMIT, SFW_SOFT_LIMIT, SFW_VISIBILITY,
//   SFW_RETRY_DELAY, SFW_EVENTS=1, SFW_MAX_MESSAGE_BYTES, SFW_RESTORE_INTERVAL
import { CeleryWorker } from '@sfw/celery';
import type { CeleryLogger, TaskRequest } from '@sfw/celery';
import { Redis } from 'ioredis';

const env = process.env;
const num = (name: string, dflt: number | null): number | null => (env[name] ? Number(env[name]) : dflt);
const url = env.REDIS_URL ?? 'redis://127.0.0.1:6399/0';

// Minimal JSON-lines logger on stderr (the real worker uses @sfw/log / pino).
const mkLog = (bindings: Record<string, unknown>): CeleryLogger => {
  const w = (level: string) => (a: object | string, msg?: string): void => {
    const rec = typeof a === 'string' ? { msg: a } : { ...a, msg };
    process.stderr.write(`${JSON.stringify({ level, ...bindings, ...rec })}\n`);
  };
  return { info: w('info'), warn: w('warn'), error: w('error'), debug: () => {}, child: (b) => mkLog({ ...bindings, ...b }) };
};

const worker = new CeleryWorker({
  redisUrl: url,
  queues: ['secretflow_queue'],
  hostname: env.SFW_HOSTNAME ?? 'sfw-compat@localhost',
  concurrency: num('SFW_CONCURRENCY', 2) ?? 2,
  prefetchMultiplier: 4,
  visibilityTimeoutSec: num('SFW_VISIBILITY', 3600) ?? 3600,
  resultExpiresSec: 86_400,
  maxRetries: 3,
  defaultRetryDelaySec: num('SFW_RETRY_DELAY', 0.3) ?? 0.3,
  softTimeLimitSec: num('SFW_SOFT_LIMIT', 3000),
  hardTimeLimitSec: num('SFW_HARD_LIMIT', 3600),
  sendTaskEvents: env.SFW_EVENTS === '1',
  shutdownGraceSec: 5,
  logger: mkLog({ app: 'fixture-worker' }),
  heartbeatSec: 1,
  restoreIntervalSec: num('SFW_RESTORE_INTERVAL', 100) ?? 100,
  maxMessageBytes: num('SFW_MAX_MESSAGE_BYTES', 1024 * 1024) ?? 1024 * 1024,
});

// Side channel for assertions: how often each task started / completed.
const stats = new Redis(url);
const params = (req: TaskRequest): Record<string, unknown> => (req.args[1] ?? {}) as Record<string, unknown>;
const sleep = (ms: number, signal?: AbortSignal, onAbort?: 'reject' | 'resolve'): Promise<string> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve('slept'), ms);
    if (signal && onAbort) {
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        if (onAbort === 'reject') reject(signal.reason);
        else resolve('cleaned-up');
      });
    }
  });
const err = (name: string, message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { name }, extra);

worker.register('tasks.secretflow.execute_task', {
  async run(req, ctx) {
    const p = params(req);
    await stats.incr(`compat:started:${req.id}`);
    let out: unknown;
    switch (p.mode) {
      case 'succeed':
        out = { task_request_id: req.args[0], value: p.value ?? 42 };
        break;
      case 'fail':
        throw err('ValueError', 'bad parameter: alpha');
      case 'custom_fail':
        throw err('SecretflowError', 'party bob offline', { excArgs: ['party bob offline', 42] });
      case 'invalid':
        throw err('ParameterValidationError', 'task_config.alpha: expected number', { retryable: false });
      case 'retry': {
        const n = Number(p.n ?? 2);
        if (req.retries < n) throw err('TaskExecutionError', `transient failure ${req.retries}`, { retryable: true });
        out = { retries: req.retries };
        break;
      }
      case 'sleep':
        out = await sleep(Number(p.seconds ?? 1) * 1000);
        break;
      case 'soft_sleep': // unhandled soft limit: rejects with the abort reason
        out = await sleep(Number(p.seconds ?? 1) * 1000, ctx.signal, 'reject');
        break;
      case 'soft_handled': // handles the soft limit and returns
        out = await sleep(Number(p.seconds ?? 1) * 1000, ctx.signal, 'resolve');
        break;
      default:
        throw err('ParameterValidationError', 'task_params.mode: unknown mode');
    }
    await stats.incr(`compat:completed:${req.id}`);
    return out;
  },
  async terminate() {
    // A real handler tears down the cluster threads here.
  },
});
worker.register('tasks.secretflow.hello', { run: async (req) => `hello ${String(req.args[0] ?? 'world')}` });

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  worker
    .stop()
    .then(() => stats.quit())
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await worker.start();
process.stdout.write('READY\n');
