// What a worker reports about its execution slots. A slot is stuck when its task has run past its
// hard time limit plus a grace period: by then the limit should have terminated it, so the slot
// serves nothing until the process is restarted. A task without a hard limit is never called stuck
// (nothing says how long it may run).
import type { Held } from './held.ts';

export interface SlotReport {
  slot: number;
  state: 'idle' | 'busy' | 'stuck';
  task_id?: string;
  task?: string;
  /** Seconds since the current task started. */
  age_s?: number;
  hard_limit_s?: number | null;
}

export interface WorkerHealth {
  /** False when any slot is stuck. */
  ok: boolean;
  slots: SlotReport[];
  window: { size: number; used: number };
  held: number;
  processed: number;
}

export function slotReport(slot: number, h: Held | undefined, now: number, graceSec: number): SlotReport {
  if (h === undefined) return { slot, state: 'idle' };
  const ageS = h.startedAt === undefined ? 0 : Math.max(0, (now - h.startedAt) / 1000);
  const hard = h.hardLimitSec ?? null;
  const stuck = hard !== null && ageS > hard + graceSec;
  return { slot, state: stuck ? 'stuck' : 'busy', task_id: h.req.id, task: h.req.name.slice(0, 200), age_s: Math.round(ageS * 10) / 10, hard_limit_s: hard };
}
