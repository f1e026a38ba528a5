// A TypeScript producer: publish protocol-v2 messages exactly as Python's send_task does, read
// results from the Redis backend (GET, then the key's pub/sub channel), revoke over the pidbox.
// Message, result and pidbox layouts: docs/celery-wire.md.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { dbOfUrl, keyBuilder, SEP } from './keys.ts';
import type { KeyBuilder } from './keys.ts';
import { encodeTaskMessage } from './message.ts';
import { pyIsoUtc } from './time.ts';
import type { ExceptionPayload, ResultMeta, TaskState } from './types.ts';

export interface SendTaskOptions {
  queue?: string;
  kwargs?: Record<string, unknown>;
  countdownSec?: number;
  eta?: Date | string;
  /** Seconds from now, or an absolute time. */
  expires?: number | Date | string;
  priority?: number;
  id?: string;
  /** [hard, soft] seconds overriding the worker's limits for this call. */
  timelimit?: [number | null, number | null];
  /** Follow every status meta (RETRY, SUCCESS, ...) from before the publish, as Python's client
   *  subscribes before LPUSH; the subscription ends at the first ready state. */
  onMessage?: MetaListener;
}

/** FAILURE or REVOKED, as the Python client would raise it. */
export class CeleryResultError extends Error {
  constructor(
    readonly taskId: string,
    readonly state: 'FAILURE' | 'REVOKED',
    readonly excType: string,
    readonly excModule: string,
    readonly excArgs: unknown[],
    readonly traceback: string | null,
  ) {
    super(`${excModule}.${excType}: ${excArgs.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ')}`);
    this.name = 'CeleryResultError';
  }
}

export class CeleryTimeoutError extends Error {
  constructor(readonly taskId: string, timeoutMs: number) {
    super(`no result for task ${taskId} within ${timeoutMs} ms`);
    this.name = 'CeleryTimeoutError';
  }
}

const READY = new Set<TaskState>(['SUCCESS', 'FAILURE', 'REVOKED']);
type MetaListener = (meta: ResultMeta) => void;

function toIso(v: Date | string): string {
  return typeof v === 'string' ? v : pyIsoUtc(v.getTime());
}

export class CeleryClient {
  readonly #url: string;
  readonly #keys: KeyBuilder;
  readonly #origin = `gen${process.pid}@${hostname()}`;
  #cmd: Redis | undefined;
  #sub: Redis | undefined;
  readonly #listeners = new Map<string, Set<MetaListener>>();

  constructor(opts: { redisUrl: string; keyPrefix?: string }) {
    this.#url = opts.redisUrl;
    this.#keys = keyBuilder(dbOfUrl(opts.redisUrl), opts.keyPrefix ?? '');
  }

  get redis(): Redis {
    this.#cmd ??= new Redis(this.#url, { maxRetriesPerRequest: 3, connectionName: 'sfw-celery-client' });
    return this.#cmd;
  }

