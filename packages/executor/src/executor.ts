// The executor: one task from envelope to result, through the design's stages
//   validation -> cluster init (or reuse) -> device init -> algorithm (dispatch) -> cleanup (always)
// and the result `{ task_request_id, task_type, result, performance_metrics, metadata }`.
// Publishing RUNNING/SUCCESS/FAILURE is the worker's job (Celery lifecycle events); the executor
// reports progress and stage timings through callbacks so the same code serves `run` with no Redis.
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { silentLogger } from '@sfw/log';
import type { Logger } from '@sfw/log';
import { taskEnvelopeSchema, resolveClusterSpec } from './envelope.ts';
import type { ClusterSpec } from './envelope.ts';
import { PooledClusterProvider } from './cluster.ts';
import { ClusterTurns } from './cluster-turns.ts';
import type { ClusterProvider } from './cluster.ts';
import type { Cluster } from '@sfw/runtime';
import { checkClusterMode, type PartyIdentity } from './party-mode.ts';
import {
  ClusterInitializationError, DeviceInitializationError, ParameterValidationError, ResultSaveError,
  SecretFlowTaskError, TaskExecutionError, toTaskError,
} from './errors.ts';
import { StageTimer } from './metrics.ts';
import type { Stage } from './metrics.ts';
import { throttledProgress } from './progress.ts';
import type { ProgressUpdate } from './progress.ts';
import { TaskRegistry } from './registry.ts';
import type { JobContext, TaskDefinition } from './registry.ts';
import { parseOrThrow, validationError } from './validation.ts';
import { resolveFiles } from './files.ts';
import type { DataRoots, FileEnv, ResolvedFile } from './files.ts';
import { countIssues, resolveLimits } from './limits.ts';
import type { TaskLimits } from './limits.ts';
import { stageFiles } from './staging.ts';
import { journalDirOf, recoverCommits } from './commit-journal.ts';
import type { RecoveredCommit } from './commit-journal.ts';
import { ScratchDir } from './scratch.ts';
import type { StagedFiles } from './staging.ts';
import type { TaskResult } from './schemas.ts';
import { builtinTasks } from './builtins.ts';
import type { HealthProbe } from './builtins.ts';

export interface ExecutorOptions {
  /** The task types this executor serves besides its built-ins (filled by the jobs packages' `register`). */
  registry?: TaskRegistry;
  /** Where clusters come from; default: a provider whose start fails (no runtime wired in). */
  provider?: ClusterProvider;
  logger?: Logger;
  /** Defaults for `sf_init_config` (SECRETFLOW_PARTIES / SECRETFLOW_ADDRESS). */
  parties?: readonly string[];
  address?: string;
  /** Party mode: this worker's party and the hosts it has link addresses for (its own configuration). */
  party?: PartyIdentity | undefined;
  /** Worker name in results and events. */
  workerName?: string;
  /** Debug: error stacks in results and logs. */
  debug?: boolean;
  /** Root of per-task scratch directories. */
  workDir?: string;
  progressThrottleMs?: number;
  /** Versions reported in metadata and health_check (worker, packages). */
  versions?: Record<string, string>;
  /** Named checks run by health_check (e.g. `redis`). */
  healthProbes?: Record<string, HealthProbe>;
  /** Registers the `diagnostic` task (test modes: succeed, fail, retry, sleep). Off in production. */
  diagnosticTasks?: boolean;
  /** Where each party's paths resolve (default: the working directory for every party). */
  dataRoots?: DataRoots;
  /** Operator bounds on counts, rows and columns (defaults: DEFAULT_TASK_LIMITS). */
  limits?: Partial<TaskLimits>;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  celeryTaskId?: string | null;
  retries?: number;
  onProgress?: (p: ProgressUpdate) => void;
  onStage?: (stage: Stage, ms: number) => void;
  /** Names this run for `terminate(runId)`; a fresh id when absent. */
  runId?: string;
}

