// Lua scripts for the steps that touch several keys at once. Each is atomic in Redis, so a worker
// dying between two commands cannot leave `unacked` and `unacked_index` disagreeing. The keys and
// the acknowledgement they implement: docs/celery-wire.md "Queues, priorities, acknowledgement and restore".
import type { Redis } from 'ioredis';

/**
 * deliver: record a popped message as unacknowledged (kombu's MULTI ZADD + HSET on delivery).
 * KEYS[1] unacked (hash), KEYS[2] unacked_index (zset)
 * ARGV[1] delivery tag, ARGV[2] JSON [envelope, exchange, routing_key], ARGV[3] unix time (float seconds)
 * returns 1
 */
const DELIVER = `
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * ack: forget a delivered message (kombu's ack = ZREM + HDEL).
 * KEYS[1] unacked, KEYS[2] unacked_index; ARGV[1] delivery tag
 * returns 1 if the entry existed, 0 if it was already gone (acked, or restored by someone else)
 */
const ACK = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`;

/**
 * renew: extend the lease of in-flight tags (ZADD XX: only tags still present; restorers read the score).
 * KEYS[1] unacked_index; ARGV[1] unix time; ARGV[2..] delivery tags
 * returns the number of tags still present
 */
const RENEW = `
local n = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
    n = n + 1
  end
end
return n`;

/**
 * restore: put one unacked message back on a list (kombu's restore_by_tag), unless it was acked or
 * its lease renewed since the caller read it.
 * KEYS[1] unacked, KEYS[2] unacked_index, KEYS[3] destination list
 * ARGV[1] delivery tag, ARGV[2] payload to push (marked redelivered), ARGV[3] maximum score ('+inf' = any),
 * ARGV[4] 'R' to RPUSH (popped next, kombu's default) or 'L' to LPUSH
 * returns 1 restored, 0 skipped (gone or renewed)
 */
