// Wiring: config -> logger -> executor (+ jobs) -> Celery worker -> status notifier.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '@sfw/log';
import type { Logger } from '@sfw/log';
import { TaskExecutor, sanitizeMessage } from '@sfw/executor';
import type { ClusterProvider, DataRoots, HealthProbe } from '@sfw/executor';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { CeleryWorker, redactRedisUrl } from '@sfw/celery';
import type { TaskHandler, TaskRequest, WorkerHealth } from '@sfw/celery';
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

/**
 * Data roots as real paths, resolved once here: relative ones against the working directory, and
 * every symbolic link on a root followed (an operator's symlinked data directory, macOS's
 * `/var` -> `/private/var`), so the roots may be links while paths inside them may not leave them.
 * A root that does not exist yet stays as given; the executor refuses its tasks naming the field.
 */
export function dataRootsOf(config: WorkerConfig): DataRoots {
  const real = (r: string): string => {
    try {
      return realpathSync(resolve(r));
    } catch {
      return resolve(r);
    }
  };
  return {
    default: real(config.dataRoot),
    parties: Object.fromEntries(Object.entries(config.dataRoots).map(([p, r]) => [p, real(r)])),
  };
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
  const dataRoots = dataRootsOf(config);
  const executor = new TaskExecutor({
    registry,
    provider: opts.provider ?? runtimeClusterProvider({
      startTimeoutSec: config.clusterStartTimeoutSec,
      network: providerNetwork,
      spuKernelThreads: config.spuKernelThreads > 0 ? config.spuKernelThreads : undefined,
      dataRoots,
      refuseHardLinkedInputs: config.refuseHardLinkedInputs,
      threadLimits: { maxOldGenerationSizeMb: config.threadMaxOldGenMb, ...(config.threadMaxYoungGenMb > 0 ? { maxYoungGenerationSizeMb: config.threadMaxYoungGenMb } : {}) },
    }),
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
    dataRoots,
    limits: {
      maxEpochs: config.maxEpochs, maxBoostRounds: config.maxBoostRounds, maxTreeDepth: config.maxTreeDepth, maxBucketSize: config.maxBucketSize,
      maxBatchSize: config.maxBatchSize, maxCurveThreads: config.maxCurveThreads, maxRows: config.maxRows, maxColumns: config.maxColumns,
    },
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
  // Each execution slot's state and the age of its task; a stuck slot makes the worker unhealthy.
  const slots: { report?: () => WorkerHealth } = {};
  const slotsProbe: HealthProbe = () => {
    const h = slots.report?.();
    if (h === undefined) return Promise.resolve({ ok: true, slots: [] });
    return Promise.resolve({ ok: h.ok, fatal: !h.ok, slots: h.slots, prefetch: h.window, held: h.held });
  };
  const setup = await buildExecutor(config, log, { ...opts, healthProbes: { redis: redisProbe, slots: slotsProbe } });
  const { executor } = setup;
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
    restoreIntervalSec: config.restoreIntervalSec,
    maxMessageBytes: config.maxMessageBytes,
    deadLetterMax: config.deadLetterMax,
    stuckGraceSec: config.stuckGraceSec,
  });
  slots.report = () => worker.health();
  // Status events go on the worker's command connection, in the same writes as each task's record.
  const notifier = new StatusNotifier(() => worker.redis, { channel: config.statusChannel, list: config.statusList, listMax: config.statusListMax, worker: config.hostname, logger: log });
  notifier.attach(worker);

  // Each run gets its own id, so a terminate (hard limit, revoke) reaches that run only: never the
  // cluster of another task running in another slot.
  const runIds = new WeakMap<TaskRequest, string>();
  const terminate = async (req: TaskRequest, reason: string): Promise<void> => {
    const runId = runIds.get(req);
    if (runId !== undefined) await executor.terminate(runId, reason);
  };
  const execute: TaskHandler = {
    run: async (req, ctx) => {
      const id = req.args[0] ?? req.kwargs['task_request_id'];
      const params = req.args[1] ?? req.kwargs['task_params'];
      const runId = randomUUID();
      runIds.set(req, runId);
      return executor.execute(id, params, {
        signal: ctx.signal,
        celeryTaskId: req.id,
        retries: req.retries,
        runId,
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

  // Outputs of a task whose commit a crash interrupted are completed before any task is taken.
  await executor.recoverCommits();
  try {
    await worker.start();
  } catch (err) {
    redis.disconnect();
    await executor.shutdown();
    await setup.network?.close();
    const reason = err instanceof Error ? err.message : 'unknown error';
    throw new Error(`cannot start the worker: Redis at ${describeConfig(config)['redis'] as string} (${sanitizeMessage(redactRedisUrl(reason, config.redisUrl))})`, { cause: err });
  }
  log.info({ queues: config.queues, hostname: config.hostname }, 'worker ready');
  let stopping: Promise<void> | undefined;
  const stop = (graceSec = config.shutdownGraceSec): Promise<void> => {
    stopping ??= (async () => {
      log.info({ graceSec }, 'worker stopping');
      await worker.stop({ graceSec });
      await executor.shutdown();
      await setup.network?.close();
      // Bounded: a status connection whose Redis died queues QUIT until its retries run out.
      let quitTimer: NodeJS.Timeout | undefined;
      await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => (quitTimer = setTimeout(r, 5000)))]);
      clearTimeout(quitTimer);
      redis.disconnect();
      log.info('worker stopped');
    })();
    return stopping;
  };
  return { worker, executor, notifier, stop };
}
