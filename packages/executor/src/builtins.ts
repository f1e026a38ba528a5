// Built-in task types: `hello`, `health_check`, `pipeline` and (opt-in, for tests) `diagnostic`.
// They close over their executor (cluster state, probes, the task types a pipeline may name), so
// they live per executor rather than in the registry the jobs packages fill.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { TaskExecutionError } from './errors.ts';
import type { TaskDefinition, JobContext } from './registry.ts';
import type { ClusterState } from './cluster.ts';
import { pipelineTask } from './pipeline.ts';

/** A named check. `fatal: true` on a failing check means the worker cannot serve (status unhealthy),
 *  rather than serving with a problem (degraded). */
export type HealthProbe = () => Promise<{ ok: boolean; fatal?: boolean } & Record<string, unknown>>;

interface ExecutorView {
  readonly workerName: string;
  readonly versions: Record<string, string>;
  readonly startedAt: Date;
  readonly provider: { state(): ClusterState };
  tasks(): readonly { taskType: string }[];
  /** The jobs' task types: what pipeline steps may name (built-ins are not steps). */
  readonly registry: { get(taskType: string): TaskDefinition | undefined };
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  worker: string;
  timestamp: string;
  uptime_s: number;
  checks: Record<string, { ok: boolean } & Record<string, unknown>>;
  cluster: ClusterState;
  versions: Record<string, string>;
  registered_tasks: string[];
}

const PROBE_TIMEOUT_MS = 3000;

async function runProbe(probe: HealthProbe): Promise<{ ok: boolean } & Record<string, unknown>> {
  const t0 = performance.now();
  try {
    const r = await Promise.race([
      probe(),
      sleep(PROBE_TIMEOUT_MS, undefined, { ref: false }).then(() => ({ ok: false, error: `no answer within ${PROBE_TIMEOUT_MS} ms` })),
    ]);
    return { latency_ms: Math.round((performance.now() - t0) * 10) / 10, ...r };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.name : 'probe failed' };
  }
}

export async function healthReport(ex: ExecutorView, probes: Record<string, HealthProbe>): Promise<HealthReport> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((n) => runProbe(probes[n]!)));
  const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  const cluster = ex.provider.state();
  const ok = results.every((r) => r.ok) && cluster.status !== 'unhealthy';
  const fatal = results.some((r) => !r.ok && r.fatal === true);
  return {
    status: fatal ? 'unhealthy' : ok ? 'healthy' : 'degraded',
    worker: ex.workerName,
    timestamp: new Date().toISOString(),
    uptime_s: Math.round((Date.now() - ex.startedAt.getTime()) / 1000),
    checks,
    cluster,
    versions: ex.versions,
    registered_tasks: ex.tasks().map((t) => t.taskType),
  };
}

const helloSchema = z.object({ name: z.string().max(100).optional() }).strict();
const healthSchema = z.object({}).strict();
const diagnosticSchema = z
  .object({
    mode: z.enum(['succeed', 'fail', 'retry', 'sleep', 'sleep_ignore_signal', 'progress']),
    /** retry: fail retryably until this attempt number (0-based) is reached. */
    retry_times: z.number().int().min(0).max(20).default(1),
    sleep_ms: z.number().int().min(0).max(3_600_000).default(1000),
    echo: z.unknown().optional(),
  })
  .strict();

export function builtinTasks(ex: ExecutorView, probes: Record<string, HealthProbe>, diagnostic: boolean): TaskDefinition[] {
  const hello: TaskDefinition<typeof helloSchema> = {
    taskType: 'hello',
    description: 'Liveness: answers with a greeting, the worker name and the time. Starts no cluster.',
    schema: helloSchema,
    needsCluster: false,
    example: { task_type: 'hello', task_config: { name: 'web' } },
    run: (_ctx, cfg) =>
      Promise.resolve({
        message: `Hello${cfg.name === undefined ? '' : ` ${cfg.name}`} from SecretFlow worker (TypeScript)`,
        worker: ex.workerName,
        timestamp: new Date().toISOString(),
      }),
  };
  const health: TaskDefinition<typeof healthSchema> = {
    taskType: 'health_check',
    description: 'Readiness: Redis reachability, cluster state, versions, registered task types.',
    schema: healthSchema,
    needsCluster: false,
    example: { task_type: 'health_check', task_config: {} },
    run: () => healthReport(ex, probes),
  };
  const defs: TaskDefinition[] = [hello, health, pipelineTask((t) => ex.registry.get(t))];
  if (diagnostic) {
    const diag: TaskDefinition<typeof diagnosticSchema> = {
      taskType: 'diagnostic',
      description: 'Test modes for integration tests (enabled by SFW_DIAGNOSTIC_TASKS=1): succeed, fail, retry, sleep, progress.',
      schema: diagnosticSchema,
      needsCluster: false,
      example: { task_type: 'diagnostic', task_config: { mode: 'succeed' } },
      run: (ctx, cfg) => runDiagnostic(ctx, cfg),
    };
    defs.push(diag);
  }
  return defs;
}

async function runDiagnostic(ctx: JobContext, cfg: z.output<typeof diagnosticSchema>): Promise<unknown> {
  switch (cfg.mode) {
    case 'succeed':
      return { ok: true, attempt: ctx.attempt, echo: cfg.echo ?? null };
    case 'fail':
      throw new TaskExecutionError('diagnostic failure requested');
    case 'retry':
      if (ctx.attempt < cfg.retry_times) throw new TaskExecutionError(`diagnostic retryable failure (attempt ${ctx.attempt})`, { retryable: true });
      return { ok: true, attempt: ctx.attempt };
    case 'sleep':
      await sleep(cfg.sleep_ms, undefined, { signal: ctx.signal });
      return { ok: true, slept_ms: cfg.sleep_ms };
    case 'sleep_ignore_signal':
      await sleep(cfg.sleep_ms);
      return { ok: true, slept_ms: cfg.sleep_ms };
    case 'progress':
      for (let i = 1; i <= 4; i++) {
        await sleep(cfg.sleep_ms / 4, undefined, { signal: ctx.signal });
        ctx.progress(i * 25, `step ${i}/4`, { step: i });
      }
      return { ok: true };
  }
}
