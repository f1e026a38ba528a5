// The one way a held message ends: record (store the outcome and ack in one script, or put the
// message back), then log, count, send the Celery event, run the hooks, and give the prefetch seat
// back. A record that fails leaves the message unacknowledged (it is redelivered after the visibility
// timeout) and announces nothing, so no listener hears of an outcome that Redis does not hold.
import { CeleryTaskError, exceptionPayload, excRepr, taskRevoked, tracebackOf } from './errors.ts';
import type { EventDispatcher } from './events.ts';
import type { Held, Settlement } from './held.ts';
import type { KeyBuilder } from './keys.ts';
import { retryEnvelope, safeRepr } from './message.ts';
import type { Qos } from './qos.ts';
import { failureMeta, retryMeta, revokedMeta, successMeta } from './results.ts';
import type { MetaContext, ResultBackend } from './results.ts';
import { pyIsoUtc } from './time.ts';
import type { CeleryLogger, CeleryWorkerEvents } from './types.ts';
import type { PrefetchWindow } from './window.ts';

export type Hook = <K extends keyof CeleryWorkerEvents>(name: K, ...args: CeleryWorkerEvents[K]) => void;

export interface SettleDeps {
  hostname: string;
  /** Identifies this worker as the publisher of retry messages (`origin` header). */
  origin: string;
  debug: boolean;
  log: CeleryLogger;
  keys: KeyBuilder;
  results: ResultBackend;
  qos: Qos;
  events: EventDispatcher;
  window: PrefetchWindow;
  held: Map<string, Held>;
  hook: Hook;
  logErr(msg: string, err: unknown): void;
}

interface Record {
  what: string;
  store(): Promise<unknown>;
  /** `store()` writes one command at once (the FINISH script), so whatever is written after it on
   *  the connection runs after it in Redis. */
  oneCommand: boolean;
  announce(): void;
}

export class Settler {
  #processed = 0;
  constructor(private readonly d: SettleDeps) {}

  get processed(): number {
    return this.#processed;
  }

  /** Settle `h` once; later calls for the same message are ignored. Never rejects. */
  async settle(h: Held, s: Settlement): Promise<void> {
    if (h.settled) return;
    h.settled = true;
    h.timer?.cancel();
    try {
      const rec = this.#record(h, s);
      // The store is written right away: the delivery record was written before it on the same
      // connection and runs first (Qos.deliver), so a quick task's record can share its write.
      const stored = Promise.all([h.delivered, rec.store()]);
      // The seat is given back as soon as the outcome and the ack are written, not when Redis has
      // answered: Redis runs one connection's commands in order, so the next pop (written after
      // this on the same connection) cannot take a message before this one is acknowledged, and it
      // shares this write instead of costing a round trip of its own. If the record fails, the
      // message stays in `unacked` for redelivery, as before; the seat was not keeping it.
      if (rec.oneCommand) this.d.window.unseat(h.tag);
      try {
        await stored;
      } catch (err) {
        this.d.logErr(`failed to record ${rec.what}; message left unacknowledged`, err);
        return;
      }
      rec.announce();
    } catch (err) {
      this.d.logErr('settling a task failed', err);
    } finally {
      this.d.held.delete(h.tag);
      this.d.window.unseat(h.tag);
    }
  }

  /** A popped message that is not a task and has no id: keep its exact bytes on the queue's
   *  dead-letter list and forget its unacked entry, in one script. */
  async deadLetter(raw: Buffer, queue: string, tag: string | null, reason: string, max: number): Promise<void> {
    try {
      await this.d.qos.deadLetter(raw, queue, tag, max);
      this.d.log.warn({ queue, bytes: raw.length, reason }, 'moved a message that is not a task to the dead-letter list');
    } catch (err) {
      this.d.logErr('failed to dead-letter a message', err);
    } finally {
      if (tag !== null) this.d.window.unseat(tag);
    }
  }