/** What `terminate` needs to know about a run in progress. */
interface Run {
  taskRequestId: string;
  /** The cluster this run holds (set once acquired). */
  cluster?: Cluster;
  /** Gives the cluster turn back (set once the turn is taken). */
  release?: () => void;
}

const noClusterProvider: ClusterProvider = new PooledClusterProvider(() =>
  Promise.reject(new ClusterInitializationError('no cluster runtime is configured in this executor', { retryable: false })),
);

// For tasks registered with needsCluster: false: using ctx.cluster is a programming error.
const NO_CLUSTER = new Proxy({}, {
  get(_t, prop) {
    if (prop === 'then') return undefined;
    throw new TaskExecutionError(`this task was registered with needsCluster: false and has no cluster (accessed "${String(prop)}")`);
  },
}) as Cluster;

export class TaskExecutor {
  readonly provider: ClusterProvider;
  readonly log: Logger;
  readonly workerName: string;
  readonly debug: boolean;
  readonly versions: Record<string, string>;
  readonly startedAt = new Date();
  readonly registry: TaskRegistry;
  readonly #opts: ExecutorOptions;
  readonly #builtins: Map<string, TaskDefinition>;
  readonly #turns = new ClusterTurns();
  readonly dataRoots: DataRoots;
  readonly limits: TaskLimits;
  readonly #runs = new Map<string, Run>();

  constructor(opts: ExecutorOptions = {}) {
    this.#opts = opts;
    this.provider = opts.provider ?? noClusterProvider;
    this.registry = opts.registry ?? new TaskRegistry();
    this.log = opts.logger ?? silentLogger();
    this.workerName = opts.workerName ?? `sfw@${hostname()}`;
    this.debug = opts.debug ?? false;
    this.versions = { node: process.version, ...opts.versions };
    this.dataRoots = opts.dataRoots ?? { default: process.cwd() };
    this.limits = resolveLimits(opts.limits);
    this.#builtins = new Map(builtinTasks(this, opts.healthProbes ?? {}, opts.diagnosticTasks ?? false).map((d) => [d.taskType, d]));
  }

