// Running one held message's handler: the time limits that apply to it, the race between the
// handler and a termination (hard limit, revoke with terminate, shutdown), and the mapping of how
// the run ended onto a settlement. Nothing here touches Redis: the worker settles what this returns.
import { CeleryTaskError, countdownOf, isRetryable, softTimeLimitExceeded, taskRevoked, timeLimitExceeded } from './errors.ts';
import type { Held, Outcome, Settlement } from './held.ts';
import { LongTimer } from './time.ts';
import type { TaskHandler, TerminateReason } from './types.ts';

export interface Limits {
  hard: number | null;
  soft: number | null;
}

/** A positive finite number of seconds, else null. */
const seconds = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/** The limits of one run: a message's `timelimit` header ([hard, soft], as `apply_async(time_limit=,
 *  soft_time_limit=)` sends it) may lower the worker's limits but never raise them, because whoever
 *  can publish a message must not be able to hold a slot longer than the operator allows. A limit the
 *  operator disabled (null) may be set by the message. */
export function effectiveLimits(timelimit: unknown, worker: Limits): Limits {
  const tl = Array.isArray(timelimit) ? (timelimit as unknown[]) : [];
  const lower = (msg: unknown, cfg: number | null): number | null => {
    const m = seconds(msg);
    if (m === null) return cfg;
    return cfg === null ? m : Math.min(m, cfg);
  };
  return { hard: lower(tl[0], worker.hard), soft: lower(tl[1], worker.soft) };
}

export interface RunOptions {
  limits: Limits;
  maxRetries: number;
  defaultRetryDelaySec: number;
  /** Upper bound on `handler.terminate`: a teardown that hangs must not hold the slot forever. */
  terminateTimeoutMs: number;
  onTerminateError(err: unknown): void;
}

/** Stop waiting for a running task: abort its signal and end its run as terminated. False when it is
 *  not running (already settled or not started). */
export function terminateHeld(h: Held, reason: TerminateReason): boolean {
  const finish = h.finish;
  if (!finish) return false;
  h.finish = undefined;
  h.controller?.abort(reason === 'hard-time-limit' ? timeLimitExceeded(h.hardLimitSec ?? 0) : taskRevoked('terminated'));
  finish({ kind: 'terminated', reason });
  return true;
}

/** Run `h` to its end (value, error or termination) and say how it settles. Never rejects. */
export async function runHeld(h: Held, handler: TaskHandler, o: RunOptions): Promise<Settlement> {
  const { req } = h;
  const { hard, soft } = o.limits;
  const controller = new AbortController();
  h.controller = controller;
  h.hardLimitSec = hard;
  h.startedAt = Date.now();
  const t0 = performance.now();
  let softTimer: LongTimer | undefined;
  let hardTimer: LongTimer | undefined;
  const outcome = await new Promise<Outcome>((resolve) => {
    h.finish = resolve;
    if (soft !== null) softTimer = new LongTimer(Date.now() + soft * 1000, () => controller.abort(softTimeLimitExceeded()));
    if (hard !== null) hardTimer = new LongTimer(Date.now() + hard * 1000, () => terminateHeld(h, 'hard-time-limit'));
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
      return { kind: 'success', value: outcome.value, runtimeMs };
    case 'err': {
      let err = outcome.error;
      const reason: unknown = controller.signal.reason;
      if (controller.signal.aborted && reason instanceof CeleryTaskError && reason.excType === 'SoftTimeLimitExceeded' && (err === reason || (err instanceof Error && err.name === 'AbortError'))) err = reason;
      const maxRetries = handler.maxRetries ?? o.maxRetries;
      // Exhausted retries re-raise the original exception, as Task.retry(exc=...) does.
      if (!isRetryable(err) || req.retries >= maxRetries) return { kind: 'failure', error: err, ran: true };
      return { kind: 'retry', error: err, countdownSec: countdownOf(err) ?? handler.defaultRetryDelaySec ?? o.defaultRetryDelaySec };
    }
    case 'terminated': {
      if (handler.terminate) await boundedTerminate(handler, h, outcome.reason, o);
      switch (outcome.reason) {
        case 'hard-time-limit':
          return { kind: 'failure', error: timeLimitExceeded(hard ?? 0), ran: true };
        case 'revoked':
          return { kind: 'revoked', reason: 'terminated' };
        case 'shutdown':
          return { kind: 'restore' };
        default: {
          const never: never = outcome.reason;
          throw new Error(`unknown terminate reason ${String(never)}`);
        }
      }
    }
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

async function boundedTerminate(handler: TaskHandler, h: Held, reason: TerminateReason, o: RunOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      o.onTerminateError(new Error(`handler.terminate did not finish within ${o.terminateTimeoutMs} ms`));
      resolve();
    }, o.terminateTimeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => handler.terminate?.(h.req, reason)), timeout]);
  } catch (err) {
    o.onTerminateError(err);
  } finally {
    clearTimeout(timer);
  }
}
