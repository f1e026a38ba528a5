// One message this worker holds between its pop and its settlement, and the ways a run can end.
import type { Envelope } from './message.ts';
import type { LongTimer } from './time.ts';
import type { TaskRequest, TerminateReason } from './types.ts';

export type Outcome = { kind: 'ok'; value: unknown } | { kind: 'err'; error: unknown } | { kind: 'terminated'; reason: TerminateReason };

/** How a held message ends. Every end goes through the worker's one settle path. */
export type Settlement =
  | { kind: 'success'; value: unknown; runtimeMs: number }
  /** `ran`: the handler was started (a message rejected at receipt never ran: no postrun hook, not counted). */
  | { kind: 'failure'; error: unknown; ran: boolean }
  | { kind: 'retry'; error: unknown; countdownSec: number }
  | { kind: 'revoked'; reason: 'revoked' | 'terminated' | 'expired' }
  /** Put the message back for another consumer (warm shutdown); nothing is stored. */
  | { kind: 'restore' };

export interface Held {
  /** The delivery tag: the key of the `unacked` entry and of this worker's prefetch seat. */
  tag: string;
  req: TaskRequest;
  /** The unacked entry write (never rejects; errors are logged). Not awaited before the settle
   *  script: both go over the command connection in order (scripts are preloaded, so each is one
   *  EVALSHA written at call time), which saves a wake-up per task. If Redis lost its script cache
   *  (NOSCRIPT -> EVAL fallback) the order could flip: the entry would then outlive the ack and the
   *  task run twice after a restore; never lost. */
  delivered: Promise<void>;
  envelope: Envelope;
  state: 'eta' | 'ready' | 'running';
  /** Set once the settle path has begun: a second settle of the same message is ignored. */
  settled: boolean;
  timer?: LongTimer;
  finish?: ((o: Outcome) => void) | undefined;
  controller?: AbortController;
  done?: Promise<void>;
  /** Epoch ms when the handler started, and the hard limit that applies to this run. */
  startedAt?: number;
  hardLimitSec?: number | null;
  /** Index of the execution slot while running. */
  slot?: number;
}
