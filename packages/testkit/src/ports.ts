// Loopback ports for tests and benchmarks that start servers of their own.
import { createServer } from 'node:net';

/** A 127.0.0.1 port that was free a moment ago (bind to 0, read the port, close). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (typeof a !== 'object' || a === null) throw new Error('no port');
  return a.port;
}

/**
 * n distinct 127.0.0.1 ports that were free a moment ago. Every listener stays open until all n are
 * bound, so the kernel cannot hand the same port out twice, as it may to n separate freePort calls.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    return servers.map((s) => {
      const a = s.address();
      if (typeof a !== 'object' || a === null) throw new Error('no port');
      return a.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
}
