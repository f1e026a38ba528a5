// The consumer: BRPOP with a bounded prefetch window, kombu ack emulation, acks_late (ack only after
// the outcome is stored), retries, ETA/expires, soft/hard time limits, revoke, events, warm shutdown.
// Wire formats: docs/celery-wire.md; design notes: docs/celery.md. The pieces live in their own
// files: intake (first look at a popped message), message (decoding), window (prefetch seats),
// run-task (one run and its limits), settle (the one way a message ends), health (slot reports).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname as osHostname } from 'node:os';
import { Redis } from 'ioredis';
import { ControlHandler } from './control.ts';
import type { ControlTarget } from './control.ts';
import { CeleryTaskError } from './errors.ts';
import { EventDispatcher } from './events.ts';
import { slotReport } from './health.ts';
import type { WorkerHealth } from './health.ts';
import type { Held } from './held.ts';
import { intake } from './intake.ts';
import { dbOfUrl, keyBuilder } from './keys.ts';
import type { KeyBuilder } from './keys.ts';
import { decodeTaskMessage, safeRepr } from './message.ts';
import type { Envelope, Rejected } from './message.ts';
import { resolveWorkerOptions } from './options.ts';
import type { CeleryWorkerOptions, ResolvedWorkerOptions } from './options.ts';
import { Qos } from './qos.ts';
import { redactRedisUrl } from './redact.ts';
import { ResultBackend } from './results.ts';
import { RevokedSet } from './revoked.ts';
import { effectiveLimits, runHeld, terminateHeld } from './run-task.ts';
import { Scripts } from './scripts.ts';
import { Settler } from './settle.ts';
import { LongTimer, parseIsoMs, within } from './time.ts';
import type { CeleryLogger, CeleryWorkerEvents, TaskHandler, TaskRequest } from './types.ts';
import { PrefetchWindow } from './window.ts';

export type { CeleryWorkerEvents } from './types.ts';

const EMPTY_ENVELOPE: Envelope = { body: '', 'content-encoding': '', 'content-type': '', headers: {}, properties: {} };
/** How long a shutdown step waits on Redis (a live one answers in milliseconds; the BRPOP in flight ends within its 1 s timeout). */
const REDIS_SHUTDOWN_WAIT_MS = 5000;

export class CeleryWorker extends EventEmitter<CeleryWorkerEvents> {
  readonly options: ResolvedWorkerOptions;
  readonly #log: CeleryLogger;
  readonly #keys: KeyBuilder;
  readonly #handlers = new Map<string, TaskHandler>();
  readonly #held = new Map<string, Held>();
  readonly #ready: Held[] = [];
  /** One entry per execution slot: the message running in it, or undefined when idle. */
  readonly #slots: (Held | undefined)[];
  readonly #revoked = new RevokedSet();
  readonly #window: PrefetchWindow;
  readonly #origin: string;
  #redis!: Redis;
  #blocking!: Redis;
  #sub!: Redis;
  #scripts!: Scripts;
  #qos!: Qos;
  #events!: EventDispatcher;
  #settler!: Settler;
  #started = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #intervals: NodeJS.Timeout[] = [];
  #stopped: Promise<void> | undefined;

  constructor(opts: CeleryWorkerOptions) {
    super();
    this.options = resolveWorkerOptions(opts);
    this.#log = this.options.logger.child({ component: 'celery', worker: this.options.hostname });
    this.#keys = keyBuilder(dbOfUrl(this.options.redisUrl), this.options.keyPrefix);
    this.#origin = `gen${process.pid}@${osHostname()}`;
    this.#slots = new Array<Held | undefined>(this.options.concurrency).fill(undefined);
    this.#window = new PrefetchWindow(this.options.concurrency * this.options.prefetchMultiplier);
  }

