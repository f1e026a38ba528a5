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