const RESTORE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score and ARGV[3] ~= '+inf' and tonumber(score) > tonumber(ARGV[3]) then return 0 end
if ARGV[4] == 'L' then redis.call('LPUSH', KEYS[3], ARGV[2]) else redis.call('RPUSH', KEYS[3], ARGV[2]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`;

/**
 * unlock: redis-py Lock release (compare-and-delete), so one restorer never frees another's lock.
 * KEYS[1] lock key; ARGV[1] token; returns 1 released, 0 not ours
 */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * storeResult: Celery 5.2.6's guarded result write: skip when SUCCESS is already stored, else
 * SETEX (or SET when expires is 0) + PUBLISH the same JSON on the key's channel.
 * KEYS[1] celery-task-meta-<id>; ARGV[1] meta JSON, ARGV[2] expiry seconds (0 = none)
 * returns 1 written, 0 skipped
 */
const STORE_RESULT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, m = pcall(cjson.decode, cur)
  if ok and type(m) == 'table' and m['status'] == 'SUCCESS' then return 0 end
end
if tonumber(ARGV[2]) > 0 then redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1`;

/**
 * finish: record a task's outcome and acknowledge its message in one atomic step (acks_late: the
 * ack can never precede the record, and a crash cannot separate them). For a retry the new message
 * is pushed first in the same step (Celery's order: publish retry, store RETRY, ack).
 * KEYS[1] celery-task-meta-<id>, KEYS[2] unacked, KEYS[3] unacked_index, KEYS[4] retry list (any key when unused)
 * ARGV[1] meta JSON ('' = store nothing, e.g. ignore_result), ARGV[2] expiry seconds (0 = none),
 * ARGV[3] delivery tag, ARGV[4] retry message JSON ('' = none)
 * returns {written (1/0: 0 when SUCCESS was already stored or nothing to store), acked (1/0)}
 */
const FINISH = `
if ARGV[4] ~= '' then redis.call('LPUSH', KEYS[4], ARGV[4]) end
local written = 0
if ARGV[1] ~= '' then
  local cur = redis.call('GET', KEYS[1])
  local done = false
  if cur then
    local ok, m = pcall(cjson.decode, cur)
    done = ok and type(m) == 'table' and m['status'] == 'SUCCESS'
  end
  if not done then
    if tonumber(ARGV[2]) > 0 then redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
    redis.call('PUBLISH', KEYS[1], ARGV[1])
    written = 1
  end
end
redis.call('ZREM', KEYS[3], ARGV[3])
local acked = redis.call('HDEL', KEYS[2], ARGV[3])
return {written, acked}`;

/**
 * popMany: non-blocking pop of up to N messages in BRPOP key order (priority 0 first), so a deep
 * queue costs one round trip per batch instead of one BRPOP per message. No decoding happens here.
 * KEYS[1..] the BRPOP keys in order; ARGV[1] maximum number of messages
 * returns a flat list {key1, message1, key2, message2, ...} (empty when every list is empty)
 */
const POP_MANY = `
local out = {}
local left = tonumber(ARGV[1])
for i = 1, #KEYS do
  while left > 0 do
    local m = redis.call('RPOP', KEYS[i])
    if not m then break end
    out[#out + 1] = KEYS[i]
    out[#out + 1] = m
    left = left - 1
  end
  if left == 0 then break end
end
return out`;

/**
 * deadLetter: keep a message that is not a task, byte for byte, on a capped dead-letter list and
 * forget its unacked entry (if it has one), so it is neither lost nor redelivered.
 * KEYS[1] dead-letter list, KEYS[2] unacked, KEYS[3] unacked_index
 * ARGV[1] the raw message, ARGV[2] delivery tag ('' = never recorded), ARGV[3] list cap (entries kept)
 * returns 1
 */
const DEAD_LETTER = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return 1`;

const SCRIPTS = { POP_MANY, DELIVER, ACK, RENEW, RESTORE, UNLOCK, STORE_RESULT, FINISH, DEAD_LETTER } as const;
export type ScriptName = keyof typeof SCRIPTS;

/** Run a script by SHA, loading it on NOSCRIPT (ioredis' defineCommand is untyped; this stays small). */
/** ioredis defines a Buffer-reply variant of every command but types only some of them. The named
 *  methods are used, not callBuffer('EVALSHA', ...), because ioredis' auto-pipelining drops the
 *  command name of `call`/`callBuffer`. */
interface BufferScripting {
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(script: string, numKeys: number, ...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** The client has the Buffer-reply scripting commands at run time (checked once, not assumed). */
function hasBufferScripting(r: object): r is BufferScripting {
  return 'evalshaBuffer' in r && typeof r.evalshaBuffer === 'function' && 'evalBuffer' in r && typeof r.evalBuffer === 'function';
}

export class Scripts {
  readonly #shas = new Map<ScriptName, string>();
  readonly #buffered: BufferScripting;
  constructor(private readonly redis: Redis) {
    if (!hasBufferScripting(redis)) throw new Error('this Redis client has no evalshaBuffer / evalBuffer');
    this.#buffered = redis;
  }

  /** SCRIPT LOAD everything up front, so each later run is a single EVALSHA written at call time
   *  (the worker relies on DELIVER reaching Redis before the FINISH that follows it). */
  async preload(): Promise<void> {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) this.#shas.set(name, (await this.redis.script('LOAD', SCRIPTS[name])) as string);
  }

  async run(name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return this.#run(name, keys, args, false);
  }

  /** As `run`, but always as EVAL with the body: it cannot fail with NOSCRIPT and be sent again
   *  later, so a command written after it on the same connection is sure to run after it. */
  async runInOrder(name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return this.redis.eval(SCRIPTS[name], keys.length, ...keys, ...args);
  }

  /** As `run`, with bulk replies as Buffers (messages are kept byte for byte). */
  async runBuffer(name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return this.#run(name, keys, args, true);
  }

  async #run(name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[], buffers: boolean): Promise<unknown> {
    let sha = this.#shas.get(name);
    if (!sha) {
      sha = (await this.redis.script('LOAD', SCRIPTS[name])) as string;
      this.#shas.set(name, sha);
    }
    try {
      return buffers ? await this.#buffered.evalshaBuffer(sha, keys.length, ...keys, ...args) : await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        this.#shas.delete(name);
        return buffers ? this.#buffered.evalBuffer(SCRIPTS[name], keys.length, ...keys, ...args) : this.redis.eval(SCRIPTS[name], keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}
