// Status events, double delivery (ARCHITECTURE "Wire contracts"): each state change is PUBLISHed on
// a channel (live listeners) and LPUSHed onto a capped list (listeners that were not subscribed,
// audit). One script, atomic like a MULTI, so both carry the same event or neither does; one command
// per event instead of five keeps the per-task cost of the two events small. Publishing never
// throws into the Celery loop: a lost event is logged, the task outcome is still stored by Celery.
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@sfw/log';
import { SecretFlowTaskError, sanitizeMessage, statusEventSchema } from '@sfw/executor';
import type { StatusEvent, TaskStatus, ProgressUpdate } from '@sfw/executor';
import type { CeleryWorker, TaskRequest } from '@sfw/celery';

export interface NotifierOptions {
  channel: string;
  list: string;
  listMax: number;
  worker: string;
  logger: Logger;
}

/** KEYS[1] the list; ARGV[1] the channel, ARGV[2] the event JSON, ARGV[3] the list cap. */
const PUBLISH_EVENT = `redis.call('PUBLISH', ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
return 1`;
const PUBLISH_EVENT_SHA = createHash('sha1').update(PUBLISH_EVENT).digest('hex');

export class StatusNotifier {
  readonly #redis: () => Redis;
  readonly #o: NotifierOptions;

  /** `redis` may be a function: the connection is looked up when an event is sent (the Celery
   *  worker's command connection exists only once it has started). */
  constructor(redis: Redis | (() => Redis), opts: NotifierOptions) {
    this.#redis = typeof redis === 'function' ? redis : () => redis;
    this.#o = opts;
  }

  /** Builds an event for a Celery request (task_request_id and task_type read from its args). */
  event(req: TaskRequest, status: TaskStatus, extra: Partial<StatusEvent> = {}): StatusEvent {
    const { taskRequestId, taskType } = identify(req);
    return {
      event_id: randomUUID(),
      task_request_id: taskRequestId,
      celery_task_id: req.id,
      task_type: taskType,
      status,
      worker: this.#o.worker,
      retries: req.retries,
      timestamp: new Date().toISOString(),
      ...extra,
    };
  }

  async publish(event: StatusEvent): Promise<void> {
    const json = JSON.stringify(event);
    try {
      const { channel, list, listMax } = this.#o;
      const redis = this.#redis();
      try {
        await redis.evalsha(PUBLISH_EVENT_SHA, 1, list, channel, json, listMax);
      } catch (err) {
        // First event after a start or a SCRIPT FLUSH: the server does not know the script yet.
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        await redis.eval(PUBLISH_EVENT, 1, list, channel, json, listMax);
      }
    } catch (err) {
      this.#o.logger.error({ status: event.status, celeryTaskId: event.celery_task_id, errName: err instanceof Error ? err.name : 'error' }, 'status event not published');
    }
  }

  /** RUNNING / RETRY / SUCCESS / FAILURE from the Celery worker's lifecycle events. */
  attach(worker: CeleryWorker): void {
    const send = (e: StatusEvent): void => void this.publish(e);
    worker.on('task-prerun', (req) => send(this.event(req, 'RUNNING')));
    worker.on('task-retry', (req, err, eta) => send(this.event(req, 'RETRY', { error: eventError(err), retry_eta: eta })));
    worker.on('task-success', (req, result) => send(this.event(req, 'SUCCESS', summary(result))));
    worker.on('task-failure', (req, err) => send(this.event(req, 'FAILURE', { error: eventError(err) })));
    worker.on('task-revoked', (req, reason) =>
      send(this.event(req, 'FAILURE', { error: { code: reason === 'expired' ? 'TASK_EXPIRED' : 'TASK_CANCELLED', type: 'TaskRevokedError', message: `task ${reason}` } })),
    );
  }

  progress(req: TaskRequest, p: ProgressUpdate): void {
    const progress: NonNullable<StatusEvent['progress']> = { percent: p.percent, ...p.extra };
    if (p.message !== undefined) progress.message = p.message;
    void this.publish(this.event(req, 'PROGRESS', { progress }));
  }
}

/** execute_task(task_request_id, task_params) -> ids for events; hello/health_check are their own type. */
export function identify(req: TaskRequest): { taskRequestId: string | null; taskType: string | null } {
  const short = req.name.replace(/^tasks\.secretflow\./, '');
  if (short !== 'execute_task') return { taskRequestId: null, taskType: short };
  const id = req.args[0] ?? req.kwargs['task_request_id'];
  const params = req.args[1] ?? req.kwargs['task_params'];
  const type = typeof params === 'object' && params !== null ? (params as { task_type?: unknown }).task_type : undefined;
  return { taskRequestId: typeof id === 'string' ? id.slice(0, 256) : null, taskType: typeof type === 'string' ? type.slice(0, 128) : null };
}

const CELERY_CODES: Record<string, string> = {
  SoftTimeLimitExceeded: 'TASK_TIMEOUT',
  TimeLimitExceeded: 'TASK_TIMEOUT',
  TaskRevokedError: 'TASK_CANCELLED',
  MaxRetriesExceededError: 'TASK_ERROR',
};

export function eventError(err: unknown): NonNullable<StatusEvent['error']> {
  if (err instanceof SecretFlowTaskError) return { code: err.code, type: err.name, message: sanitizeMessage(err.message), retryable: err.retryable };
  const name = err instanceof Error ? err.name : 'Error';
  return { code: CELERY_CODES[name] ?? 'TASK_ERROR', type: name, message: sanitizeMessage(err instanceof Error ? err.message : 'task failed') };
}

function summary(result: unknown): Partial<StatusEvent> {
  const pm = (result as { performance_metrics?: { total_time_ms?: unknown; algorithm_time_ms?: unknown; cluster_reused?: unknown } } | null)?.performance_metrics;
  if (typeof pm !== 'object') return {};
  const s: NonNullable<StatusEvent['result_summary']> = {};
  if (typeof pm.total_time_ms === 'number') s.total_time_ms = pm.total_time_ms;
  if (typeof pm.algorithm_time_ms === 'number') s.algorithm_time_ms = pm.algorithm_time_ms;
  if (typeof pm.cluster_reused === 'boolean') s.cluster_reused = pm.cluster_reused;
  return { result_summary: s };
}

export { statusEventSchema };
