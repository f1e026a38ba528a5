// Public types shared by the worker and the client (docs/celery.md "API").

/** The subset of a pino logger this package uses (a pino child logger satisfies it). */
export interface CeleryLogger {
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  child(bindings: Record<string, unknown>): CeleryLogger;
}

export interface DeliveryInfo {
  exchange: string;
  routingKey: string;
  priority: number;
}

/** One task invocation as decoded from a protocol-v2 message. */
export interface TaskRequest {
  id: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  eta: string | null;
  expires: string | null;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  deliveryInfo: DeliveryInfo;
  headers: Record<string, unknown>;
}

export interface TaskRunContext {
  /** Aborted on the soft time limit (reason: SoftTimeLimitExceeded error), revoke-terminate or shutdown. */
  readonly signal: AbortSignal;
  readonly request: TaskRequest;
}

export type TerminateReason = 'hard-time-limit' | 'revoked' | 'shutdown';

export interface TaskHandler {
  run(req: TaskRequest, ctx: TaskRunContext): Promise<unknown>;
  /** Kill whatever the run started (threads, cluster); the worker stops waiting for `run` afterwards. */
  terminate?(req: TaskRequest, reason: TerminateReason): Promise<void>;
  maxRetries?: number;
  defaultRetryDelaySec?: number;
}

/** Lifecycle hooks of the worker (typed EventEmitter events). Listener exceptions are caught and logged. */
export interface CeleryWorkerEvents {
  'worker-ready': [];
  'worker-shutdown': [];
  'task-received': [req: TaskRequest];
  'task-prerun': [req: TaskRequest];
  'task-postrun': [req: TaskRequest, state: TaskState];
  'task-success': [req: TaskRequest, result: unknown, runtimeMs: number];
  'task-failure': [req: TaskRequest, err: unknown];
  'task-retry': [req: TaskRequest, err: unknown, etaIso: string];
  'task-revoked': [req: TaskRequest, reason: 'revoked' | 'terminated' | 'expired'];
}

/** Final or intermediate states the worker stores. */
export type TaskState = 'PENDING' | 'RECEIVED' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

/** The JSON exception payload Celery's result backend reads. */
export interface ExceptionPayload {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
}

/** The result meta stored at `celery-task-meta-<id>` (extended form). */
export interface ResultMeta {
  status: TaskState;
  result: unknown;
  traceback: string | null;
  children: unknown[];
  date_done: string | null;
  task_id: string;
  parent_id?: string | null;
  group_id?: string | null;
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
}
