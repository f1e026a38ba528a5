// Wire schemas other than the envelope: the success result and the status event
// (published on a channel and pushed to a list by the worker). Exported as JSON Schema by the CLI.
import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import type { ErrorCode } from './errors.ts';
import { STAGES } from './metrics.ts';
import { taskEnvelopeSchema } from './envelope.ts';

const ms = z.number().nonnegative();

export const performanceMetricsSchema = z.object({
  total_time_ms: ms,
  validation_time_ms: ms,
  cluster_init_time_ms: ms,
  device_init_time_ms: ms,
  algorithm_time_ms: ms,
  cleanup_time_ms: ms,
  stage_ratios: z.object(Object.fromEntries(STAGES.map((s) => [s, z.number().min(0).max(1)])) as Record<(typeof STAGES)[number], z.ZodNumber>),
  cluster_reused: z.boolean(),
});

export const resultMetadataSchema = z
  .object({
    worker: z.string(),
    celery_task_id: z.string().nullable(),
    retries: z.number().int().nonnegative(),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime(),
    parties: z.array(z.string()),
    spu: z.object({ protocol: z.string(), field: z.string(), fxp_fraction_bits: z.number().int() }).nullable(),
    versions: z.record(z.string(), z.string()),
  })
  .loose();

export const taskResultSchema = z.object({
  task_request_id: z.string(),
  task_type: z.string(),
  result: z.unknown(),
  performance_metrics: performanceMetricsSchema,
  metadata: resultMetadataSchema,
});
export type TaskResult = z.infer<typeof taskResultSchema>;

export const TASK_STATUSES = ['RUNNING', 'PROGRESS', 'RETRY', 'SUCCESS', 'FAILURE'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export const statusEventSchema = z.object({
  event_id: z.string().min(1),
  task_request_id: z.string().nullable(),
  celery_task_id: z.string().nullable(),
  task_type: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  worker: z.string(),
  retries: z.number().int().nonnegative(),
  timestamp: z.iso.datetime({ offset: true }),
  progress: z
    .object({ percent: z.number().min(0).max(100), message: z.string().optional(), stage: z.string().optional() })
    .loose()
    .optional(),
  error: z
    .object({ code: z.union([z.enum(errorCodes), z.string()]), type: z.string(), message: z.string(), retryable: z.boolean().optional() })
    .optional(),
  /** RETRY only: when the next attempt is due. */
  retry_eta: z.string().optional(),
  /** SUCCESS only: small facts about the result (never result values). */
  result_summary: z
    .object({ total_time_ms: z.number().optional(), algorithm_time_ms: z.number().optional(), cluster_reused: z.boolean().optional() })
    .loose()
    .optional(),
});
export type StatusEvent = z.infer<typeof statusEventSchema>;

/** Every non-task schema as JSON Schema, keyed by file name stem. */
export function wireJsonSchemas(): Record<string, unknown> {
  const opts = { io: 'input', unrepresentable: 'any' } as const;
  return {
    envelope: z.toJSONSchema(taskEnvelopeSchema, opts),
    result: z.toJSONSchema(taskResultSchema, { ...opts, io: 'output' }),
    status_event: z.toJSONSchema(statusEventSchema, { ...opts, io: 'output' }),
  };
}
