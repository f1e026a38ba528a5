// Job progress -> throttled updates. Jobs may report per batch or per epoch; the status channel
// should see a few events a second at most, but always the first and the final (100 %) update.
export interface ProgressUpdate {
  percent: number;
  message?: string;
  extra?: Record<string, unknown>;
}

export type ProgressSink = (p: ProgressUpdate) => void;

export function throttledProgress(sink: ProgressSink, minIntervalMs: number, now: () => number = Date.now): (percent: number, message?: string, extra?: Record<string, unknown>) => void {
  let last = -Infinity;
  let lastPercent = -1;
  return (percent, message, extra) => {
    const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
    const t = now();
    const final = p >= 100 && lastPercent < 100;
    if (!final && t - last < minIntervalMs) return;
    if (p === lastPercent && message === undefined && !final) return;
    last = t;
    lastPercent = p;
    const u: ProgressUpdate = { percent: Math.round(p * 100) / 100 };
    if (message !== undefined) u.message = message.slice(0, 200);
    if (extra !== undefined) u.extra = primitivesOnly(extra);
    sink(u);
  };
}

// Progress extras are for counters such as epoch or batch; anything else (arrays, objects that
// might carry data) is dropped rather than published.
function primitivesOnly(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 100)) out[k] = v;
  }
  return out;
}

/** Maps a sub-task's 0..100 onto [from, to] of the parent (pipeline steps). */
export function scaledProgress(
  parent: (percent: number, message?: string, extra?: Record<string, unknown>) => void,
  from: number,
  to: number,
  label: string,
): (percent: number, message?: string, extra?: Record<string, unknown>) => void {
  return (percent, message, extra) => {
    const p = Math.min(100, Math.max(0, percent));
    parent(from + ((to - from) * p) / 100, message === undefined ? label : `${label}: ${message}`, extra);
  };
}