  /** Every task type this executor runs: its built-ins and its registry. */
  tasks(): TaskDefinition[] {
    const reg = this.registry.list().filter((d) => !this.#builtins.has(d.taskType));
    return [...this.#builtins.values(), ...reg].sort((a, b) => a.taskType.localeCompare(b.taskType));
  }

  task(taskType: string): TaskDefinition | undefined {
    return this.#builtins.get(taskType) ?? this.registry.get(taskType);
  }

  async execute(taskRequestId: unknown, params: unknown, opts: ExecuteOptions = {}): Promise<TaskResult> {
    const timer = new StageTimer();
    const startedAt = new Date();
    const signal = opts.signal ?? new AbortController().signal;
    const stage = async <T>(s: Stage, fn: () => Promise<T> | T): Promise<T> => {
      const before = timer.ms(s);
      try {
        return await timer.time(s, fn);
      } finally {
        opts.onStage?.(s, timer.ms(s) - before);
      }
    };

    // 1. Validation: nothing starts for a malformed task; the error names every bad field.
    const v = await stage('validation', () => this.#validate(taskRequestId, params));
    const log = this.log.child({ taskRequestId: v.taskRequestId, taskType: v.def.taskType, celeryTaskId: opts.celeryTaskId ?? null });
    const needsCluster = v.def.needsCluster ?? true;
    // Start and per-stage lines are progress for cluster tasks (seconds to minutes each); for a light
    // task they would be most of its cost, so there they are debug and the final line says it all.
    const stageLevel = needsCluster ? 'info' : 'debug';
    log[stageLevel]({ retries: opts.retries ?? 0 }, 'task started');

    const runId = opts.runId ?? randomUUID();
    const run: Run = { taskRequestId: v.taskRequestId };
    this.#runs.set(runId, run);
    let release: (() => void) | undefined;
    let cluster: Cluster | undefined;
    let reused = false;
    let begun = false;
    let result: unknown;
    // Every staging of this task (its own and its pipeline steps'); whatever was not committed is
    // removed at cleanup, after endTask, when no party thread can still be writing.
    const stagings: StagedFiles[] = [];
    const env: FileEnv = { parties: v.spec.parties, spuParties: v.spec.spuParties };
    const scratch = new ScratchDir(join(this.#workRoot, `${safeName(v.taskRequestId)}-${randomUUID().slice(0, 8)}`));
    const journalDir = journalDirOf(this.#workRoot);
    try {
      // 2. Cluster init or reuse, once it is this task's turn on the shared cluster.
      if (needsCluster) {
        try {
          release = await this.#turns.take(signal);
        } catch (err) {
          throw this.#jobError(err, signal, log);
        }
        run.release = release;
        const got = await stage('cluster_init', async () => {
          try {
            return await this.provider.acquire(v.spec, log);
          } catch (err) {
            throw toTaskError(err, ClusterInitializationError, 'cluster start failed');
          }
        });
        cluster = got.cluster;
        run.cluster = cluster;
        reused = got.reused;
        // Terminated while the cluster was starting: stop here (cleanup hands the cluster on).
        if (signal.aborted) throw this.#jobError(signal.reason, signal, log);
        log[stageLevel]({ ms: Math.round(timer.ms('cluster_init')), reused }, 'stage cluster_init done');
      }
      // 3. Device init: per-task state in every thread (the scratch directory is made on first use).
      await stage('device_init', async () => {
        try {
          if (cluster !== undefined) {
            await cluster.beginTask(v.taskRequestId);
            begun = true;
          }
        } catch (err) {
          throw toTaskError(err, DeviceInitializationError, 'device init failed');
        }
      });
      log[stageLevel]({ ms: Math.round(timer.ms('device_init')) }, 'stage device_init done');
      // 4. Dispatch to the job.
      result = await stage('algorithm', async () => {
        const files = await stageFiles(v.files, v.taskRequestId, { journalDir });
        stagings.push(files);
        const ctx: JobContext = {
          cluster: cluster ?? NO_CLUSTER,
          taskRequestId: v.taskRequestId,
          parties: v.spec.parties,
          spuParties: v.spec.spuParties,
          spu: v.spec.spu,
          signal,
          progress: throttledProgress((p) => opts.onProgress?.(p), this.#opts.progressThrottleMs ?? 500),
          log,
          get workDir() {
            return scratch.path();
          },
          attempt: opts.retries ?? 0,
          files,
          limits: this.limits,
          stageFiles: async (def, config, fieldPrefix) => {
            const resolved = await resolveFiles(this.dataRoots, def.files?.(config, env) ?? [], { prefix: joinField('task_config', fieldPrefix), requireInputs: true, onlyParty: this.#opts.party?.self });
            const staged = await stageFiles(resolved, v.taskRequestId, { journalDir });
            stagings.push(staged);
            return staged;
          },
        };
        let out: unknown;
        try {
          out = await v.def.run(ctx, v.config);
        } catch (err) {
          throw this.#jobError(err, signal, log);
        }
        const json = toJsonValue(out);
        // All or nothing: the outputs appear only once the whole job succeeded.
        await files.commit();
        return json;
      });
      log[stageLevel]({ ms: Math.round(timer.ms('algorithm')) }, 'stage algorithm done');
    } catch (err) {
      const e = toTaskError(err);
      log.warn({ error: { code: e.code, type: e.name, message: e.message, retryable: e.retryable, details: e.details, ...(this.debug ? { stack: e.stack } : {}) } }, 'task failed');
      throw e;
    } finally {
      // 5. Cleanup, always (success, failure, abort).
      await stage('cleanup', async () => {
        await this.#cleanup(cluster, begun, scratch, log);
        for (const s of stagings) await s.discard();
      });
      release?.();
      this.#runs.delete(runId);
      log[stageLevel]({ ms: Math.round(timer.ms('cleanup')) }, 'stage cleanup done');
    }
    // Reached only on success; metrics include cleanup.
    const performance = timer.finish(reused);
    log.info({ totalMs: Math.round(performance.total_time_ms), ratios: performance.stage_ratios }, 'task succeeded');
    return {
      task_request_id: v.taskRequestId,
      task_type: v.def.taskType,
      result,
      performance_metrics: performance,
      metadata: this.#metadata(opts, startedAt, v.spec, needsCluster),
    };
  }

  /**
   * The hard limit or a revoke ended run `runId`. Only that run is touched: if it holds a cluster,
   * that cluster is destroyed (its threads may be stuck in the job) and the turn passes on; if it is
   * waiting for its turn or starting its cluster, its aborted signal ends it where it is. Another
   * task's cluster is never stopped. Returns false when no such run is in progress.
   */
  async terminate(runId: string, reason: string): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (run === undefined) return false;
    this.log.warn({ reason, taskRequestId: run.taskRequestId, holdsCluster: run.cluster !== undefined }, 'terminating a task');
    if (run.cluster !== undefined) {
      await this.provider.invalidate(`task terminated (${reason})`, this.log, run.cluster);
      run.release?.();
    }
    return true;
  }

  /**
   * Completes output commits that a crash interrupted (their journals are under the work
   * directory): call once when the worker starts, before it takes tasks (commit-journal.ts).
   */
  recoverCommits(): Promise<RecoveredCommit[]> {
    return recoverCommits(journalDirOf(this.#workRoot), this.log);
  }

  get #workRoot(): string {
    return this.#opts.workDir ?? join(tmpdir(), 'sfw-tasks');
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown(this.log);
  }

  async #validate(taskRequestId: unknown, params: unknown): Promise<{ taskRequestId: string; def: TaskDefinition; config: unknown; spec: ClusterSpec; files: ResolvedFile[] }> {
    if (typeof taskRequestId !== 'string' || taskRequestId.length === 0 || taskRequestId.length > 256) {
      throw validationError([{ path: 'task_request_id', code: 'invalid_type', message: 'expected a non-empty string (at most 256 characters)' }]);
    }
    const env = parseOrThrow(taskEnvelopeSchema, params, '');
    const def = this.task(env.task_type);
    if (def === undefined) {
      throw new ParameterValidationError(`Invalid task parameters: task_type: unknown task type (registered: ${this.tasks().map((d) => d.taskType).join(', ')})`, {
        code: 'UNKNOWN_TASK_TYPE',
        details: { fields: ['task_type'] },
      });
    }
    const config = parseOrThrow(def.schema, env.task_config ?? {}, 'task_config');
    const { spec, issues } = resolveClusterSpec(env, { parties: this.#opts.parties ?? ['alice', 'bob'], address: this.#opts.address ?? 'local' }, this.registry.deviceModules());
    if (issues.length > 0) throw validationError(issues);
    const checked = (def.needsCluster ?? true) ? checkClusterMode(env, spec, this.#opts.party) : spec;
    // Counts against the operator's bounds, then every declared file inside its party's root:
    // all of it before a cluster is acquired or a thread is asked to do anything.
    const nested = def.nested?.(config) ?? [];
    const bounds = [
      // A composite's own config holds its steps' definitions: only the steps' configs are walked.
      ...(def.nested === undefined ? countIssues(config, this.limits, 'task_config') : []),
      ...nested.flatMap((n) => countIssues(n.config, this.limits, joinField('task_config', n.field))),
    ];
    if (bounds.length > 0) throw validationError(bounds);
    const fileEnv: FileEnv = { parties: checked.parties, spuParties: checked.spuParties };
    const files = await resolveFiles(this.dataRoots, def.files?.(config, fileEnv) ?? [], { prefix: 'task_config', requireInputs: true, onlyParty: this.#opts.party?.self });
    // Steps of a composite task are checked one by one (each step's outputs may be a later step's
    // inputs); an input need not exist yet when an earlier step writes it.
    const produced = new Set<string>();
    for (const n of nested) {
      const r = await resolveFiles(this.dataRoots, n.def.files?.(n.config, fileEnv) ?? [], { prefix: joinField('task_config', n.field), requireInputs: true, produced, onlyParty: this.#opts.party?.self });
      for (const f of r) if (f.role === 'output' || f.role === 'output-dir') produced.add(f.resolved);
    }
    return { taskRequestId, def, config, spec: checked, files };
  }

  #jobError(err: unknown, signal: AbortSignal, log: Logger): SecretFlowTaskError {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      const soft = reason instanceof Error && /SoftTimeLimit|TimeLimit|timeout/i.test(reason.name + reason.message);
      return new TaskExecutionError(soft ? 'task stopped at the soft time limit' : 'task was cancelled', {
        code: soft ? 'TASK_TIMEOUT' : 'TASK_CANCELLED',
        cause: err,
      });
    }
    if (err instanceof SecretFlowTaskError) return err;
    // Runtime DeviceErrors (matched by shape: the executor does not import runtime code).
    const dev = err as { name?: unknown; code?: unknown; device?: unknown; fn?: unknown };
    if (dev.name === 'DeviceError') {
      if (dev.code === 'RESOURCE_LIMIT') {
        // A thread overran its memory limit and was ended alone; the cluster is rebuilt at cleanup.
        // Not retried: the same task would overrun again.
        log.warn({ device: dev.device, fn: dev.fn }, 'cluster thread over its memory limit; cluster will be rebuilt');
        return new TaskExecutionError(`${String(dev.device)} ran out of its memory limit (worker setting SFW_THREAD_MAX_OLD_GEN_MB)`, {
          code: 'TASK_RESOURCE_LIMIT', cause: err, details: { device: String(dev.device), fn: String(dev.fn), device_code: 'RESOURCE_LIMIT' },
        });
      }
      const infra = dev.code === 'THREAD_CRASHED' || dev.code === 'CLUSTER_UNHEALTHY';
      if (infra) log.warn({ device: dev.device, fn: dev.fn }, 'cluster thread failure; cluster will be rebuilt');
      // Party mode: another party's worker or the link to it went away; a retry can meet it again.
      const peerLost = dev.code === 'PEER_LOST';
      if (peerLost) log.warn({ peer: dev.device }, 'peer left the task');
      const e = toTaskError(err, TaskExecutionError, 'device error');
      return infra || peerLost ? new TaskExecutionError(e.message, { retryable: true, cause: err, details: { device: String(dev.device), fn: String(dev.fn), device_code: String(dev.code) } }) : e;
    }
    return toTaskError(err, TaskExecutionError);
  }

  async #cleanup(cluster: Cluster | undefined, begun: boolean, scratch: ScratchDir, log: Logger): Promise<void> {
    if (cluster !== undefined && begun) {
      try {
        await cluster.endTask();
      } catch (err) {
        // Per-task state may survive in a thread: never reuse such a cluster for the next task.
        log.error({ errName: err instanceof Error ? err.name : typeof err }, 'endTask failed; discarding cluster');
        await this.provider.invalidate('endTask failed', log, cluster);
      }
    }
    if (cluster !== undefined && !cluster.healthy) await this.provider.invalidate('cluster unhealthy after task', log, cluster);
    await scratch.remove();
  }

  #metadata(opts: ExecuteOptions, startedAt: Date, spec: ClusterSpec, needsCluster: boolean): TaskResult['metadata'] {
    return {
      worker: this.workerName,
      celery_task_id: opts.celeryTaskId ?? null,
      retries: opts.retries ?? 0,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      parties: needsCluster ? spec.parties : [],
      spu: needsCluster ? { protocol: spec.spu.protocol, field: spec.spu.field, fxp_fraction_bits: spec.spu.fxpFractionBits } : null,
      versions: this.versions,
    };
  }
}

function joinField(a: string, b: string): string {
  return [a, b].filter((p) => p !== '').join('.');
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** The result must survive JSON (Celery's result backend): BigInt, cycles and functions fail here, not in Redis. */
function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (err) {
    throw new ResultSaveError('task result is not JSON-serializable', { retryable: false, cause: err });
  }
}
