// The consumer: BRPOP with a bounded prefetch window, kombu ack emulation, acks_late (ack only after
// the outcome is stored), retries, ETA/expires, soft/hard time limits, revoke, events, warm shutdown.
// Wire details: reference/celery-protocol.md; design notes: docs/celery.md.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname as osHostname } from 'node:os';
import { Redis } from 'ioredis';
import { ControlHandler } from './control.ts';
import type { ControlTarget } from './control.ts';
import { CeleryTaskError, countdownOf, exceptionPayload, excRepr, isRetryable, softTimeLimitExceeded, taskRevoked, timeLimitExceeded, tracebackOf } from './errors.ts';
import { EventDispatcher } from './events.ts';
import { dbOfUrl, keyBuilder } from './keys.ts';
import type { KeyBuilder } from './keys.ts';
import { decodeTaskMessage, deliveryTagOf, retryEnvelope, safeRepr } from './message.ts';
import type { Envelope, Rejected } from './message.ts';
import { resolveWorkerOptions } from './options.ts';
import type { CeleryWorkerOptions, ResolvedWorkerOptions } from './options.ts';
import { Qos } from './qos.ts';
import { ResultBackend } from './results.ts';
import { failureMeta, retryMeta, revokedMeta, successMeta } from './results.ts';
import type { MetaContext } from './results.ts';
import { Scripts } from './scripts.ts';
import { LongTimer, parseIsoMs, pyIsoUtc } from './time.ts';
import type { CeleryLogger, TaskHandler, TaskRequest, TaskState, TerminateReason } from './types.ts';

/** Lifecycle hooks (typed EventEmitter events). Listener exceptions are caught and logged. */
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

type Outcome = { kind: 'ok'; value: unknown } | { kind: 'err'; error: unknown } | { kind: 'terminated'; reason: TerminateReason };

/** One message this worker holds (delivered, not yet acked). */
interface Held {
  tag: string;
  req: TaskRequest;
  /** The unacked entry write (never rejects; errors are logged). Not awaited before FINISH: both go
   *  over the command connection in order (scripts are preloaded, so each is one EVALSHA written at
   *  call time), which saves a wake-up per task. If Redis lost its script cache (NOSCRIPT -> EVAL
   *  fallback) the order could flip: the entry would then outlive the ack and the task run twice
   *  after a restore; never lost. */
  delivered: Promise<void>;
  envelope: Envelope;
  state: 'eta' | 'ready' | 'running';
  timer?: LongTimer;
  finish?: ((o: Outcome) => void) | undefined;
  controller?: AbortController;
  done?: Promise<void>;
}

/** Celery keeps 50,000 revoked ids for 3 h. */
const REVOKED_MAX = 50_000;
const REVOKED_TTL_MS = 3 * 3600 * 1000;

export class CeleryWorker extends EventEmitter<CeleryWorkerEvents> {
  readonly options: ResolvedWorkerOptions;
  readonly #log: CeleryLogger;
  readonly #keys: KeyBuilder;
  readonly #handlers = new Map<string, TaskHandler>();
  readonly #held = new Map<string, Held>();
  readonly #running = new Map<string, Held>();
  readonly #ready: Held[] = [];
  readonly #revoked = new Map<string, number>();
  readonly #origin: string;
  #redis!: Redis;
  #blocking!: Redis;
  #sub!: Redis;
  #scripts!: Scripts;
  #popScripts!: Scripts;
  #qos!: Qos;
  #results!: ResultBackend;
  #events!: EventDispatcher;
  #control!: ControlHandler;
  #window = 0;
  #executing = 0;
  #processed = 0;
  #started = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wakeLoop: (() => void) | undefined;
  #intervals: NodeJS.Timeout[] = [];
  #stopped: Promise<void> | undefined;

