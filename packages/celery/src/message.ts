// Protocol v2 messages (JSON serializer, base64 body) in and out: docs/celery-wire.md "Messages".
// Decoding never throws: a bad message becomes a `Rejected` value that names what was wrong, so the
// consumer loop can record a FAILURE (when there is a task id) and move on.
import { randomUUID } from 'node:crypto';
import type { DeliveryInfo, TaskRequest } from './types.ts';

/** The outer JSON object kombu LPUSHes. */
export interface Envelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface Accepted {
  ok: true;
  request: TaskRequest;
  envelope: Envelope;
}
export interface Rejected {
  ok: false;
  /** Present when the message carried a usable id: the worker then stores FAILURE under it. */
  taskId: string | null;
  taskName: string | null;
  excType: string;
  excModule: string;
  /** Sanitized reason (never message content). */
  reason: string;
  envelope: Envelope | null;
}
export type Decoded = Accepted | Rejected;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** kombu >= 5.3 wraps datetime/Decimal/UUID/bytes as {"__type__", "__value__"}; 5.2 sends plain strings. Accept both. */
function kombuReviver(_key: string, value: unknown): unknown {
  if (isObj(value) && '__type__' in value && '__value__' in value && Object.keys(value).length === 2) return value.__value__;
  return value;
}

export interface DecodeOptions {
  /** Largest accepted raw message, in UTF-8 bytes. */
  maxMessageBytes: number;
}

/** Decode one raw broker message popped from `routingKey`'s list. */
export function decodeTaskMessage(raw: string, routingKey: string, opts: DecodeOptions, parsed?: unknown): Decoded {
  let env: unknown = parsed;
  if (env === undefined) {
    try {
      env = JSON.parse(raw);
    } catch {
      return reject(null, null, 'DecodeError', 'kombu.exceptions', 'message is not JSON', null);
    }
  }
  if (!isObj(env) || !isObj(env.headers)) {
    return reject(null, null, 'InvalidTaskError', 'celery.exceptions', 'message has no headers object', null);
  }
  const envelope: Envelope = {
    body: typeof env.body === 'string' ? env.body : '',
    // Strings only: String() of a JSON object with its own "toString" key throws.
    'content-encoding': typeof env['content-encoding'] === 'string' ? env['content-encoding'] : '',
    'content-type': typeof env['content-type'] === 'string' ? env['content-type'] : '',
    headers: env.headers,
    properties: isObj(env.properties) ? env.properties : {},
  };
  const h = envelope.headers;
  const id = str(h.id);
  const name = str(h.task);
  if (!id) return reject(null, name, 'InvalidTaskError', 'celery.exceptions', 'headers.id missing (protocol v1 is not supported)', envelope);
  const bad = (excType: string, excModule: string, reason: string): Rejected => reject(id, name, excType, excModule, reason, envelope);

  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > opts.maxMessageBytes) {
    return bad('InvalidTaskError', 'celery.exceptions', `message of ${bytes} bytes exceeds the ${opts.maxMessageBytes}-byte limit`);
  }
  const ctype = envelope['content-type'];
  if (ctype !== 'application/json') {
    // The same words kombu uses when accept_content rejects a serializer (content type only, no content).
    return bad('ContentDisallowed', 'kombu.exceptions', `Refusing to deserialize untrusted content of type ${ctype.slice(0, 80) || '(none)'}`);
  }
  const cenc = envelope['content-encoding'].toLowerCase();
  if (cenc !== 'utf-8' && cenc !== 'utf8') return bad('ContentDisallowed', 'kombu.exceptions', `unsupported content-encoding ${cenc.slice(0, 40)}`);
  if (!name) return bad('InvalidTaskError', 'celery.exceptions', 'headers.task missing');

  let body: unknown;
  try {
    const enc = envelope.properties.body_encoding;
    const text = enc === 'base64' ? Buffer.from(envelope.body, 'base64').toString('utf8') : envelope.body;
    // The reviver visits every value; a body that cannot hold a "__type__" key (not literally, nor
    // spelled with \u escapes) parses the same without it, and most bodies are such.
    body = text.includes('__type__') || text.includes('\\u') ? JSON.parse(text, kombuReviver) : JSON.parse(text);
  } catch {
    return bad('DecodeError', 'kombu.exceptions', 'body is not base64-encoded JSON');
  }
  if (!Array.isArray(body) || body.length < 2) return bad('InvalidTaskError', 'celery.exceptions', 'body must be [args, kwargs, embed]');
  const [args, kwargs] = body as [unknown, unknown];
  if (!Array.isArray(args)) return bad('InvalidTaskError', 'celery.exceptions', 'body[0] (args) must be a list');
  if (!isObj(kwargs)) return bad('InvalidTaskError', 'celery.exceptions', 'body[1] (kwargs) must be a dict');

  const retries = h.retries ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    return bad('InvalidTaskError', 'celery.exceptions', 'headers.retries must be a non-negative integer');
  }
  for (const f of ['eta', 'expires'] as const) {
    const v = h[f];
    if (v != null && typeof v !== 'string') return bad('InvalidTaskError', 'celery.exceptions', `headers.${f} must be an ISO-8601 string or null`);
  }
  const di = isObj(envelope.properties.delivery_info) ? envelope.properties.delivery_info : {};
  const prio = envelope.properties.priority;
  const deliveryInfo: DeliveryInfo = {
    exchange: typeof di.exchange === 'string' ? di.exchange : '',
    routingKey,
    priority: typeof prio === 'number' && Number.isFinite(prio) ? prio : 0,
  };
  const request: TaskRequest = {
    id,
    name,
    args,
    kwargs,
    retries,
    eta: str(h.eta),
    expires: str(h.expires),
    rootId: str(h.root_id) ?? id,
    parentId: str(h.parent_id),
    groupId: str(h.group),
    deliveryInfo,
    headers: h,
  };
  return { ok: true, request, envelope };
}

