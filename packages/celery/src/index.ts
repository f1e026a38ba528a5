// @sfw/celery: Celery protocol v2 (JSON) over ioredis. See docs/celery.md.
export { CeleryWorker } from './worker.ts';
export type { CeleryWorkerEvents } from './worker.ts';
export { WORKER_DEFAULTS, resolveWorkerOptions } from './options.ts';
export type { CeleryWorkerOptions, ResolvedWorkerOptions } from './options.ts';
export { CeleryClient, AsyncResult, CeleryResultError, CeleryTimeoutError } from './client.ts';
export type { SendTaskOptions } from './client.ts';
export { CeleryTaskError, exceptionPayload } from './errors.ts';
export { keyBuilder, priorityStep, dbOfUrl } from './keys.ts';
export type { KeyBuilder } from './keys.ts';
export { pyIsoUtc, parseIsoMs } from './time.ts';
export { redactUrl, redactRedisUrl } from './redact.ts';
export type { SlotReport, WorkerHealth } from './health.ts';
export type {
  CeleryLogger, DeliveryInfo, TaskRequest, TaskRunContext, TaskHandler, TerminateReason, TaskState,
  ExceptionPayload, ResultMeta,
} from './types.ts';
