// Dates as Python reads them, and timers that survive delays beyond setTimeout's 2^31-1 ms.

/** `2026-11-27T21:44:54.845455+00:00`: six fractional digits and an explicit offset. Celery 5.2.6
 *  parses JS `toISOString()` (`.845Z`) as 845 microseconds, so never send that form. */
export function pyIsoUtc(ms: number = Date.now()): string {
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const micros = Math.floor((ms - Math.floor(ms / 1000) * 1000) * 1000);
  return `${base}.${String(micros).padStart(6, '0')}+00:00`;
}

/** Parse an ISO-8601 eta/expires. A naive value (no Z, no offset) is UTC, as Celery treats it;
 *  `new Date()` alone would read it as local time. Returns epoch ms, or null when unparseable. */
export function parseIsoMs(value: unknown): number | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  let s = value.trim();
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(s);
  // JS Date keeps milliseconds only; drop extra fractional digits, then restore the zone.
  s = s.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(hasZone ? s : `${s}Z`);
  return Number.isNaN(ms) ? null : ms;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A cancellable timer that re-arms past setTimeout's ~24.8-day ceiling. */
export class LongTimer {
  #handle: NodeJS.Timeout | undefined;
  #cancelled = false;

  constructor(atMs: number, fn: () => void) {
    const arm = (): void => {
      if (this.#cancelled) return;
      const left = atMs - Date.now();
      if (left > MAX_TIMEOUT_MS) this.#handle = setTimeout(arm, MAX_TIMEOUT_MS);
      else this.#handle = setTimeout(() => { if (!this.#cancelled) fn(); }, Math.max(0, left));
    };
    arm();
  }

  cancel(): void {
    this.#cancelled = true;
    if (this.#handle) clearTimeout(this.#handle);
  }
}

/** True when `p` settles (either way) within `ms`, false when the time runs out first. Never rejects. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
