// Helpers for this app's Redis tests (a unique prefix per test, deleting exactly its own keys).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

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

/** Polls `f` until it returns true; bounded by attempts, not wall time. */
export async function until(f: () => boolean | Promise<boolean>, tries = 200, stepMs = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return f();
}