function reject(taskId: string | null, taskName: string | null, excType: string, excModule: string, reason: string, envelope: Envelope | null): Rejected {
  return { ok: false, taskId, taskName, excType, excModule, reason, envelope };
}

/** The delivery tag of a raw message (the ack key), without a full decode. */
export function deliveryTagOf(env: unknown): string | null {
  if (!isObj(env) || !isObj(env.properties)) return null;
  return str(env.properties.delivery_tag);
}

export interface NewTaskMessage {
  id: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  queue: string;
  retries?: number;
  eta?: string | null;
  expires?: string | null;
  rootId?: string | null;
  parentId?: string | null;
  groupId?: string | null;
  /** [hard, soft] seconds; null entries fall back to worker configuration. */
  timelimit?: [number | null, number | null];
  priority?: number;
  origin: string;
}

const EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };

/** Build a protocol-v2 envelope as Celery's `as_task_v2` + kombu's Redis transport would. */
export function encodeTaskMessage(m: NewTaskMessage): Envelope {
  const body = Buffer.from(JSON.stringify([m.args, m.kwargs, EMBED]), 'utf8').toString('base64');
  return {
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'js',
      task: m.name,
      id: m.id,
      shadow: null,
      eta: m.eta ?? null,
      expires: m.expires ?? null,
      group: m.groupId ?? null,
      group_index: null,
      retries: m.retries ?? 0,
      timelimit: m.timelimit ?? [null, null],
      root_id: m.rootId ?? m.id,
      parent_id: m.parentId ?? null,
      argsrepr: safeRepr(m.args),
      kwargsrepr: safeRepr(m.kwargs),
      origin: m.origin,
      ignore_result: false,
    },
    properties: {
      correlation_id: m.id,
      reply_to: randomUUID(),
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: m.queue },
      priority: m.priority ?? 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
}

/** The retry message: same id/body, retries+1, new eta, parent_id = own id, a fresh delivery tag (docs/celery-wire.md "Retries and ETA"). */
export function retryEnvelope(env: Envelope, req: TaskRequest, etaIso: string, origin: string): Envelope {
  const di = isObj(env.properties.delivery_info) ? env.properties.delivery_info : {};
  return {
    ...env,
    headers: { ...env.headers, retries: req.retries + 1, eta: etaIso, parent_id: req.id, root_id: req.rootId, origin, redelivered: undefined },
    properties: {
      ...env.properties,
      delivery_info: { ...di, exchange: '', routing_key: req.deliveryInfo.routingKey, redelivered: undefined },
      delivery_tag: randomUUID(),
    },
  };
}

/** A short display form for args/kwargs in events and logs' argsrepr (bounded; no full payloads). */
export function safeRepr(v: unknown, max = 256): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? 'null';
  } catch {
    s = '<unserializable>';
  }
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
