// Helpers for this app's Redis tests (a unique prefix per test, deleting exactly its own keys).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

export function uniquePrefix(name: string): string {
  return `sfwtest:${name}:${randomBytes(6).toString('hex')}:`;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * Polls `f` every `stepMs` until it returns true or `timeoutMs` has passed (generous: the bound only
 * ends a test that is failing anyway, so a loaded machine never turns a slow pass into a failure).
 */
export async function until(f: () => boolean | Promise<boolean>, timeoutMs = 30_000, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return f();
}

/**
 * A subscriber on `channel` whose subscription is proven live before this returns: it connects
 * first (no commands queued while the connection's ready check runs), subscribes, then waits until
 * a probe published on the channel comes back. Messages other than the probe go to `onMessage`.
 * A connection error is recorded in `errors` instead of being an unhandled event.
 */
export async function liveSubscriber(url: string, channel: string, onMessage: (m: string) => void): Promise<{ sub: Redis; errors: Error[] }> {
  const errors: Error[] = [];
  const sub = new Redis(url, { lazyConnect: true });
  sub.on('error', (e: Error) => errors.push(e));
  await sub.connect();
  const probe = `probe:${randomBytes(8).toString('hex')}`;
  let seen = false;
  sub.on('message', (_c: string, m: string) => {
    if (m === probe) seen = true;
    else onMessage(m);
  });
  await sub.subscribe(channel);
  const pub = new Redis(url);
  try {
    const deadline = Date.now() + 30_000;
    while (!seen && Date.now() < deadline) {
      await pub.publish(channel, probe);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await pub.quit();
  }
  if (!seen) throw new Error(`subscription to ${channel} not live after 30 s`);
  return { sub, errors };
}
