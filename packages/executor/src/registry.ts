// The dispatcher registry. A registry is a value handed to whoever assembles a worker: each jobs
// package exports `register(registry)` and the app calls it (apps/worker/src/jobs.ts). Nothing
// registers itself on import, so the task types an executor serves are exactly the ones its
// assembler named, and no import order matters.
import type { z } from 'zod';
import type { Cluster } from '@sfw/runtime';
import type { Logger } from '@sfw/log';
import type { ResolvedSpuConfig } from './envelope.ts';
import type { FileDecl, FileEnv } from './files.ts';
import type { TaskLimits } from './limits.ts';
import type { JobFiles, StagedFiles } from './staging.ts';

export interface JobContext {
  /** The runtime's cluster (throws on use for tasks registered with `needsCluster: false`). */
  cluster: Cluster;
  taskRequestId: string;
  parties: readonly string[];
  /** SPU parties (ranks in this order) and settings from `spu_config`. */
  spuParties: readonly string[];
  spu: ResolvedSpuConfig;
  /** Aborted on the soft time limit, revoke or shutdown; `signal.reason` says which. */
  signal: AbortSignal;
  /** Report progress: percent in [0, 100]; throttled into PROGRESS events. */
  progress(percent: number, message?: string, extra?: Record<string, unknown>): void;
  log: Logger;
  /** Per-task scratch directory on the driver, removed at cleanup. */
  workDir: string;
  /** Celery retry counter (0 on the first attempt). */
  attempt: number;
  /**
   * The files this task's definition declared: inputs resolved inside their party's data root,
   * outputs as staged paths that the executor commits when the job succeeded (docs/executor.md).
   */
  files: JobFiles;
  /** The operator's bounds (rows, columns, counts) for checks a job makes after reading headers. */
  limits: TaskLimits;
  /**
   * For tasks that run other tasks (pipeline): resolves, re-checks and stages the files of `def`
   * run with `config`; errors name fields under `fieldPrefix` (`steps.2.task_config`). The caller
   * commits after the nested run succeeded and discards otherwise.
   */
  stageFiles(def: TaskDefinition, config: unknown, fieldPrefix: string): Promise<StagedFiles>;
}

/** A task run by a composite task (pipeline), checked at validation like a top-level task. */
export interface NestedTask {
  /** Field path of its config inside the composite's task_config (`steps.2.task_config`). */
  readonly field: string;
  readonly def: TaskDefinition;
  readonly config: unknown;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  taskType: string;
  description: string;
  /** zod schema of `task_config`; its output is what `run` receives. */
  schema: S;
  /** Device module URLs (`deviceModuleUrl(import.meta.url, './device')`) loaded into every cluster thread. */
  deviceModules?: readonly string[];
  /** Default true. false: no cluster is started (hello, health_check, pure-driver tasks). */
  needsCluster?: boolean;
  /** A complete envelope that runs (documentation and `schemas` output). */
  example?: Record<string, unknown>;
  /**
   * Every file path the config names, with the party whose root it resolves in and its role. The
   * executor refuses the task before anything starts if one escapes; the job reads the resolved
   * paths from `ctx.files`. A task that names no file leaves this out.
   */
  files?(config: z.output<S>, env: FileEnv): readonly FileDecl[];
  /** Composite tasks only: the tasks it runs, so their files and counts are checked up front. */
  nested?(config: z.output<S>): readonly NestedTask[];
  // Method syntax on purpose: a definition typed over its own schema is then assignable to the
  // erased `TaskDefinition` the registry stores (the executor only calls `run` with `schema`'s output).
  run(ctx: JobContext, config: z.output<S>): Promise<unknown>;
}

/** What a jobs package exports as `register`. */
export type RegisterTasks = (registry: TaskRegistry) => void;

const TASK_TYPE = /^[a-z][a-z0-9_.-]{0,127}$/;

export class TaskRegistry {
  readonly #tasks = new Map<string, TaskDefinition>();
  /** deviceModules(), kept until the registry changes (the executor asks for it on every task). */
  #modules: readonly string[] | undefined;

  /** Adds a task type; a second, different definition under the same name is an error. */
  add<S extends z.ZodType>(def: TaskDefinition<S>): void {
    if (!TASK_TYPE.test(def.taskType)) {
      throw new TypeError(`TaskRegistry.add: taskType "${def.taskType}" must match ${String(TASK_TYPE)}`);
    }
    const existing = this.#tasks.get(def.taskType);
    if (existing !== undefined && existing !== def) {
      throw new Error(`TaskRegistry.add: task type "${def.taskType}" is already registered`);
    }
    this.#tasks.set(def.taskType, def);
    this.#modules = undefined;
  }

  get(taskType: string): TaskDefinition | undefined {
    return this.#tasks.get(taskType);
  }

  has(taskType: string): boolean {
    return this.#tasks.has(taskType);
  }

  list(): TaskDefinition[] {
    return [...this.#tasks.values()].sort((a, b) => a.taskType.localeCompare(b.taskType));
  }

  /** Removes a task type. */
  delete(taskType: string): boolean {
    this.#modules = undefined;
    return this.#tasks.delete(taskType);
  }

  /** Device modules of every registered task, so one cluster serves every task type (and is reused). */
  deviceModules(): string[] {
    if (this.#modules === undefined) {
      const s = new Set<string>();
      for (const d of this.#tasks.values()) for (const m of d.deviceModules ?? []) s.add(m);
      this.#modules = [...s].sort();
    }
    return [...this.#modules];
  }
}
