// The Redis result backend as Celery 5.2.6 writes it (docs/celery-wire.md "Results"): key
// `celery-task-meta-<id>`, extended meta, SETEX + PUBLISH on the key's channel, SUCCESS never overwritten.
// `finish` records an outcome and acks the message in one script (see scripts.ts FINISH).
import type { Scripts } from './scripts.ts';
import type { KeyBuilder } from './keys.ts';
import { pyIsoUtc } from './time.ts';
import type { ExceptionPayload, ResultMeta, TaskRequest, TaskState } from './types.ts';

export interface MetaContext {
  hostname: string;
  /** Name/args for a request that could not be decoded fully. */
  request: Pick<TaskRequest, 'id'> & Partial<TaskRequest>;
}

export function buildMeta(status: TaskState, result: unknown, traceback: string | null, ctx: MetaContext): ResultMeta {
  const r = ctx.request;
  const ready = status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED';
  const meta: ResultMeta = {
    status,
    result: result === undefined ? null : result,
    traceback,
    children: [],
    date_done: ready ? pyIsoUtc() : null,
    task_id: r.id,
  };
  if (r.parentId) meta.parent_id = r.parentId;
  if (r.groupId) meta.group_id = r.groupId;
  // result_extended fields (harmless to a reader that does not ask for them).
  if (r.name) meta.name = r.name;
  meta.args = r.args ?? [];
  meta.kwargs = r.kwargs ?? {};
  meta.worker = ctx.hostname;
  meta.retries = r.retries ?? 0;
  if (r.deliveryInfo) meta.queue = r.deliveryInfo.routingKey;
  return meta;
}

export const successMeta = (ctx: MetaContext, result: unknown): ResultMeta => buildMeta('SUCCESS', result, null, ctx);
export const failureMeta = (ctx: MetaContext, exc: ExceptionPayload, tb: string): ResultMeta => buildMeta('FAILURE', exc, tb, ctx);
export const retryMeta = (ctx: MetaContext, exc: ExceptionPayload, tb: string): ResultMeta => buildMeta('RETRY', exc, tb, ctx);
export const revokedMeta = (ctx: MetaContext, exc: ExceptionPayload): ResultMeta => buildMeta('REVOKED', exc, null, ctx);

export class ResultBackend {
  constructor(
    private readonly scripts: Scripts,
    private readonly keys: KeyBuilder,
    private readonly expiresSec: number,
  ) {}

  /** Store `meta` (null = store nothing) and ack `tag`; with `retry`, LPUSH the retry message first.
   *  Returns whether the meta was written (false when SUCCESS was already stored). */
  async finish(meta: ResultMeta | null, tag: string, retry?: { list: string; message: string }): Promise<boolean> {
    return this.finishSerialized(meta ? { taskId: meta.task_id, json: JSON.stringify(meta) } : null, tag, retry);
  }

  /** As `finish`, with the meta already serialized (the caller had to serialize it anyway). */
  async finishSerialized(meta: { taskId: string; json: string } | null, tag: string, retry?: { list: string; message: string }): Promise<boolean> {
    const keys = [meta ? this.keys.meta(meta.taskId) : this.keys.unacked, this.keys.unacked, this.keys.unackedIndex, retry?.list ?? this.keys.unacked];
    const r = (await this.scripts.run('FINISH', keys, [meta ? meta.json : '', Math.max(0, Math.floor(this.expiresSec)), tag, retry?.message ?? ''])) as [number, number];
    return r[0] === 1;
  }

  /** Store without acking (no message to ack). */
  async store(meta: ResultMeta): Promise<boolean> {
    const n = await this.scripts.run('STORE_RESULT', [this.keys.meta(meta.task_id)], [JSON.stringify(meta), Math.max(0, Math.floor(this.expiresSec))]);
    return n === 1;
  }
}
