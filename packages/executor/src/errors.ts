// The task error hierarchy of the design. One base class, a code from one `as const` table (tRPC's
// habit), a retryable flag the Celery worker reads (`retryable === true` => retried), and the
// Celery FAILURE payload (`excType` / `excModule` / `excArgs`, celery-protocol.md §3).
//
// Messages are written by this code and carry no data values; messages taken from foreign errors
// (runtime, jobs, Node) go through `sanitizeMessage` before they reach a result or an event.
import { redactSecrets } from '@sfw/log';

export const ERROR_CODES = {
  TASK_ERROR: { retryable: false },
  CLUSTER_INIT_FAILED: { retryable: true },
  CLUSTER_MODE_UNSUPPORTED: { retryable: false },
  DEVICE_INIT_FAILED: { retryable: true },
  TASK_EXECUTION_FAILED: { retryable: false },
  TASK_TIMEOUT: { retryable: false },
  TASK_CANCELLED: { retryable: false },
  TASK_RESOURCE_LIMIT: { retryable: false },
  PARAMETER_INVALID: { retryable: false },
  UNKNOWN_TASK_TYPE: { retryable: false },
  RESULT_SAVE_FAILED: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Python side: `exc_module` is not importable there, so Celery 5 builds a dynamic
 * `celery.exceptions.<excType>` subclass of Exception and raises it with `excArgs`
 * = `[message, code]` (verified behaviour in celery-protocol.md §3).
 */
export const PY_EXC_MODULE = 'secretflow_worker.errors';

export interface TaskErrorOptions {
  code?: ErrorCode;
  retryable?: boolean;
  cause?: unknown;
  /** Safe, non-data context (field paths, party names, stage). Goes into the result's error detail. */
  details?: Record<string, unknown>;
}

export class SecretFlowTaskError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  details: Record<string, unknown> | undefined;
  /** Celery FAILURE payload fields read by @sfw/celery. */
  readonly excModule = PY_EXC_MODULE;

  constructor(message: string, opts: TaskErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code ?? new.target.defaultCode;
    this.retryable = opts.retryable ?? ERROR_CODES[this.code].retryable;
    this.details = opts.details;
  }

  static readonly defaultCode: ErrorCode = 'TASK_ERROR';

  get excType(): string {
    return this.name;
  }

  get excArgs(): unknown[] {
    return [this.message, this.code];
  }

  /** The error as it appears in a result, an event or a log line (never the stack unless debug). */
  toJSON(debug = false): SerializedTaskError {
    return serializeError(this, debug);
  }
}

export class ClusterInitializationError extends SecretFlowTaskError {
  static override readonly defaultCode: ErrorCode = 'CLUSTER_INIT_FAILED';
}
export class DeviceInitializationError extends SecretFlowTaskError {
  static override readonly defaultCode: ErrorCode = 'DEVICE_INIT_FAILED';
}
export class TaskExecutionError extends SecretFlowTaskError {
  static override readonly defaultCode: ErrorCode = 'TASK_EXECUTION_FAILED';
}
export class ParameterValidationError extends SecretFlowTaskError {
  static override readonly defaultCode: ErrorCode = 'PARAMETER_INVALID';
  /** Field paths that failed, e.g. `task_config.steps.1.task_config.epochs`. */
  get fields(): string[] {
    const f = this.details?.['fields'];
    return Array.isArray(f) ? f.map(String) : [];
  }
}
export class ResultSaveError extends SecretFlowTaskError {
  static override readonly defaultCode: ErrorCode = 'RESULT_SAVE_FAILED';
}

export interface SerializedTaskError {
  code: ErrorCode;
  type: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
  stack?: string;
}

export function serializeError(err: SecretFlowTaskError, debug = false): SerializedTaskError {
  const out: SerializedTaskError = { code: err.code, type: err.name, message: sanitizeMessage(err.message), retryable: err.retryable };
  if (err.details !== undefined) out.details = err.details;
  if (debug && err.stack !== undefined) out.stack = sanitizeMessage(err.stack, 8000);
  return out;
}

const FLOAT = /[-+]?\b\d+\.\d+(?:e[-+]?\d+)?\b/gi;
const LONG_INT = /[-+]?\b\d{7,}\b/g;
const NUMBER_LIST = /\[\s*[-+\d.eE]+(?:\s*,\s*[-+\d.eE]+)+\s*\]/g;
const HEX_BLOB = /\b(?:0x)?[0-9a-f]{16,}\b/gi;
const BASE64_BLOB = /\b[A-Za-z0-9+/]{32,}={0,2}/g;

/**
 * Strips what could be data from a foreign error message: URL credentials and secret assignments,
 * lists of numbers, decimals, long integers, hex / base64 blobs (shares, seeds, keys); then truncates.
 * Small integers stay (counts, ranks, row indices are useful and not data values).
 */
export function sanitizeMessage(message: string, maxLen = 500): string {
  const cleaned = redactSecrets(message)
    .replace(NUMBER_LIST, '[<numbers>]')
    .replace(HEX_BLOB, '<hex>')
    .replace(BASE64_BLOB, '<blob>')
    .replace(FLOAT, '<num>')
    .replace(LONG_INT, '<num>');
  return cleaned.length > maxLen ? `${cleaned.slice(0, maxLen)}…` : cleaned;
}

/** Anything thrown -> a SecretFlowTaskError; foreign errors become `fallback` with a sanitized message. */
export function toTaskError(
  err: unknown,
  fallback: new (message: string, opts?: TaskErrorOptions) => SecretFlowTaskError = TaskExecutionError,
  context?: string,
): SecretFlowTaskError {
  if (err instanceof SecretFlowTaskError) return err;
  const name = err instanceof Error ? err.name : typeof err;
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : 'non-error thrown';
  const prefix = context === undefined ? '' : `${context}: `;
  // A foreign error that declares itself retryable (e.g. a dropped Redis connection) keeps that flag.
  const retryable = typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true ? true : undefined;
  return new fallback(`${prefix}${name}: ${sanitizeMessage(raw)}`, retryable === undefined ? { cause: err } : { cause: err, retryable });
}