  constructor(opts: CeleryWorkerOptions) {
    super();
    this.options = resolveWorkerOptions(opts);
    this.#log = this.options.logger.child({ component: 'celery', worker: this.options.hostname });
    this.#keys = keyBuilder(dbOfUrl(this.options.redisUrl), this.options.keyPrefix);
    this.#origin = `gen${process.pid}@${osHostname()}`;
  }

  register(name: string, handler: TaskHandler): void {
    if (this.#handlers.has(name)) throw new Error(`task ${name} is already registered`);
    this.#handlers.set(name, handler);
  }

  /** Tasks currently executing / held (for health checks). */
  get stats(): { executing: number; held: number; processed: number } {
    return { executing: this.#executing, held: this.#held.size, processed: this.#processed };
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('CeleryWorker.start() called twice');
    this.#started = true;
    const o = this.options;
    // Three connections: BRPOP blocks its socket, SUBSCRIBE puts its socket in pub/sub mode.
    const mk = (name: string): Redis => {
      const r = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: `sfw-celery-${name}` });
      r.on('error', (err: Error) => this.#log.warn({ conn: name, err: err.message }, 'redis connection error'));
      return r;
    };
    this.#redis = mk('cmd');
    this.#blocking = mk('brpop');
    this.#sub = mk('sub');
    await Promise.all([this.#redis.connect(), this.#blocking.connect(), this.#sub.connect()]);
    this.#scripts = new Scripts(this.#redis);
    await this.#scripts.preload();
    this.#popScripts = new Scripts(this.#blocking);
    await this.#popScripts.preload();
    this.#qos = new Qos(this.#redis, this.#scripts, this.#keys, this.#log, o.visibilityTimeoutSec);
    this.#results = new ResultBackend(this.#scripts, this.#keys, o.resultExpiresSec);
    this.#events = new EventDispatcher(this.#redis, this.#keys, o.hostname, o.sendTaskEvents, (err) => this.#logErr('event publish failed', err));
    const target: ControlTarget = {
      hostname: o.hostname,
      revoke: (ids, terminate) => this.#revoke(ids, terminate),
      setTaskEvents: (on) => {
        this.#events.taskEventsEnabled = on;
      },
      clock: () => this.#events.tick(),
    };
    this.#control = new ControlHandler(this.#redis, this.#keys, target);
    this.#sub.on('message', (_channel: string, raw: string) => {
      this.#control.handle(raw).catch((err: unknown) => this.#logErr('control command failed', err));
    });
    await this.#sub.subscribe(this.#keys.pidboxChannel);

    // Restore what dead consumers left behind, then keep doing it (kombu: at start and ~every 100 s).
    await this.#restoreRound();
    this.#every(o.restoreIntervalSec, () => this.#restoreRound());
    this.#every(o.leaseRenewSec, () => this.#qos.renew([...this.#held.keys()]));
    this.#every(o.heartbeatSec, async () => {
      this.#events.send('worker-heartbeat', this.#events.workerFields(this.#executing, this.#processed, o.heartbeatSec));
    });
    this.#events.send('worker-online', this.#events.workerFields(0, 0, o.heartbeatSec));
    this.#loop = this.#consumeLoop();
    this.#log.info({ queues: o.queues, concurrency: o.concurrency }, 'celery worker ready');
    this.#hook('worker-ready');
  }

  /** Warm shutdown: stop consuming, put held messages back, let running tasks finish within the grace
   *  period, then terminate the rest and put them back too. Idempotent. */
  stop(opts: { graceSec?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(opts.graceSec ?? this.options.shutdownGraceSec);
    return this.#stopped;
  }

  async #shutdown(graceSec: number): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    for (const t of this.#intervals) clearInterval(t);
    this.#wakeLoop?.();
    await this.#loop;
    // Not yet running (ETA-held or waiting for a slot): restore at once, as Celery does on SIGTERM.
    const waiting = [...this.#held.values()].filter((h) => h.state !== 'running');
    for (const h of waiting) {
      h.timer?.cancel();
      this.#held.delete(h.tag);
    }
    this.#ready.length = 0;
    if (waiting.length > 0) {
      const n = await this.#qos.restoreTags(waiting.map((h) => h.tag)).catch((err: unknown) => {
        this.#logErr('restore on shutdown failed', err);
        return 0;
      });
      this.#log.info({ restored: n }, 'restored unacknowledged messages');
    }
    const running = [...this.#running.values()];
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, graceSec * 1000)));
      await Promise.race([Promise.all(running.map((h) => h.done)), grace]);
      clearTimeout(timer);
      const left = [...this.#running.values()];
      for (const h of left) this.#terminate(h, 'shutdown');
      await Promise.all(left.map((h) => h.done));
    }
    this.#events.send('worker-offline', this.#events.workerFields(0, this.#processed, this.options.heartbeatSec));
    this.#hook('worker-shutdown');
    await Promise.allSettled([this.#redis.quit(), this.#blocking.quit(), this.#sub.quit()]);
    this.#log.info({ processed: this.#processed }, 'celery worker stopped');
  }

  // ---- consuming -------------------------------------------------------------------------------

  async #consumeLoop(): Promise<void> {
    const o = this.options;
    const keys = this.#keys.brpopKeys(o.queues);
    const windowSize = o.concurrency * o.prefetchMultiplier;
    while (!this.#stopping) {
      if (this.#window >= windowSize) {
        await new Promise<void>((r) => (this.#wakeLoop = r));
        this.#wakeLoop = undefined;
        continue;
      }
      let popped: [string, string] | null;
      try {
        // 1 s timeout: bounds how long stop() waits; the socket is never cut mid-pop (that could lose a message).
        popped = await this.#blocking.brpop(...keys, 1);
      } catch (err) {
        if (this.#stopping) break;
        this.#logErr('BRPOP failed; retrying in 1 s', err);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (!popped) continue;
      await this.#take(popped[0], popped[1]);
      // Drain what else is waiting, up to the window, one round trip per batch.
      while (!this.#stopping && this.#window < windowSize) {
        let batch: string[];
        try {
          batch = (await this.#popScripts.run('POP_MANY', keys, [windowSize - this.#window])) as string[];
        } catch (err) {
          this.#logErr('POP_MANY failed', err);
          break;
        }
        if (batch.length === 0) break;
        for (let i = 0; i + 1 < batch.length; i += 2) await this.#take(batch[i] as string, batch[i + 1] as string);
      }
    }
  }

  async #take(key: string, raw: string): Promise<void> {
    this.#window++;
    try {
      await this.#receive(key, raw);
    } catch (err) {
      this.#logErr('failed to receive a message', err);
    }
  }

  #release(h: Held | null): void {
    if (h) this.#held.delete(h.tag);
    this.#window = Math.max(0, this.#window - 1);
    this.#wakeLoop?.();
  }

  async #receive(key: string, raw: string): Promise<void> {
    const queue = this.#keys.queueOfKey(key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // Not JSON: no id, no delivery tag, cannot be recorded in `unacked`. Park it and move on.
      this.#log.warn({ queue, bytes: raw.length }, 'dropping a message that is not JSON to the dead-letter list');
      await this.#redis.lpush(this.#keys.deadLetter(queue), raw);
      this.#release(null);
      return;
    }
    const tag = deliveryTagOf(parsed) ?? `sfw-${randomUUID()}`;
    const di = (parsed as { properties?: { delivery_info?: { exchange?: unknown } } }).properties?.delivery_info;
    // Not awaited here: commands on one connection run in order, so the entry exists before the
    // FINISH script that acks it; meanwhile the loop can pop the next message.
    const delivered = this.#qos.deliver(tag, raw, typeof di?.exchange === 'string' ? di.exchange : '', queue).catch((err: unknown) => this.#logErr('failed to record the unacked entry', err));

    const dec = decodeTaskMessage(raw, queue, { maxMessageBytes: this.options.maxMessageBytes }, parsed);
    if (!dec.ok) {
      await delivered;
      await this.#rejectMessage(tag, raw, queue, dec);
      return;
    }
    const { request: req, envelope } = dec;
    const held: Held = { tag, req, envelope, state: 'ready', delivered };
    this.#held.set(tag, held);
    if (!this.#handlers.has(req.name)) {
      this.#log.warn({ taskId: req.id, task: req.name.slice(0, 200) }, 'received an unregistered task');
      const err = new CeleryTaskError('NotRegistered', 'celery.exceptions', [req.name]);
      await this.#finishFailure(held, err, 'failed to record NotRegistered');
      return;
    }
    if (await this.#revokedOrExpired(held)) return;
    this.#hook('task-received', req);
    this.#events.send('task-received', {
      uuid: req.id,
      name: req.name,
      args: typeof req.headers.argsrepr === 'string' ? req.headers.argsrepr : safeRepr(req.args),
      kwargs: typeof req.headers.kwargsrepr === 'string' ? req.headers.kwargsrepr : safeRepr(req.kwargs),
      root_id: req.rootId,
      parent_id: req.parentId,
      retries: req.retries,
      eta: req.eta,
      expires: req.expires,
    });
    const etaMs = parseIsoMs(req.eta);
    if (etaMs !== null && etaMs > Date.now()) {
      // ETA-held messages stay in `unacked` but leave the prefetch window (Celery's increment_eventually).
      held.state = 'eta';
      this.#window = Math.max(0, this.#window - 1);
      this.#wakeLoop?.();
      held.timer = new LongTimer(etaMs, () => {
        if (this.#stopping || !this.#held.has(tag)) return;
        held.state = 'ready';
        this.#window++;
        this.#ready.push(held);
        this.#pump();
      });
      return;
    }
    this.#ready.push(held);
    this.#pump();
  }

  /** A message that cannot become a request: FAILURE under its id if it has one, else dead-letter. Then ack. */
  async #rejectMessage(tag: string, raw: string, queue: string, dec: Rejected): Promise<void> {
    this.#log.warn({ taskId: dec.taskId, queue, excType: dec.excType, reason: dec.reason }, 'rejected a malformed task message');
    if (dec.taskId) {
      const req: TaskRequest = {
        id: dec.taskId,
        name: dec.taskName ?? '',
        args: [],
        kwargs: {},
        retries: 0,
        eta: null,
        expires: null,
        rootId: dec.taskId,
        parentId: null,
        groupId: null,
        deliveryInfo: { exchange: '', routingKey: queue, priority: 0 },
        headers: dec.envelope?.headers ?? {},
      };
      const held: Held = { tag, req, envelope: dec.envelope ?? { body: '', 'content-encoding': '', 'content-type': '', headers: {}, properties: {} }, state: 'ready', delivered: Promise.resolve() };
      this.#held.set(tag, held);
      await this.#finishFailure(held, new CeleryTaskError(dec.excType, dec.excModule, [dec.reason]), 'failed to record a rejected message');
      return;
    }
    try {
      await this.#redis.lpush(this.#keys.deadLetter(queue), raw);
      await this.#qos.ack(tag);
    } catch (err) {
      this.#logErr('failed to dead-letter a message without id (left in unacked)', err);
    }
    this.#release(null);
  }

  /** Store FAILURE for a message that never ran, ack, release. */
  async #finishFailure(held: Held, err: CeleryTaskError, what: string): Promise<void> {
    const exc = exceptionPayload(err);
    try {
      await held.delivered;
      await this.#results.finish(failureMeta(this.#metaCtx(held.req), exc, tracebackOf(err, exc, false)), held.tag);
      this.#events.send('task-failed', { uuid: held.req.id, exception: excRepr(exc), traceback: null });
      this.#hook('task-failure', held.req, err);
    } catch (e) {
      this.#logErr(what, e);
    }
    this.#release(held);
  }

  /** Revoked or expired before running: store REVOKED, ack, release. True if handled. */
  async #revokedOrExpired(held: Held): Promise<boolean> {
    const { req } = held;
    let reason: 'revoked' | 'expired' | null = null;
    if (this.#isRevoked(req.id)) reason = 'revoked';
    else {
      const exp = parseIsoMs(req.expires);
      if (exp !== null && exp <= Date.now()) reason = 'expired';
    }
    if (!reason) return false;
    await this.#finishRevoked(held, reason);
    return true;
  }

  async #finishRevoked(held: Held, reason: 'revoked' | 'terminated' | 'expired'): Promise<void> {
    const { req } = held;
    this.#log.info({ taskId: req.id, reason }, 'task revoked');
    try {
      await held.delivered;
      await this.#results.finish(revokedMeta(this.#metaCtx(req), exceptionPayload(taskRevoked(reason))), held.tag);
    } catch (err) {
      this.#logErr('failed to record REVOKED', err);
    }
    this.#events.send('task-revoked', { uuid: req.id, terminated: reason === 'terminated', signum: reason === 'terminated' ? 15 : null, expired: reason === 'expired' });
    this.#hook('task-revoked', req, reason);
    this.#release(held);
  }

  #pump(): void {
    while (!this.#stopping && this.#executing < this.options.concurrency && this.#ready.length > 0) {
      const h = this.#ready.shift();
      if (!h || !this.#held.has(h.tag)) continue;
      h.state = 'running';
      this.#executing++;
      this.#running.set(h.req.id, h);
      h.done = this.#execute(h)
        .catch((err: unknown) => this.#logErr('task execution bookkeeping failed', err))
        .finally(() => {
          this.#executing--;
          if (this.#running.get(h.req.id) === h) this.#running.delete(h.req.id);
          this.#pump();
        });
    }
  }

  // ---- executing -------------------------------------------------------------------------------

  async #execute(h: Held): Promise<void> {
    const { req } = h;
    if (await this.#revokedOrExpired(h)) return;
    const handler = this.#handlers.get(req.name);
    if (!handler) return; // checked at receipt
    const o = this.options;
    const tl = Array.isArray(req.headers.timelimit) ? (req.headers.timelimit as unknown[]) : [];
    const hard = typeof tl[0] === 'number' && tl[0] > 0 ? tl[0] : o.hardTimeLimitSec;
    const soft = typeof tl[1] === 'number' && tl[1] > 0 ? tl[1] : o.softTimeLimitSec;
    const controller = new AbortController();
    h.controller = controller;
    this.#hook('task-prerun', req);
    this.#events.send('task-started', { uuid: req.id });
    const t0 = performance.now();
    let softTimer: LongTimer | undefined;
    let hardTimer: LongTimer | undefined;
    const outcome = await new Promise<Outcome>((resolve) => {
      h.finish = resolve;
      if (soft !== null) softTimer = new LongTimer(Date.now() + soft * 1000, () => controller.abort(softTimeLimitExceeded()));
      if (hard !== null) hardTimer = new LongTimer(Date.now() + hard * 1000, () => this.#terminate(h, 'hard-time-limit', hard));
      let p: Promise<unknown>;
      try {
        p = handler.run(req, { signal: controller.signal, request: req });
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => resolve({ kind: 'ok', value }),
        (error: unknown) => resolve({ kind: 'err', error }),
      );
    });
    h.finish = undefined;
    softTimer?.cancel();
    hardTimer?.cancel();
    const runtimeMs = performance.now() - t0;

    switch (outcome.kind) {
      case 'ok':
        await this.#onSuccess(h, outcome.value, runtimeMs);
        break;
      case 'err': {
        let err = outcome.error;
        const reason: unknown = controller.signal.reason;
        if (controller.signal.aborted && reason instanceof CeleryTaskError && reason.excType === 'SoftTimeLimitExceeded' && (err === reason || (err instanceof Error && err.name === 'AbortError'))) err = reason;
        await this.#onError(h, handler, err);
        break;
      }
      case 'terminated':
        await this.#onTerminated(h, handler, outcome.reason, hard);
        break;
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${String(never)}`);
      }
    }
  }

  /** Stop waiting for a running task: abort its signal, resolve its outcome as terminated. */
  #terminate(h: Held, reason: TerminateReason, hardSec = 0): void {
    if (!h.finish) return;
    const finish = h.finish;
    h.finish = undefined;
    h.controller?.abort(reason === 'hard-time-limit' ? timeLimitExceeded(hardSec) : taskRevoked('terminated'));
    finish({ kind: 'terminated', reason });
  }

  async #onSuccess(h: Held, value: unknown, runtimeMs: number): Promise<void> {
    const { req } = h;
    try {
      JSON.stringify(value);
    } catch {
      await this.#onFailure(h, new CeleryTaskError('EncodeError', 'kombu.exceptions', ['task result is not JSON-serializable']));
      return;
    }
    try {
      await this.#results.finish(req.headers.ignore_result === true ? null : successMeta(this.#metaCtx(req), value), h.tag);
    } catch (err) {
      // Not acked: the message stays in `unacked` and is redelivered after the visibility timeout.
      this.#logErr('failed to record SUCCESS; message left unacknowledged', err);
      this.#release(h);
      return;
    }
    this.#processed++;
    this.#events.send('task-succeeded', { uuid: req.id, result: safeRepr(value), runtime: runtimeMs / 1000 });
    this.#hook('task-success', req, value, runtimeMs);
    this.#hook('task-postrun', req, 'SUCCESS');
    this.#release(h);
  }

  async #onError(h: Held, handler: TaskHandler, err: unknown): Promise<void> {
    const { req } = h;
    const maxRetries = handler.maxRetries ?? this.options.maxRetries;
    if (!isRetryable(err) || req.retries >= maxRetries) {
      // Exhausted retries re-raise the original exception, as Task.retry(exc=...) does.
      await this.#onFailure(h, err);
      return;
    }
    const countdown = countdownOf(err) ?? handler.defaultRetryDelaySec ?? this.options.defaultRetryDelaySec;
    const etaIso = pyIsoUtc(Date.now() + countdown * 1000);
    const exc = exceptionPayload(err);
    const tb = tracebackOf(err, exc, this.options.debug);
    try {
      // Celery's order (publish the retry, store RETRY, ack), here in one atomic script.
      const next = retryEnvelope(h.envelope, req, etaIso, this.#origin);
      await this.#results.finish(retryMeta(this.#metaCtx(req), exc, tb), h.tag, {
        list: this.#keys.queue(req.deliveryInfo.routingKey, req.deliveryInfo.priority),
        message: JSON.stringify(next),
      });
    } catch (e) {
      this.#logErr('failed to publish a retry; message left unacknowledged', e);
      this.#release(h);
      return;
    }
    this.#log.info({ taskId: req.id, retries: req.retries + 1, countdownSec: countdown, excType: exc.exc_type }, 'task retry scheduled');
    this.#processed++;
    this.#events.send('task-retried', { uuid: req.id, exception: excRepr(exc), traceback: tb });
    this.#hook('task-retry', req, err, etaIso);
    this.#hook('task-postrun', req, 'RETRY');
    this.#release(h);
  }

  async #onFailure(h: Held, err: unknown): Promise<void> {
    const { req } = h;
    const exc = exceptionPayload(err);
    const tb = tracebackOf(err, exc, this.options.debug);
    try {
      await this.#results.finish(failureMeta(this.#metaCtx(req), exc, tb), h.tag);
    } catch (e) {
      this.#logErr('failed to record FAILURE; message left unacknowledged', e);
      this.#release(h);
      return;
    }
    this.#log.warn({ taskId: req.id, excType: exc.exc_type }, 'task failed');
    this.#processed++;
    this.#events.send('task-failed', { uuid: req.id, exception: excRepr(exc), traceback: tb });
    this.#hook('task-failure', req, err);
    this.#hook('task-postrun', req, 'FAILURE');
    this.#release(h);
  }

  async #onTerminated(h: Held, handler: TaskHandler, reason: TerminateReason, hardSec: number | null): Promise<void> {
    const { req } = h;
    this.#log.warn({ taskId: req.id, reason }, 'terminating a running task');
    if (handler.terminate) {
      try {
        await handler.terminate(req, reason);
      } catch (err) {
        this.#logErr('handler.terminate failed', err);
      }
    }
    switch (reason) {
      case 'hard-time-limit':
        await this.#onFailure(h, timeLimitExceeded(hardSec ?? 0));
        return;
      case 'revoked':
        await this.#finishRevoked(h, 'terminated');
        this.#hook('task-postrun', req, 'REVOKED');
        return;
      case 'shutdown': {
        // Put it back (redelivered) for another worker; nothing stored.
        await this.#qos.restoreTags([h.tag]).catch((err: unknown) => this.#logErr('restore of a terminated task failed', err));
        this.#release(h);
        return;
      }
      default: {
        const never: never = reason;
        throw new Error(`unknown terminate reason ${String(never)}`);
      }
    }
  }

  // ---- control -------------------------------------------------------------------------------

  #isRevoked(id: string): boolean {
    const t = this.#revoked.get(id);
    if (t === undefined) return false;
    if (t < Date.now()) {
      this.#revoked.delete(id);
      return false;
    }
    return true;
  }

  #revoke(ids: string[], terminate: boolean): string {
    const until = Date.now() + REVOKED_TTL_MS;
    for (const id of ids) {
      this.#revoked.delete(id);
      this.#revoked.set(id, until);
    }
    while (this.#revoked.size > REVOKED_MAX) {
      const first = this.#revoked.keys().next();
      if (first.done) break;
      this.#revoked.delete(first.value);
    }
    // ETA-held copies are settled now rather than at their due time.
    for (const h of [...this.#held.values()]) {
      if (h.state === 'eta' && ids.includes(h.req.id)) {
        h.timer?.cancel();
        this.#window++; // #finishRevoked releases one window slot
        void this.#finishRevoked(h, 'revoked').catch((err: unknown) => this.#logErr('revoke failed', err));
      }
    }
    if (!terminate) return `tasks ${ids.join(', ')} flagged as revoked`;
    const terminated: string[] = [];
    for (const id of ids) {
      const h = this.#running.get(id);
      if (h?.finish) {
        this.#terminate(h, 'revoked');
        terminated.push(id);
      }
    }
    return terminated.length > 0 ? `terminate: ${terminated.join(', ')}` : 'terminate: tasks unknown';
  }

  // ---- helpers -------------------------------------------------------------------------------

  async #restoreRound(): Promise<void> {
    try {
      await this.#qos.restoreVisible();
    } catch (err) {
      this.#logErr('restore round failed', err);
    }
  }

  #every(sec: number, fn: () => Promise<unknown>): void {
    const t = setInterval(() => {
      fn().catch((err: unknown) => this.#logErr('periodic job failed', err));
    }, Math.min(sec * 1000, 2 ** 31 - 1));
    t.unref();
    this.#intervals.push(t);
  }

  #metaCtx(req: TaskRequest): MetaContext {
    return { hostname: this.options.hostname, request: req };
  }

  #hook<K extends keyof CeleryWorkerEvents>(name: K, ...args: CeleryWorkerEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: CeleryWorkerEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.#logErr(`listener for ${name} threw`, err);
    }
  }

  #logErr(msg: string, err: unknown): void {
    this.#log.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, msg);
  }
}
