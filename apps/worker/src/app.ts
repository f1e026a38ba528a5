// Wiring: config -> logger -> executor (+ jobs) -> Celery worker -> status notifier.
import { Redis } from 'ioredis';
import { createLogger } from '@sfw/log';
import type { Logger } from '@sfw/log';
import { TaskExecutor, sanitizeMessage } from '@sfw/executor';
import type { ClusterProvider, HealthProbe } from '@sfw/executor';
import { CeleryWorker } from '@sfw/celery';
import type { TaskHandler, TaskRequest } from '@sfw/celery';
import type { WorkerConfig } from './config.ts';
import { describeConfig } from './config.ts';
import { JOB_PACKAGES, registerJobs } from './jobs.ts';
import type { JobPackage, RegisteredPackage } from './jobs.ts';
import { StatusNotifier } from './notifier.ts';
import { runtimeClusterProvider } from './runtime-provider.ts';
import { startPartyNetwork, type PartyNetwork } from './party-network.ts';
import { workerVersions } from './versions.ts';

export const TASK_NAMES = {
  execute: 'tasks.secretflow.execute_task',
  hello: 'tasks.secretflow.hello',
  health: 'tasks.secretflow.health_check',
} as const;

export function makeLogger(config: WorkerConfig, consoleFd: 1 | 2 = 1, consoleLevel?: WorkerConfig['logLevel']): Logger {
  return createLogger({ level: config.logLevel, consoleLevel: consoleLevel ?? config.logLevel, file: config.logFile, console: consoleFd, name: 'sfw-worker' });
}

export interface ExecutorSetup {
  executor: TaskExecutor;
  jobs: RegisteredPackage[];
  /** Party mode: the links to the other parties (closed after the executor shuts down). */
  network: PartyNetwork | undefined;
}

export interface ExecutorSetupOptions {
  provider?: ClusterProvider;
  healthProbes?: Record<string, HealthProbe>;
  /** The jobs packages to register (default: JOB_PACKAGES, apps/worker/src/jobs.ts). */
  jobs?: readonly JobPackage[];
}

export async function buildExecutor(config: WorkerConfig, log: Logger, opts: ExecutorSetupOptions = {}): Promise<ExecutorSetup> {
  const { registry, packages: jobs } = registerJobs(undefined, opts.jobs ?? JOB_PACKAGES);
  const network = config.party === '' ? undefined : await startPartyNetwork(config, log);
  const providerNetwork = network && { gateway: network.gateway, self: config.party, dealerHost: config.dealerName };
  const executor = new TaskExecutor({
    registry,
    provider: opts.provider ?? runtimeClusterProvider({ startTimeoutSec: config.clusterStartTimeoutSec, network: providerNetwork }),
    logger: log,
    parties: config.parties,
    address: config.address,
    party: network?.identity,
    workerName: config.hostname,
    debug: config.debug,
    workDir: config.workDir,
    progressThrottleMs: config.progressIntervalMs,
    versions: workerVersions(),
    healthProbes: opts.healthProbes ?? {},
    diagnosticTasks: config.diagnosticTasks,
  });
  log.info({ jobs: jobs, tasks: executor.tasks().map((t) => t.taskType) }, 'task types registered');
  return { executor, jobs, network };
}

export interface RunningWorker {
  worker: CeleryWorker;
  executor: TaskExecutor;
  notifier: StatusNotifier;
  stop(graceSec?: number): Promise<void>;
}

/** Starts consuming. `provider` is injectable for tests. */
export async function startWorker(config: WorkerConfig, log: Logger, opts: Omit<ExecutorSetupOptions, 'healthProbes'> = {}): Promise<RunningWorker> {
  log.info({ config: describeConfig(config) }, 'worker starting');
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectionName: 'sfw-worker-status', lazyConnect: false });
  redis.on('error', (err: Error) => log.warn({ errName: err.name }, 'status redis connection error'));
  const redisProbe: HealthProbe = async () => ({ ok: (await redis.ping()) === 'PONG' });
  const setup = await buildExecutor(config, log, { ...opts, healthProbes: { redis: redisProbe } });
  const { executor } = setup;
  const notifier = new StatusNotifier(redis, { channel: config.statusChannel, list: config.statusList, listMax: config.statusListMax, worker: config.hostname, logger: log });
  const worker = new CeleryWorker({
    redisUrl: config.redisUrl,
    queues: config.queues,
    hostname: config.hostname,
    concurrency: config.concurrency,
    prefetchMultiplier: config.prefetchMultiplier,
    visibilityTimeoutSec: config.visibilityTimeoutSec,
    resultExpiresSec: config.resultExpiresSec,
    maxRetries: config.maxRetries,
    defaultRetryDelaySec: config.defaultRetryDelaySec,
    softTimeLimitSec: config.softTimeLimitSec,
    hardTimeLimitSec: config.hardTimeLimitSec,
    sendTaskEvents: config.sendTaskEvents,
    shutdownGraceSec: config.shutdownGraceSec,
    logger: log,
    debug: config.debug,
    keyPrefix: config.keyPrefix,
  });
  notifier.attach(worker);

  const terminate = (_req: TaskRequest, reason: string): Promise<void> => executor.terminate(reason);
  const execute: TaskHandler = {
    run: async (req, ctx) => {
      const id = req.args[0] ?? req.kwargs['task_request_id'];
      const params = req.args[1] ?? req.kwargs['task_params'];
      return executor.execute(id, params, {
        signal: ctx.signal,
        celeryTaskId: req.id,
        retries: req.retries,
        onProgress: (p) => notifier.progress(req, p),
      });
    },
    terminate,
  };
  const builtin = (taskType: 'hello' | 'health_check'): TaskHandler => ({
    run: async (req, ctx) => {
      const cfg = taskType === 'hello' && typeof req.args[0] === 'string' ? { name: req.args[0] } : {};
      const r = await executor.execute(`${taskType}-${req.id}`, { task_type: taskType, task_config: cfg }, { signal: ctx.signal, celeryTaskId: req.id, retries: req.retries });
      return r.result;
    },
  });
  worker.register(TASK_NAMES.execute, execute);
  worker.register(TASK_NAMES.hello, builtin('hello'));
  worker.register(TASK_NAMES.health, builtin('health_check'));

  try {
    await worker.start();
  } catch (err) {
    redis.disconnect();
    await executor.shutdown();
    await setup.network?.close();
    const reason = err instanceof Error ? err.message : 'unknown error';
    throw new Error(`cannot start the worker: Redis at ${describeConfig(config)['redis'] as string} (${sanitizeMessage(reason)})`, { cause: err });
  }
  log.info({ queues: config.queues, hostname: config.hostname }, 'worker ready');
  let stopping: Promise<void> | undefined;
  const stop = (graceSec = config.shutdownGraceSec): Promise<void> => {
    stopping ??= (async () => {
      log.info({ graceSec }, 'worker stopping');
      await worker.stop({ graceSec });
      await executor.shutdown();
      await setup.network?.close();
      await redis.quit().catch(() => undefined);
      log.info('worker stopped');
    })();
    return stopping;
  };
  return { worker, executor, notifier, stop };
}
