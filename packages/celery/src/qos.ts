// kombu-compatible ack emulation and restore (docs/celery-wire.md "Queues, priorities, acknowledgement and restore"). The `unacked` hash
// and `unacked_index` zset are global to the Redis db and shared with Python workers, so the entry
// format and the restore lock are kombu's own.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { KeyBuilder } from './keys.ts';
import { SEP } from './keys.ts';
import type { Scripts } from './scripts.ts';
import type { CeleryLogger } from './types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nowSec = (): string => (Date.now() / 1000).toFixed(6);
/** redis-py Lock expiry kombu uses for `unacked_mutex`. */
const MUTEX_TTL_SEC = 300;

export class Qos {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: Scripts,
    private readonly keys: KeyBuilder,
    private readonly log: CeleryLogger,
    private readonly visibilityTimeoutSec: number,
  ) {}

  /** Record a popped message (kombu writes `JSON([envelope, exchange, routing_key])`). `raw` is
   *  spliced in verbatim, so the restored bytes are exactly the ones delivered. Sent so that it runs
   *  before anything written after it on the connection (the settle's store may follow at once). */
  async deliver(tag: string, raw: string, exchange: string, routingKey: string): Promise<void> {
    const entry = `[${raw}, ${JSON.stringify(exchange)}, ${JSON.stringify(routingKey)}]`;
    await this.scripts.runInOrder('DELIVER', [this.keys.unacked, this.keys.unackedIndex], [tag, entry, nowSec()]);
  }

  /** LPUSH `raw` (exact bytes) onto `queue`'s dead-letter list, capped at `max`, and forget `tag`. */
  async deadLetter(raw: Buffer, queue: string, tag: string | null, max: number): Promise<void> {
    await this.scripts.run('DEAD_LETTER', [this.keys.deadLetter(queue), this.keys.unacked, this.keys.unackedIndex], [raw, tag ?? '', max]);
  }

  async ack(tag: string): Promise<boolean> {
    return (await this.scripts.run('ACK', [this.keys.unacked, this.keys.unackedIndex], [tag])) === 1;
  }

  /** Lease renewal for tags this worker still holds (ZADD XX), so other consumers do not restore them. */
  async renew(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.scripts.run('RENEW', [this.keys.unackedIndex], [nowSec(), ...tags]);
  }

  /** kombu's `restore_visible`: under the `unacked_mutex` lock, restore entries older than the
   *  visibility timeout. Returns the number restored, or -1 when another consumer holds the lock. */
  async restoreVisible(limit = 1000): Promise<number> {
    const token = randomUUID();
    const got = await this.redis.set(this.keys.unackedMutex, token, 'EX', MUTEX_TTL_SEC, 'NX');
    if (got !== 'OK') return -1;
    try {
      const ceiling = Date.now() / 1000 - this.visibilityTimeoutSec;
      const tags = await this.redis.zrangebyscore(this.keys.unackedIndex, 0, ceiling, 'LIMIT', 0, limit);
      let n = 0;
      for (const tag of tags) if (await this.restoreOne(tag, String(ceiling))) n++;
      if (n > 0) this.log.info({ restored: n }, 'restored unacknowledged messages past the visibility timeout');
      return n;
    } finally {
      await this.scripts.run('UNLOCK', [this.keys.unackedMutex], [token]);
    }
  }

  /** Put this worker's own held messages back at once (warm shutdown), whatever their age. */
  async restoreTags(tags: readonly string[]): Promise<number> {
    let n = 0;
    for (const tag of tags) if (await this.restoreOne(tag, '+inf')) n++;
    return n;
  }

  async restoreOne(tag: string, maxScore: string): Promise<boolean> {
    const entry = await this.redis.hget(this.keys.unacked, tag);
    if (entry === null) {
      await this.redis.zrem(this.keys.unackedIndex, tag);
      return false;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(entry);
    } catch {
      parsed = null;
    }
    if (!Array.isArray(parsed) || !isObj(parsed[0])) {
      // Unrestorable garbage: park it in a dead-letter list rather than loop on it forever.
      this.log.warn({ tag }, 'unacked entry is not [envelope, exchange, routing_key]; moved to dead-letter list');
      await this.scripts.run('RESTORE', [this.keys.unacked, this.keys.unackedIndex, this.keys.deadLetter('unacked')], [tag, entry, '+inf', 'L']);
      return false;
    }
    const [payload, exchange, routingKey] = parsed as [Record<string, unknown>, unknown, unknown];
    if (isObj(payload.headers)) payload.headers.redelivered = true;
    if (isObj(payload.properties) && isObj(payload.properties.delivery_info)) payload.properties.delivery_info.redelivered = true;
    const queue = await this.lookupQueue(typeof exchange === 'string' ? exchange : '', typeof routingKey === 'string' ? routingKey : '');
    if (!queue) {
      this.log.warn({ tag }, 'no queue bound for an unacked entry; moved to dead-letter list');
      await this.scripts.run('RESTORE', [this.keys.unacked, this.keys.unackedIndex, this.keys.deadLetter('unacked')], [tag, entry, '+inf', 'L']);
      return false;
    }
    // Keep the priority list (kombu >= 5.4 does; 5.2.4 restores to the bare list, equally valid).
    const prio = isObj(payload.properties) ? payload.properties.priority : 0;
    const dest = this.keys.queue(queue, typeof prio === 'number' ? prio : 0);
    const r = await this.scripts.run('RESTORE', [this.keys.unacked, this.keys.unackedIndex, dest], [tag, JSON.stringify(payload), maxScore, 'R']);
    return r === 1;
  }

  /** The queue for (exchange, routing key): the routing key on the default exchange, else the binding table. */
  async lookupQueue(exchange: string, routingKey: string): Promise<string | null> {
    if (exchange === '') return routingKey || null;
    const members = await this.redis.smembers(this.keys.binding(exchange));
    for (const m of members) {
      const [rk, , q] = m.split(SEP);
      if (q && (rk === routingKey || rk === '')) return q;
    }
    return null;
  }
}
