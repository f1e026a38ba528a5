// Remote control over kombu's pidbox (docs/celery-wire.md "Remote control"): `app.control.*` PUBLISHes a
// command envelope on `/<db>.celery.pidbox`; a reply, when asked for, is LPUSHed onto the queue bound
// to `reply.celery.pidbox` with the client's routing key. Supported: revoke (+terminate), ping,
// enable_events, disable_events. Everything else is ignored without a reply, as the reference advises.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { KeyBuilder } from './keys.ts';
import { SEP } from './keys.ts';

export interface ControlTarget {
  readonly hostname: string;
  revoke(ids: string[], terminate: boolean): string;
  setTaskEvents(on: boolean): void;
  clock(): number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ControlCommand {
  method: string;
  arguments: Record<string, unknown>;
  destination: string[] | null;
  ticket: string | null;
  replyTo: { exchange: string; routingKey: string } | null;
}

/** Decode a pidbox broadcast; null for anything malformed (it is then ignored). */
export function decodeControl(raw: string): ControlCommand | null {
  try {
    const env: unknown = JSON.parse(raw);
    if (!isObj(env) || typeof env.body !== 'string') return null;
    const props = isObj(env.properties) ? env.properties : {};
    const text = props.body_encoding === 'base64' ? Buffer.from(env.body, 'base64').toString('utf8') : env.body;
    const body: unknown = JSON.parse(text);
    if (!isObj(body) || typeof body.method !== 'string') return null;
    const dest = body.destination;
    const rt = body.reply_to;
    return {
      method: body.method,
      arguments: isObj(body.arguments) ? body.arguments : {},
      destination: Array.isArray(dest) ? dest.filter((d): d is string => typeof d === 'string') : null,
      ticket: typeof body.ticket === 'string' ? body.ticket : null,
      replyTo: isObj(rt) && typeof rt.routing_key === 'string' ? { exchange: typeof rt.exchange === 'string' ? rt.exchange : 'reply.celery.pidbox', routingKey: rt.routing_key } : null,
    };
  } catch {
    return null;
  }
}

export class ControlHandler {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyBuilder,
    private readonly target: ControlTarget,
  ) {}

  /** Handle one raw pidbox message. Resolves after the reply (if any) is pushed. */
  async handle(raw: string): Promise<void> {
    const cmd = decodeControl(raw);
    if (!cmd) return;
    if (cmd.destination && cmd.destination.length > 0 && !cmd.destination.includes(this.target.hostname)) return;
    let reply: unknown;
    switch (cmd.method) {
      case 'revoke': {
        const tid = cmd.arguments.task_id;
        const ids = (Array.isArray(tid) ? tid : [tid]).filter((x): x is string => typeof x === 'string' && x.length > 0);
        if (ids.length === 0) return;
        reply = { ok: this.target.revoke(ids, cmd.arguments.terminate === true) };
        break;
      }
      case 'ping':
        reply = { ok: 'pong' };
        break;
      case 'enable_events':
        this.target.setTaskEvents(true);
        reply = { ok: 'task events enabled' };
        break;
      case 'disable_events':
        this.target.setTaskEvents(false);
        reply = { ok: 'task events disabled' };
        break;
      default:
        return;
    }
    if (cmd.replyTo && cmd.ticket) await this.reply(cmd.replyTo, cmd.ticket, { [this.target.hostname]: reply });
  }

  async reply(to: { exchange: string; routingKey: string }, ticket: string, body: unknown): Promise<void> {
    // Direct-exchange lookup as kombu does it: binding entries are "routing_key SEP pattern SEP queue".
    const members = await this.redis.smembers(this.keys.binding(to.exchange));
    const queues = members.map((m) => m.split(SEP)).filter((p) => p[0] === to.routingKey).map((p) => p[2] ?? '');
    const targets = queues.filter((q) => q.length > 0);
    if (targets.length === 0) return; // the client stopped collecting; kombu drops the reply too
    const envelope = JSON.stringify({
      body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { ticket, clock: this.target.clock() },
      properties: {
        delivery_mode: 2,
        delivery_info: { exchange: to.exchange, routing_key: to.routingKey },
        priority: 0,
        body_encoding: 'base64',
        delivery_tag: randomUUID(),
      },
    });
    const pipe = this.redis.pipeline();
    for (const q of targets) pipe.lpush(this.keys.queue(q), envelope);
    await pipe.exec();
  }
}