  #record(h: Held, s: Settlement): Record {
    const { req } = h;
    const d = this.d;
    const ctx: MetaContext = { hostname: d.hostname, request: req };
    switch (s.kind) {
      case 'success': {
        // Serialized once here: the stored meta, and the check that the result is JSON at all.
        const ignore = req.headers.ignore_result === true;
        let meta: string;
        try {
          meta = JSON.stringify(ignore ? s.value : successMeta(ctx, s.value));
        } catch {
          return this.#record(h, { kind: 'failure', error: new CeleryTaskError('EncodeError', 'kombu.exceptions', ['task result is not JSON-serializable']), ran: true });
        }
        return {
          what: 'SUCCESS',
          oneCommand: true,
          store: () => d.results.finishSerialized(ignore ? null : { taskId: req.id, json: meta }, h.tag),
          announce: () => {
            this.#processed++;
            if (d.events.taskEventsEnabled) d.events.send('task-succeeded', { uuid: req.id, result: safeRepr(s.value), runtime: s.runtimeMs / 1000 });
            d.hook('task-success', req, s.value, s.runtimeMs);
            d.hook('task-postrun', req, 'SUCCESS');
          },
        };
      }
      case 'failure': {
        const exc = exceptionPayload(s.error);
        const tb = tracebackOf(s.error, exc, d.debug);
        return {
          what: 'FAILURE',
          oneCommand: true,
          store: () => d.results.finish(failureMeta(ctx, exc, tb), h.tag),
          announce: () => {
            d.log.warn({ taskId: req.id, excType: exc.exc_type, ran: s.ran }, 'task failed');
            if (s.ran) this.#processed++;
            d.events.send('task-failed', { uuid: req.id, exception: excRepr(exc), traceback: s.ran ? tb : null });
            d.hook('task-failure', req, s.error);
            if (s.ran) d.hook('task-postrun', req, 'FAILURE');
          },
        };
      }
      case 'retry': {
        const exc = exceptionPayload(s.error);
        const tb = tracebackOf(s.error, exc, d.debug);
        const etaIso = pyIsoUtc(Date.now() + s.countdownSec * 1000);
        return {
          what: 'RETRY',
          oneCommand: true,
          // Celery's order (publish the retry, store RETRY, ack), here in one atomic script.
          store: () =>
            d.results.finish(retryMeta(ctx, exc, tb), h.tag, {
              list: d.keys.queue(req.deliveryInfo.routingKey, req.deliveryInfo.priority),
              message: JSON.stringify(retryEnvelope(h.envelope, req, etaIso, d.origin)),
            }),
          announce: () => {
            d.log.info({ taskId: req.id, retries: req.retries + 1, countdownSec: s.countdownSec, excType: exc.exc_type }, 'task retry scheduled');
            this.#processed++;
            d.events.send('task-retried', { uuid: req.id, exception: excRepr(exc), traceback: tb });
            d.hook('task-retry', req, s.error, etaIso);
            d.hook('task-postrun', req, 'RETRY');
          },
        };
      }
      case 'revoked': {
        const { reason } = s;
        return {
          what: 'REVOKED',
          oneCommand: true,
          store: () => d.results.finish(revokedMeta(ctx, exceptionPayload(taskRevoked(reason))), h.tag),
          announce: () => {
            d.log.info({ taskId: req.id, reason }, 'task revoked');
            d.events.send('task-revoked', { uuid: req.id, terminated: reason === 'terminated', signum: reason === 'terminated' ? 15 : null, expired: reason === 'expired' });
            d.hook('task-revoked', req, reason);
            if (reason === 'terminated') d.hook('task-postrun', req, 'REVOKED');
          },
        };
      }
      case 'restore':
        return {
          what: 'the restore of a held message',
          // Reads the entry first: more than one round trip.
          oneCommand: false,
          store: () => d.qos.restoreTags([h.tag]),
          announce: () => d.log.info({ taskId: req.id }, 'put a held message back on its queue'),
        };
      default: {
        const never: never = s;
        throw new Error(`unknown settlement ${String(never)}`);
      }
    }
  }
}