  register(name: string, handler: TaskHandler): void {
    if (this.#handlers.has(name)) throw new Error(`task ${name} is already registered`);
    this.#handlers.set(name, handler);
  }

  /** The command connection (from `start()` on). It auto-pipelines, so an application's own
   *  commands for a task (status events) share the writes of the task's bookkeeping. */
  get redis(): Redis {
    if (!this.#started) throw new Error('CeleryWorker.redis is available once start() was called');
    return this.#redis;
  }

  /** Tasks currently executing / held (for health checks). */
  get stats(): { executing: number; held: number; processed: number } {
    return { executing: this.#executing(), held: this.#held.size, processed: this.#settler?.processed ?? 0 };
  }

  /** Each slot's state and the age of its task; `ok` is false when a slot is stuck. */
  health(now = Date.now()): WorkerHealth {
    const slots = this.#slots.map((h, i) => slotReport(i, h, now, this.options.stuckGraceSec));
    return {
      ok: slots.every((s) => s.state !== 'stuck'),
      slots,
      window: { size: this.#window.size, used: this.#window.used },
      held: this.#held.size,
      processed: this.#settler?.processed ?? 0,
    };
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('CeleryWorker.start() called twice');
    this.#started = true;
    const o = this.options;
    // Three connections: BRPOP blocks its socket, SUBSCRIBE puts its socket in pub/sub mode.
    // The command connection auto-pipelines: what one turn of the event loop issues (a task's
    // delivery record, its outcome, the next pop, the application's status events) goes out in one
    // write, which is most of a short task's cost.
    const mk = (name: string, enableAutoPipelining = false): Redis => {
      const r = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: `sfw-celery-${name}`, enableAutoPipelining });
      r.on('error', (err: Error) => this.#log.warn({ conn: name, err: redactRedisUrl(err.message, o.redisUrl) }, 'redis connection error'));
      return r;
    };
    this.#redis = mk('cmd', true);
    this.#blocking = mk('brpop');
    this.#sub = mk('sub');
    await Promise.all([this.#redis.connect(), this.#blocking.connect(), this.#sub.connect()]);
    this.#scripts = new Scripts(this.#redis);
    await this.#scripts.preload();
    this.#qos = new Qos(this.#redis, this.#scripts, this.#keys, this.#log, o.visibilityTimeoutSec);
    this.#events = new EventDispatcher(this.#redis, this.#keys, o.hostname, o.sendTaskEvents, (err) => this.#logErr('event publish failed', err));
    this.#settler = new Settler({
      hostname: o.hostname,
      origin: this.#origin,
      debug: o.debug,
      log: this.#log,
      keys: this.#keys,
      results: new ResultBackend(this.#scripts, this.#keys, o.resultExpiresSec),
      qos: this.#qos,
      events: this.#events,
      window: this.#window,
      held: this.#held,
      hook: (name, ...args) => this.#hook(name, ...args),
      logErr: (msg, err) => this.#logErr(msg, err),
    });
    const target: ControlTarget = {
      hostname: o.hostname,
      revoke: (ids, terminate) => this.#revoke(ids, terminate),
      setTaskEvents: (on) => {
        this.#events.taskEventsEnabled = on;
      },
      clock: () => this.#events.tick(),
    };
    const control = new ControlHandler(this.#redis, this.#keys, target);
    this.#sub.on('message', (_channel: string, raw: string) => {
      control.handle(raw).catch((err: unknown) => this.#logErr('control command failed', err));
    });
    await this.#sub.subscribe(this.#keys.pidboxChannel);

    // Restore what dead consumers left behind, then keep doing it every restoreIntervalSec.
    await this.#restoreRound();
    this.#every(o.restoreIntervalSec, () => this.#restoreRound());
    this.#every(o.leaseRenewSec, () => this.#qos.renew([...this.#held.keys()]));
    this.#every(o.heartbeatSec, async () => {
      this.#events.send('worker-heartbeat', this.#events.workerFields(this.#executing(), this.#settler.processed, o.heartbeatSec));
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
    this.#window.interrupt();
    // Every wait below that needs Redis is bounded: with Redis gone (it may die at the very moment
    // of a warm shutdown) its commands queue until a reconnect that never comes.
    const bound = REDIS_SHUTDOWN_WAIT_MS;
    await within(this.#loop ?? Promise.resolve(), bound);
    // Not yet running (ETA-held or waiting for a slot): put back at once, as Celery does on SIGTERM.
    const waiting = [...this.#held.values()].filter((h) => h.state !== 'running');
    this.#ready.length = 0;
    await within(Promise.all(waiting.map((h) => this.#settler.settle(h, { kind: 'restore' }))), bound);
    const running = this.#slots.filter((h): h is Held => h !== undefined);
    if (running.length > 0) {
      await within(Promise.all(running.map((h) => h.done)), graceSec * 1000);
      const left = this.#slots.filter((h): h is Held => h !== undefined);
      for (const h of left) terminateHeld(h, 'shutdown');
      await within(Promise.all(left.map((h) => h.done)), bound);
    }
    this.#events.send('worker-offline', this.#events.workerFields(0, this.#settler.processed, this.options.heartbeatSec));
    this.#hook('worker-shutdown');
    const conns = [this.#redis, this.#blocking, this.#sub];
    if (!(await within(Promise.allSettled(conns.map((r) => r.quit())), bound))) {
      // Unsettled work stays in `unacked` (restored by the next worker after the visibility timeout).
      for (const r of conns) r.disconnect();
      this.#log.warn({ held: this.#held.size }, 'redis unreachable during shutdown; connections dropped');
    }
    this.#log.info({ processed: this.#settler.processed }, 'celery worker stopped');
  }

  // ---- consuming -------------------------------------------------------------------------------

  async #consumeLoop(): Promise<void> {
    const keys = this.#keys.brpopKeys(this.options.queues);
    while (!this.#stopping) {
      if (this.#window.room === 0) {
        await this.#window.waitForRoom();
        continue;
      }
      // What is already waiting comes without blocking, on the command connection, where the pop
      // shares a write with the previous task's outcome; one round trip per batch.
      let batch: Buffer[];
      try {
        batch = (await this.#scripts.runBuffer('POP_MANY', keys, [this.#window.room])) as Buffer[];
      } catch (err) {
        if (this.#stopping) break;
        this.#logErr('POP_MANY failed; retrying in 1 s', err);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (batch.length > 0) {
        for (let i = 0; i + 1 < batch.length; i += 2) await this.#take(batch[i] as Buffer, batch[i + 1] as Buffer);
        continue;
      }
      // Nothing waiting: block for the next message on the connection kept for that.
      let popped: [Buffer, Buffer] | null;
      try {
        // 1 s timeout: bounds how long stop() waits; the socket is never cut mid-pop (that could lose a message).
        popped = await this.#blocking.brpopBuffer(...keys, 1);
      } catch (err) {
        if (this.#stopping) break;
        this.#logErr('BRPOP failed; retrying in 1 s', err);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (popped) await this.#take(popped[0], popped[1]);
    }
  }

  /** One popped message. Whatever it holds, it ends held (ready, ETA or running), settled, or on the
   *  dead-letter list; its prefetch seat is given back unless it is held. Never rejects. */
  async #take(key: Buffer, raw: Buffer): Promise<void> {
    const queue = this.#keys.queueOfKey(key.toString('utf8'));
    const first = intake(raw);
    if (first.kind === 'dead') {
      await this.#settler.deadLetter(raw, queue, null, first.reason, this.options.deadLetterMax);
      return;
    }
    // Two messages under one tag would share an unacked entry and a seat: give a duplicate its own.
    const tag = first.tag !== null && !this.#held.has(first.tag) && !this.#window.has(first.tag) ? first.tag : `sfw-${randomUUID()}`;
    this.#window.seat(tag);
    try {
      // Not awaited here: commands on one connection run in order, so the entry exists before the
      // script that acks it; meanwhile the loop can pop the next message.
      const delivered = this.#qos.deliver(tag, first.text, first.exchange, queue).catch((err: unknown) => this.#logErr('failed to record the unacked entry', err));
      const dec = decodeTaskMessage(first.text, queue, { maxMessageBytes: this.options.maxMessageBytes }, first.parsed);
      if (dec.ok) await this.#accept(this.#hold(tag, dec.request, dec.envelope, delivered));
      else if (dec.taskId === null) {
        await delivered;
        await this.#settler.deadLetter(raw, queue, tag, dec.reason, this.options.deadLetterMax);
      } else await this.#reject(tag, queue, dec.taskId, dec, delivered);
    } catch (err) {
      this.#logErr('failed to receive a message', err);
      const h = this.#held.get(tag);
      if (h) await this.#settler.settle(h, { kind: 'failure', error: new CeleryTaskError('InvalidTaskError', 'celery.exceptions', ['the message could not be received']), ran: false });
      else await this.#settler.deadLetter(raw, queue, tag, 'receive failed', this.options.deadLetterMax);
    } finally {
      if (!this.#held.has(tag)) this.#window.unseat(tag);
    }
  }

  #hold(tag: string, req: TaskRequest, envelope: Envelope, delivered: Promise<void>): Held {
    const held: Held = { tag, req, envelope, state: 'ready', delivered, settled: false };
    this.#held.set(tag, held);
    return held;
  }

  /** A message that cannot become a request but carries a task id: FAILURE under that id, then ack. */
  async #reject(tag: string, queue: string, taskId: string, dec: Rejected, delivered: Promise<void>): Promise<void> {
    this.#log.warn({ taskId, queue, excType: dec.excType, reason: dec.reason }, 'rejected a malformed task message');
    const req: TaskRequest = {
      id: taskId,
      name: dec.taskName ?? '',
      args: [],
      kwargs: {},
      retries: 0,
      eta: null,
      expires: null,
      rootId: taskId,
      parentId: null,
      groupId: null,
      deliveryInfo: { exchange: '', routingKey: queue, priority: 0 },
      headers: dec.envelope?.headers ?? {},
    };
    const held = this.#hold(tag, req, dec.envelope ?? EMPTY_ENVELOPE, delivered);
    await this.#settler.settle(held, { kind: 'failure', error: new CeleryTaskError(dec.excType, dec.excModule, [dec.reason]), ran: false });
  }

  async #accept(held: Held): Promise<void> {
    const { req, tag } = held;
    if (!this.#handlers.has(req.name)) {
      this.#log.warn({ taskId: req.id, task: req.name.slice(0, 200) }, 'received an unregistered task');
      await this.#settler.settle(held, { kind: 'failure', error: new CeleryTaskError('NotRegistered', 'celery.exceptions', [req.name]), ran: false });
      return;
    }
    const gone = this.#revokedOrExpired(req);
    if (gone) {
      await this.#settler.settle(held, { kind: 'revoked', reason: gone });
      return;
    }
    this.#hook('task-received', req);
    // Task events are off by default: skip building their reprs then.
    if (this.#events.taskEventsEnabled) {
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
    }
    const etaMs = parseIsoMs(req.eta);
    if (etaMs !== null && etaMs > Date.now()) {
      // ETA-held messages stay in `unacked` but give their prefetch seat back until due.
      held.state = 'eta';
      this.#window.unseat(tag);
      held.timer = new LongTimer(etaMs, () => {
        if (this.#stopping || held.settled) return;
        held.state = 'ready';
        this.#window.seat(tag);
        this.#ready.push(held);
        this.#pump();
      });
      return;
    }
    this.#ready.push(held);
    this.#pump();
  }

  #revokedOrExpired(req: TaskRequest): 'revoked' | 'expired' | null {
    if (this.#revoked.has(req.id)) return 'revoked';
    const exp = parseIsoMs(req.expires);
    return exp !== null && exp <= Date.now() ? 'expired' : null;
  }

  #executing(): number {
    return this.#slots.reduce((n, h) => (h === undefined ? n : n + 1), 0);
  }

  #pump(): void {
    while (!this.#stopping && this.#ready.length > 0) {
      const slot = this.#slots.indexOf(undefined);
      if (slot < 0) return;
      const h = this.#ready.shift();
      if (!h || h.settled || !this.#held.has(h.tag)) continue;
      h.state = 'running';
      h.slot = slot;
      this.#slots[slot] = h;
      h.done = this.#execute(h)
        .catch((err: unknown) => this.#logErr('task execution bookkeeping failed', err))
        .finally(() => {
          if (this.#slots[slot] === h) this.#slots[slot] = undefined;
          this.#pump();
        });
    }
  }

  async #execute(h: Held): Promise<void> {
    const { req } = h;
    const gone = this.#revokedOrExpired(req);
    if (gone) {
      await this.#settler.settle(h, { kind: 'revoked', reason: gone });
      return;
    }
    const handler = this.#handlers.get(req.name);
    if (!handler) {
      await this.#settler.settle(h, { kind: 'failure', error: new CeleryTaskError('NotRegistered', 'celery.exceptions', [req.name]), ran: false });
      return;
    }
    const o = this.options;
    this.#hook('task-prerun', req);
    this.#events.send('task-started', { uuid: req.id });
    const settlement = await runHeld(h, handler, {
      limits: effectiveLimits(req.headers.timelimit, { hard: o.hardTimeLimitSec, soft: o.softTimeLimitSec }),
      maxRetries: o.maxRetries,
      defaultRetryDelaySec: o.defaultRetryDelaySec,
      terminateTimeoutMs: o.terminateTimeoutSec * 1000,
      onTerminateError: (err) => this.#logErr('handler.terminate failed', err),
    });
    if (settlement.kind !== 'success') this.#log.warn({ taskId: req.id, outcome: settlement.kind }, settlement.kind === 'restore' ? 'terminating a running task at shutdown' : 'task did not succeed');
    await this.#settler.settle(h, settlement);
  }

  // ---- control -------------------------------------------------------------------------------

  /** Revoke acts on the named tasks only: waiting copies are settled REVOKED, and with `terminate`
   *  each running copy is terminated through its own handler. */
  #revoke(ids: string[], terminate: boolean): string {
    this.#revoked.add(ids);
    const wanted = new Set(ids);
    // ETA-held copies are settled now rather than at their due time.
    for (const h of [...this.#held.values()]) {
      if (h.state === 'eta' && wanted.has(h.req.id)) void this.#settler.settle(h, { kind: 'revoked', reason: 'revoked' });
    }
    if (!terminate) return `tasks ${ids.join(', ')} flagged as revoked`;
    const terminated: string[] = [];
    for (const h of this.#slots) {
      if (h !== undefined && wanted.has(h.req.id) && terminateHeld(h, 'revoked')) terminated.push(h.req.id);
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

  #hook<K extends keyof CeleryWorkerEvents>(name: K, ...args: CeleryWorkerEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: CeleryWorkerEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.#logErr(`listener for ${name} threw`, err);
    }
  }

  #logErr(msg: string, err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    this.#log.error({ err: { name: err instanceof Error ? err.name : typeof err, message: redactRedisUrl(text, this.options.redisUrl) } }, msg);
  }
}