  async sendTask(name: string, args: unknown[], opts: SendTaskOptions = {}): Promise<AsyncResult> {
    const id = opts.id ?? randomUUID();
    const queue = opts.queue ?? 'celery';
    let eta: string | null = null;
    if (opts.eta !== undefined) eta = toIso(opts.eta);
    else if (opts.countdownSec !== undefined) eta = pyIsoUtc(Date.now() + opts.countdownSec * 1000);
    let expires: string | null = null;
    if (typeof opts.expires === 'number') expires = pyIsoUtc(Date.now() + opts.expires * 1000);
    else if (opts.expires !== undefined) expires = toIso(opts.expires);
    const env = encodeTaskMessage({
      id, name, args, kwargs: opts.kwargs ?? {}, queue, eta, expires, origin: this.#origin,
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      ...(opts.timelimit ? { timelimit: opts.timelimit } : {}),
    });
    if (opts.onMessage) {
      const listener = opts.onMessage;
      const sub: { off?: () => Promise<void>; ended: boolean } = { ended: false };
      sub.off = await this.follow(id, (m) => {
        listener(m);
        if (READY.has(m.status)) {
          sub.ended = true;
          sub.off?.().catch(() => undefined);
        }
      });
      if (sub.ended) await sub.off();
    }
    const r = this.redis;
    await r
      .multi()
      // The binding a Python producer declares for the default exchange (restorers look it up).
      .sadd(this.#keys.binding(queue), `${queue}${SEP}${SEP}${queue}`)
      .lpush(this.#keys.queue(queue, opts.priority), JSON.stringify(env))
      .exec();
    return new AsyncResult(this, id);
  }

  asyncResult(id: string): AsyncResult {
    return new AsyncResult(this, id);
  }

  /** The stored meta, or null (PENDING). */
  async meta(id: string): Promise<ResultMeta | null> {
    const raw = await this.redis.get(this.#keys.meta(id));
    return raw === null ? null : (JSON.parse(raw) as ResultMeta);
  }

  /** Follow every meta published for `id` (RETRY, SUCCESS...). Returns an unsubscribe function. */
  async follow(id: string, listener: MetaListener): Promise<() => Promise<void>> {
    const channel = this.#keys.meta(id);
    if (!this.#sub) {
      this.#sub = new Redis(this.#url, { maxRetriesPerRequest: 3, connectionName: 'sfw-celery-client-sub' });
      this.#sub.on('message', (ch: string, raw: string) => {
        let meta: ResultMeta;
        try {
          meta = JSON.parse(raw) as ResultMeta;
        } catch {
          return;
        }
        for (const l of this.#listeners.get(ch) ?? []) l(meta);
      });
    }
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      await this.#sub.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const s = this.#listeners.get(channel);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) {
        this.#listeners.delete(channel);
        await this.#sub?.unsubscribe(channel);
      }
    };
  }

  /** Broadcast `revoke` on the pidbox (no reply collected). */
  async revoke(ids: string | string[], opts: { terminate?: boolean } = {}): Promise<void> {
    const body = {
      method: 'revoke',
      arguments: { task_id: ids, terminate: opts.terminate ?? false, signal: 'SIGTERM' },
      destination: null, pattern: null, matcher: null,
    };
    const env = {
      body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: 1, expires: Date.now() / 1000 + 1 },
      properties: { delivery_mode: 2, delivery_info: { exchange: 'celery.pidbox', routing_key: '' }, priority: 0, body_encoding: 'base64', delivery_tag: randomUUID() },
    };
    await this.redis.publish(this.#keys.pidboxChannel, JSON.stringify(env));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#cmd?.quit(), this.#sub?.quit()]);
    this.#cmd = undefined;
    this.#sub = undefined;
    this.#listeners.clear();
  }
}

export class AsyncResult {
  constructor(
    private readonly client: CeleryClient,
    readonly id: string,
  ) {}

  async state(): Promise<TaskState> {
    return (await this.client.meta(this.id))?.status ?? 'PENDING';
  }

  /** Wait for a ready state. Resolves with the result on SUCCESS; rejects with CeleryResultError on
   *  FAILURE/REVOKED and CeleryTimeoutError after `timeoutMs` (default 60 s). `onMessage` sees every meta. */
  async get(opts: { timeoutMs?: number; onMessage?: MetaListener } = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let settle!: (m: ResultMeta) => void;
    const ready = new Promise<ResultMeta>((r) => (settle = r));
    // Subscribe first, then GET: a result written in between is seen by one or the other.
    const off = await this.client.follow(this.id, (m) => {
      opts.onMessage?.(m);
      if (READY.has(m.status)) settle(m);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const now = await this.client.meta(this.id);
      if (now && READY.has(now.status)) settle(now);
      const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new CeleryTimeoutError(this.id, timeoutMs)), timeoutMs)));
      const meta = await Promise.race([ready, timeout]);
      if (meta.status === 'SUCCESS') return meta.result;
      const exc = (meta.result ?? {}) as Partial<ExceptionPayload>;
      throw new CeleryResultError(this.id, meta.status as 'FAILURE' | 'REVOKED', exc.exc_type ?? 'Exception', exc.exc_module ?? 'builtins', exc.exc_message ?? [], meta.traceback);
    } finally {
      clearTimeout(timer);
      await off();
    }
  }

  revoke(opts: { terminate?: boolean } = {}): Promise<void> {
    return this.client.revoke(this.id, opts);
  }
}
