// Celery events on Redis (docs/celery-wire.md "Events"): `celeryev` is a fanout exchange, so an
// event is one PUBLISH of a kombu envelope on `/<db>.celeryev/<type with - as .>`. Receivers
// (`celery events`, Flower) PSUBSCRIBE `/<db>.celeryev/*`.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import type { KeyBuilder } from './keys.ts';

export const SW_IDENT = 'sfw-celery-ts';
export const SW_VER = '0.1.0';

export class EventDispatcher {
  #clock = 0;
  taskEventsEnabled: boolean;

  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyBuilder,
    private readonly hostname: string,
    taskEvents: boolean,
    private readonly onError: (err: unknown) => void,
  ) {
    this.taskEventsEnabled = taskEvents;
  }

  /** Lamport clock shared with pidbox replies. */
  tick(): number {
    return ++this.#clock;
  }

  /** Publish one event; task-* events only when enabled (-E or enable_events). Never throws. */
  send(type: string, fields: Record<string, unknown>): void {
    if (type.startsWith('task-') && !this.taskEventsEnabled) return;
    const now = Date.now();
    const event = {
      hostname: this.hostname,
      // Celery's utcoffset(): time.timezone // 3600, i.e. hours WEST of UTC (receivers only use differences).
      utcoffset: Math.floor(new Date().getTimezoneOffset() / 60),
      pid: process.pid,
      clock: this.tick(),
      ...fields,
      type,
      timestamp: now / 1000,
    };
    const routingKey = type.replace(/-/g, '.');
    const envelope = {
      body: Buffer.from(JSON.stringify(event), 'utf8').toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { hostname: this.hostname },
      properties: {
        delivery_mode: 1,
        delivery_info: { exchange: 'celeryev', routing_key: routingKey },
        priority: 0,
        body_encoding: 'base64',
        delivery_tag: randomUUID(),
      },
    };
    this.redis.publish(this.keys.eventChannel(type), JSON.stringify(envelope)).catch(this.onError);
  }

  /** worker-online / worker-heartbeat / worker-offline fields. */
  workerFields(active: number, processed: number, freqSec: number): Record<string, unknown> {
    return {
      freq: freqSec,
      active,
      processed,
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
      sw_ident: SW_IDENT,
      sw_ver: SW_VER,
      sw_sys: process.platform === 'linux' ? 'Linux' : process.platform,
    };
  }
}
