// Worker options: a public all-required type (as agreed in docs/celery.md) plus internal extras with
// defaults in one constant, resolved and checked in one function whose errors name the option.
import type { CeleryLogger } from './types.ts';

export interface CeleryWorkerOptions {
  redisUrl: string;
  queues: string[];
  hostname: string;
  concurrency: number;
  prefetchMultiplier: number;
  visibilityTimeoutSec: number;
  resultExpiresSec: number;
  maxRetries: number;
  defaultRetryDelaySec: number;
  softTimeLimitSec: number | null;
  hardTimeLimitSec: number | null;
  sendTaskEvents: boolean;
  shutdownGraceSec: number;
  logger: CeleryLogger;
  /** Extras (optional): */
  /** Seconds between restore rounds. A message left by a dead consumer is redelivered at most this
   *  long after its visibility timeout (kombu restores about every 100 s; the default is 5 s). */
  restoreIntervalSec?: number;
  /** Seconds between lease renewals of held messages (default visibilityTimeoutSec / 4). */
  leaseRenewSec?: number;
  /** worker-heartbeat period (Celery: 2 s). */
  heartbeatSec?: number;
  /** Messages larger than this (bytes) are FAILUREd without decoding the body. */
  maxMessageBytes?: number;
  /** Entries kept on each dead-letter list (oldest dropped). */
  deadLetterMax?: number;
  /** Upper bound on a handler's `terminate` (seconds): a teardown that hangs does not hold the slot. */
  terminateTimeoutSec?: number;
  /** A slot is reported stuck when its task has run this long past its hard time limit. */
  stuckGraceSec?: number;
  /** Include JS stacks in stored tracebacks. */
  debug?: boolean;
  /** kombu's `global_keyprefix` (queues, unacked*, bindings, channels; not result keys). Tests use a unique one. */
  keyPrefix?: string;
}

export const WORKER_DEFAULTS = {
  concurrency: 1,
  prefetchMultiplier: 4,
  visibilityTimeoutSec: 3600,
  resultExpiresSec: 86_400,
  maxRetries: 3,
  defaultRetryDelaySec: 60,
  softTimeLimitSec: 3000,
  hardTimeLimitSec: 3600,
  sendTaskEvents: false,
  shutdownGraceSec: 30,
  restoreIntervalSec: 5,
  heartbeatSec: 2,
  maxMessageBytes: 64 * 1024 * 1024,
  deadLetterMax: 10_000,
  terminateTimeoutSec: 30,
  stuckGraceSec: 60,
  debug: false,
} as const;

export type ResolvedWorkerOptions = Required<Omit<CeleryWorkerOptions, 'softTimeLimitSec' | 'hardTimeLimitSec'>> & {
  softTimeLimitSec: number | null;
  hardTimeLimitSec: number | null;
};

export function resolveWorkerOptions(o: CeleryWorkerOptions): ResolvedWorkerOptions {
  const pos = (name: string, v: number, allowZero = false): number => {
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`CeleryWorkerOptions.${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${v})`);
    return v;
  };
  if (!o.redisUrl) throw new RangeError('CeleryWorkerOptions.redisUrl is required');
  if (!Array.isArray(o.queues) || o.queues.length === 0) throw new RangeError('CeleryWorkerOptions.queues must name at least one queue');
  if (!o.hostname) throw new RangeError('CeleryWorkerOptions.hostname is required');
  const limit = (name: string, v: number | null): number | null => (v === null ? null : pos(name, v));
  const vt = pos('visibilityTimeoutSec', o.visibilityTimeoutSec);
  return {
    ...o,
    concurrency: Math.floor(pos('concurrency', o.concurrency)),
    prefetchMultiplier: Math.floor(pos('prefetchMultiplier', o.prefetchMultiplier)),
    visibilityTimeoutSec: vt,
    resultExpiresSec: pos('resultExpiresSec', o.resultExpiresSec, true),
    maxRetries: Math.floor(pos('maxRetries', o.maxRetries, true)),
    defaultRetryDelaySec: pos('defaultRetryDelaySec', o.defaultRetryDelaySec, true),
    softTimeLimitSec: limit('softTimeLimitSec', o.softTimeLimitSec),
    hardTimeLimitSec: limit('hardTimeLimitSec', o.hardTimeLimitSec),
    shutdownGraceSec: pos('shutdownGraceSec', o.shutdownGraceSec, true),
    restoreIntervalSec: pos('restoreIntervalSec', o.restoreIntervalSec ?? WORKER_DEFAULTS.restoreIntervalSec),
    leaseRenewSec: pos('leaseRenewSec', o.leaseRenewSec ?? Math.max(0.25, vt / 4)),
    heartbeatSec: pos('heartbeatSec', o.heartbeatSec ?? WORKER_DEFAULTS.heartbeatSec),
    maxMessageBytes: Math.floor(pos('maxMessageBytes', o.maxMessageBytes ?? WORKER_DEFAULTS.maxMessageBytes)),
    deadLetterMax: Math.floor(pos('deadLetterMax', o.deadLetterMax ?? WORKER_DEFAULTS.deadLetterMax)),
    terminateTimeoutSec: pos('terminateTimeoutSec', o.terminateTimeoutSec ?? WORKER_DEFAULTS.terminateTimeoutSec),
    stuckGraceSec: pos('stuckGraceSec', o.stuckGraceSec ?? WORKER_DEFAULTS.stuckGraceSec, true),
    debug: o.debug ?? false,
    keyPrefix: o.keyPrefix ?? '',
  };
}
