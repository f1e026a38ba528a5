// The `pipeline` task type: steps of other task types run in order on one cluster, inside one
// beginTask/endTask, results collected per step. Every step's config is validated before any step
// runs, and a bad field is named with its full path (`task_config.steps.2.task_config.epochs`).
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { TaskDefinition } from './registry.ts';
import { scaledProgress } from './progress.ts';
import { ParameterValidationError, TaskExecutionError, toTaskError } from './errors.ts';

const stepInput = z.object({
  task_type: z.string().min(1),
  name: z.string().max(100).optional(),
  task_config: z.unknown().optional(),
});

/** Finds a task type a step names (the executor's own lookup: built-ins and its registry). */
export type TaskLookup = (taskType: string) => TaskDefinition | undefined;

/** The schema of a pipeline's `task_config` over the task types `lookup` knows. */
export function pipelineConfigSchema(lookup: TaskLookup) {
  return z
    .object({ steps: z.array(stepInput).min(1).max(50) })
    .strict()
    .transform((cfg, ctx) => {
      const steps: { task_type: string; name: string; def: TaskDefinition; config: unknown }[] = [];
      cfg.steps.forEach((s, i) => {
        const def = s.task_type === 'pipeline' ? undefined : lookup(s.task_type);
        if (def === undefined) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'task_type'], message: s.task_type === 'pipeline' ? 'pipelines do not nest' : 'unknown task type' });
          return;
        }
        const r = def.schema.safeParse(s.task_config ?? {});
        if (!r.success) {
          for (const issue of r.error.issues) {
            ctx.addIssue({ code: 'custom', path: ['steps', i, 'task_config', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: issue.message });
          }
          return;
        }
        steps.push({ task_type: s.task_type, name: s.name ?? `${i}:${s.task_type}`, def, config: r.data });
      });
      return steps;
    });
}

export interface PipelineStepResult {
  name: string;
  task_type: string;
  time_ms: number;
  result: unknown;
}

/** The `pipeline` task type; an executor built-in, since its steps are the executor's other task types. */
export function pipelineTask(lookup: TaskLookup): TaskDefinition<ReturnType<typeof pipelineConfigSchema>> {
  return {
    taskType: 'pipeline',
    description: 'Runs steps of other task types in order on one cluster (one beginTask/endTask); results per step.',
    schema: pipelineConfigSchema(lookup),
    // The full example (PSI -> SS-LR -> predict -> eval) is examples/pipeline.json at the repo root.
    nested: (steps) => steps.map((s, i) => ({ field: `steps.${i}.task_config`, def: s.def, config: s.config })),
    async run(ctx, steps) {
      const results: PipelineStepResult[] = [];
      for (const [i, step] of steps.entries()) {
        if (ctx.signal.aborted) throw new TaskExecutionError(`pipeline stopped before step ${i}`, { code: 'TASK_CANCELLED' });
        const t0 = performance.now();
        const log = ctx.log.child({ step: step.name });
        log.info('pipeline step started');
        let out: unknown;
        try {
          // Each step's files are resolved again now (an earlier step may have created them) and its
          // outputs are committed when the step succeeded, so the next step reads them.
          const files = await ctx.stageFiles(step.def, step.config, `steps.${i}.task_config`);
          try {
            out = await step.def.run(
              { ...ctx, log, files, progress: scaledProgress(ctx.progress, (100 * i) / steps.length, (100 * (i + 1)) / steps.length, step.name) },
              step.config,
            );
            await files.commit();
          } catch (err) {
            await files.discard();
            throw err;
          }
        } catch (err) {
          const e = toTaskError(err);
          if (e instanceof ParameterValidationError) underStep(e, `task_config.steps.${i}.task_config`);
          // Keep the step's own class, code and retryable flag; say which step failed and what finished.
          e.message = `pipeline step ${step.name}: ${e.message}`;
          e.details = { ...e.details, failed_step: step.name, completed_steps: results.map((r) => r.name) };
          throw e;
        }
        const ms = Math.round((performance.now() - t0) * 1000) / 1000;
        log.info({ ms }, 'pipeline step done');
        results.push({ name: step.name, task_type: step.task_type, time_ms: ms, result: out });
      }
      return { steps: results };
    },
  };
}

/**
 * A job names a bad field from its own config's point of view (`task_config.input_ds.alice`); inside
 * a pipeline that config is `task_config.steps.<i>.task_config`, so the field is re-rooted there (in
 * `details.fields`, the issues' paths and the message), as the pipeline's own validation names it.
 * Fields already under the step, or outside `task_config` (`spu_config`), are left as they are.
 */
function underStep(e: ParameterValidationError, step: string): void {
  const reroot = (f: string): string => (f.startsWith(step) || !(f === 'task_config' || f.startsWith('task_config.')) ? f : step + f.slice('task_config'.length));
  const fields = e.fields;
  if (fields.length === 0) return;
  for (const f of fields) {
    const to = reroot(f);
    if (to !== f) e.message = e.message.split(`${f}:`).join(`${to}:`);
  }
  const issues = e.details?.['issues'];
  e.details = {
    ...e.details,
    fields: fields.map(reroot),
    ...(Array.isArray(issues)
      ? { issues: issues.map((x: unknown) => (typeof x === 'object' && x !== null && typeof (x as { path?: unknown }).path === 'string' ? { ...x, path: reroot((x as { path: string }).path) } : x)) }
      : {}),
  };
}
