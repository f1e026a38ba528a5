// The dispatcher registry. Jobs packages call `registerTask` when their index is imported; the
// worker discovers jobs packages from its own dependencies (apps/worker/src/discovery.ts), so adding
// a job means adding a dependency, never editing a list here.
import type { z } from 'zod';
import type { Logger } from '@sfw/log';
import type { JobCluster } from './cluster.ts';
import type { ResolvedSpuConfig } from './envelope.ts';

export interface JobContext {
  /** The cluster (throws on use for tasks registered with `needsCluster: false`). */
  cluster: JobCluster;
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
  run(ctx: JobContext, config: z.output<S>): Promise<unknown>;
}

const REGISTRY_KEY = Symbol.for('@sfw/executor.registry');
type Registry = Map<string, TaskDefinition>;

// On globalThis so that two copies of this module (e.g. source and built) still share one registry.
function registry(): Registry {
  const g = globalThis as { [REGISTRY_KEY]?: Registry };
  g[REGISTRY_KEY] ??= new Map();
  return g[REGISTRY_KEY];
}

const TASK_TYPE = /^[a-z][a-z0-9_.-]{0,127}$/;

export function registerTask<S extends z.ZodType>(def: TaskDefinition<S>): void {
  if (!TASK_TYPE.test(def.taskType)) {
    throw new TypeError(`registerTask: taskType "${def.taskType}" must match ${String(TASK_TYPE)}`);
  }
  const reg = registry();
  const existing = reg.get(def.taskType);
  if (existing !== undefined && existing !== (def as unknown as TaskDefinition)) {
    throw new Error(`registerTask: task type "${def.taskType}" is already registered`);
  }
  reg.set(def.taskType, def as unknown as TaskDefinition);
}

export function getTask(taskType: string): TaskDefinition | undefined {
  return registry().get(taskType);
}

export function listTasks(): TaskDefinition[] {
  return [...registry().values()].sort((a, b) => a.taskType.localeCompare(b.taskType));
}

/** Removes a task type (tests only). */
export function unregisterTask(taskType: string): boolean {
  return registry().delete(taskType);
}

/** Device modules of every registered task, so one cluster serves every task type (and is reused). */
export function allDeviceModules(): string[] {
  const s = new Set<string>();
  for (const d of registry().values()) for (const m of d.deviceModules ?? []) s.add(m);
  return [...s].sort();
}
