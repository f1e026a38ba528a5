// The one place that names Redis keys and channels, spelled as kombu 5.2 / Celery 5.2 spell them
// (docs/celery-wire.md). Every other file asks this builder; none writes a literal key.

/** kombu's separator between a queue name and its priority step, and inside binding entries. */
export const SEP = '\x06\x16';
/** kombu's `priority_steps` on Redis. Step 0 is the bare key and is served first. */
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

/** Largest step <= priority (priority 5 goes to step 3). Out-of-range values are clamped to 0..9. */
export function priorityStep(priority: number | null | undefined): number {
  const p = typeof priority === 'number' && Number.isFinite(priority) ? Math.min(9, Math.max(0, priority)) : 0;
  let step = 0;
  for (const s of PRIORITY_STEPS) if (s <= p) step = s;
  return step;
}

export interface KeyBuilder {
  /** The list a message of `priority` for `queue` is LPUSHed onto. */
  queue(queue: string, priority?: number | null): string;
  /** The BRPOP key order for a set of queues: all step-0 lists first, then step 3, 6, 9. */
  brpopKeys(queues: readonly string[]): string[];
  /** Strip a priority suffix from a popped key back to the queue name. */
  queueOfKey(key: string): string;
  readonly unacked: string;
  readonly unackedIndex: string;
  readonly unackedMutex: string;
  binding(exchange: string): string;
  deadLetter(queue: string): string;
  meta(taskId: string): string;
  readonly pidboxChannel: string;
  eventChannel(eventType: string): string;
  readonly eventPattern: string;
}

/** Keys for Redis database `db` (the db number is part of kombu's fanout channel names). */
export function keyBuilder(db: number, prefix = ''): KeyBuilder {
  const k = (s: string): string => prefix + s;
  return {
    queue: (queue, priority) => {
      const step = priorityStep(priority);
      return k(step === 0 ? queue : `${queue}${SEP}${step}`);
    },
    brpopKeys: (queues) => PRIORITY_STEPS.flatMap((s) => queues.map((q) => k(s === 0 ? q : `${q}${SEP}${s}`))),
    queueOfKey: (key) => {
      const bare = key.startsWith(prefix) ? key.slice(prefix.length) : key;
      const i = bare.indexOf(SEP);
      return i < 0 ? bare : bare.slice(0, i);
    },
    unacked: k('unacked'),
    unackedIndex: k('unacked_index'),
    unackedMutex: k('unacked_mutex'),
    binding: (exchange) => k(`_kombu.binding.${exchange}`),
    deadLetter: (queue) => k(`${queue}.dead`),
    // The result backend does not use kombu's global_keyprefix.
    meta: (taskId) => `celery-task-meta-${taskId}`,
    pidboxChannel: k(`/${db}.celery.pidbox`),
    eventChannel: (eventType) => k(`/${db}.celeryev/${eventType.replace(/-/g, '.')}`),
    eventPattern: k(`/${db}.celeryev/*`),
  };
}

/** The db number of a redis:// URL (`/3` -> 3), 0 when absent. */
export function dbOfUrl(url: string): number {
  try {
    const u = new URL(url);
    const n = Number(u.pathname.replace(/^\//, '') || '0');
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}
