// The WAN bench's shaping proxy must pass bytes through intact, in order, both ways, and close a
// connection only after its queued bytes are delivered. (Its timing is not asserted: tests never gate
// on wall time; the bench reports the achieved rate beside the profile's.)
import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startShapingProxy } from './shaping-proxy.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + seed) & 255));

function collect(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  return new Promise((r) => s.on('end', () => r(Buffer.concat(parts))));
}

describe('shaping proxy', () => {
  it('relays both directions byte for byte and ends after the last queued byte', async () => {
    const up = pattern(3 << 20, 1);
    const down = pattern(1 << 20, 2);
    let serverGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const server = createServer((s) => {
      serverGot = collect(s);
      s.end(down);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const proxy = await startShapingProxy({ host: '127.0.0.1', port }, { name: 't', mbitPerSec: 400, rttMs: 2 });
    closers.push(() => proxy.close());
    const client = connect(proxy.port, '127.0.0.1');
    const clientGot = collect(client);
    for (let o = 0; o < up.length; o += 100_000) client.write(up.subarray(o, o + 100_000));
    client.end();
    expect((await clientGot).equals(down)).toBe(true);
    expect((await serverGot).equals(up)).toBe(true);
  });
});
