// The AEAD link channel over real loopback sockets: frames of many sizes both ways through two
// gateways (and across rekeys), negotiation down to the TLS stream when one end does not allow the
// channel, and a channel stream that was tampered with (a flipped bit, reordered, replayed, cut,
// spliced from another session, over-long) failing closed without handing anything on.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect as tcpConnect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '@sfw/testkit';
import { makePki } from '../__tests__/net-fixture.ts';
import { BULK_MAGIC, ChannelError, channelHalves, RecordType, type ChannelKeys, type Opened } from './aead-channel.ts';
import { Gateway, type Session } from './gateway.ts';
import { encodeData, MAX_FRAME_BYTES } from './wire.ts';
import type { WireData } from './wire.ts';

const pki = makePki(['alice', 'bob']);
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

const SIZES = [0, 1, 5, 100, 16383, 16384, 16385, 65536, 65537, (1 << 20) + 3, 5 * (1 << 20) + 11];

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

async function pair(cipher: { alice: 'aead' | 'tls'; bob: 'aead' | 'tls' }, task: string, rekeyBytes?: number): Promise<{ gw: Gateway[]; s: Record<'alice' | 'bob', Session> }> {
  const [pa, pb] = (await freePorts(2)) as [number, number];
  const start = (self: 'alice' | 'bob', port: number, peer: string, peerPort: number): Promise<Gateway> =>
    Gateway.start({ self, tls: pki.tls(self), listen: { host: '127.0.0.1', port }, peers: { [peer]: `127.0.0.1:${peerPort}` }, linkCipher: cipher[self], rekeyBytes, rendezvousTimeoutMs: 5000, linkTimeoutMs: 5000 });
  const a = await start('alice', pa, 'bob', pb);
  const b = await start('bob', pb, 'alice', pa);
  const [sa, sb] = await Promise.all([a.open(task, ['bob'], ['alice', 'bob'], null), b.open(task, ['alice'], ['alice', 'bob'], null)]);
  return { gw: [a, b], s: { alice: sa, bob: sb } };
}

/** Send every size from `from` to `to` and collect what arrives, in order. */
async function roundTrip(s: Record<'alice' | 'bob', Session>, from: 'alice' | 'bob', to: 'alice' | 'bob'): Promise<WireData[]> {
  const got: WireData[] = [];
  const done = new Promise<void>((resolve, reject) => {
    s[to].attach((_peer, data) => {
      got.push(data);
      if (got.length === SIZES.length) resolve();
    }, (_peer, reason) => reject(new Error(reason)));
  });
  s[from].attach(() => undefined, () => undefined);
  SIZES.forEach((n, i) => s[from].send(to, { from: `${from}/pyu`, to: `${to}/pyu`, frame: { tag: `t${i}`, epoch: 0, kind: 'bytes', payload: pattern(n, i) } }));
  await done;
  return got;
}

describe('AEAD link channel between gateways', () => {
  it('round-trips frames of many sizes both ways, payloads arriving in buffers of their own', async () => {
    for (const rekeyBytes of [undefined, 300_000]) {
      const { gw, s } = await pair({ alice: 'aead', bob: 'aead' }, `sizes-${rekeyBytes ?? 0}`, rekeyBytes);
      try {
        expect([...s.alice.conns.values()][0]!.aead).toBe(true);
        for (const [from, to] of [['alice', 'bob'], ['bob', 'alice']] as const) {
          const got = await roundTrip(s, from, to);
          got.forEach((d, i) => {
            expect(d.frame.tag).toBe(`t${i}`);
            const p = d.frame.payload as Uint8Array;
            expect(Buffer.compare(Buffer.from(p), Buffer.from(pattern(SIZES[i]!, i)))).toBe(0);
            if (p.byteLength > 0) expect(p.byteOffset === 0 && p.buffer.byteLength === p.byteLength).toBe(true);
          });
        }
      } finally {
        await Promise.all(gw.map((g) => g.close()));
      }
    }
  });

  it('uses the TLS stream when either end does not allow the channel', async () => {
    const { gw, s } = await pair({ alice: 'aead', bob: 'tls' }, 'negotiated');
    try {
      expect([...s.alice.conns.values()][0]!.aead).toBe(false);
      expect([...s.bob.conns.values()][0]!.aead).toBe(false);
      expect((await roundTrip(s, 'alice', 'bob')).length).toBe(SIZES.length);
    } finally {
      await Promise.all(gw.map((g) => g.close()));
    }
  });

  it('drops a channel connection that names no session here, before anything reaches a link', async () => {
    const [port] = (await freePorts(1)) as [number];
    const g = await Gateway.start({ self: 'alice', tls: pki.tls('alice'), listen: { host: '127.0.0.1', port }, peers: { bob: '127.0.0.1:1' }, linkCipher: 'aead' });
    const events: string[] = [];
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const sock = tcpConnect({ host: '127.0.0.1', port }, () => sock.write(Buffer.concat([BULK_MAGIC, randomBytes(16), randomBytes(33)])));
        sock.on('error', () => undefined);
        sock.on('close', () => resolve(true));
      });
      expect(closed).toBe(true);
      void events;
    } finally {
      await g.close();
    }
  });
});

const keysOf = (): ChannelKeys => ({ id: randomBytes(16), clientToServer: randomBytes(32), serverToClient: randomBytes(32) });

/** A stream of sealed records: BIND, frames of several sizes, CLOSE (each record its own buffer). */
function records(keys: ChannelKeys): Buffer[] {
  const { writer } = channelHalves(keys, { client: true });
  const out = [Buffer.concat(writer.seal(RecordType.Bind, Buffer.alloc(0), null))];
  for (const n of [10, 70_000, 3]) {
    const [h, p] = encodeData('a/pyu', 'b/pyu', { tag: `n${n}`, epoch: 0, kind: 'bytes', payload: pattern(n, n) });
    out.push(Buffer.concat(writer.seal(RecordType.Frame, h!, p!)));
  }
  out.push(Buffer.concat(writer.seal(RecordType.Close, Buffer.alloc(0), null)));
  return out;
}

/** Send `bytes` through a real loopback TCP connection into a reader for `keys`; report what opened. */
async function receive(keys: ChannelKeys, bytes: Buffer): Promise<{ opened: Opened[]; error: string | null; closed: boolean }> {
  const { reader } = channelHalves(keys, { client: false });
  const opened: Opened[] = [];
  let error: string | null = null;
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const done = new Promise<void>((resolve) => {
    server.once('connection', (s: Socket) => {
      s.on('data', (chunk: Buffer) => {
        if (error !== null) return;
        try {
          reader.push(chunk, (r) => opened.push(r));
        } catch (err) {
          error = err instanceof ChannelError ? err.message : String(err);
          s.destroy();
          resolve();
        }
      });
      s.on('close', () => resolve());
    });
  });
  const c = tcpConnect({ host: '127.0.0.1', port }, () => c.end(bytes));
  c.on('error', () => undefined);
  await done;
  server.close();
  return { opened, error, closed: reader.closed };
}

describe('AEAD records over a real socket fail closed', () => {
  const keys = keysOf();
  const recs = records(keys);

  it('opens an untouched stream: every frame, then the authenticated close', async () => {
    const r = await receive(keys, Buffer.concat(recs));
    expect(r.error).toBeNull();
    expect(r.closed).toBe(true);
    expect(r.opened.map((o) => o.type)).toEqual([RecordType.Bind, RecordType.Frame, RecordType.Frame, RecordType.Frame, RecordType.Close]);
  });

  it('a flipped bit anywhere in a record (header, ciphertext, tag) fails it and hands on nothing of it', async () => {
    for (const at of [0, 4, 6, 12, 16, 17, 40, 30_000, recs[2]!.length - 1]) {
      const bad = recs.map((b) => Buffer.from(b));
      bad[2]![at]! ^= 0x04;
      const r = await receive(keys, Buffer.concat(bad));
      // A flipped length byte can also make the reader wait for bytes that never come: then the
      // stream ends without its CLOSE, which the link treats as a failure as well.
      expect(r.error !== null || at < 4).toBe(true);
      expect(r.opened.length).toBe(2); // BIND and the first frame only
      expect(r.closed).toBe(false);
    }
  });

  it('reordered, replayed, dropped records fail', async () => {
    const [bind, f1, f2, f3, close] = recs as [Buffer, Buffer, Buffer, Buffer, Buffer];
    for (const stream of [[bind, f2, f1, f3, close], [bind, f1, f1, f2], [bind, f1, f3, close], [f1, bind], [bind, bind]]) {
      const r = await receive(keys, Buffer.concat(stream));
      expect(r.error).not.toBeNull();
      expect(r.closed).toBe(false);
    }
  });

  it('a stream cut before its CLOSE (even at a record boundary) is not a finished one', async () => {
    const whole = Buffer.concat(recs.slice(0, 4));
    for (const cut of [whole.length, whole.length - 1, 20]) {
      const r = await receive(keys, whole.subarray(0, cut));
      expect(r.closed).toBe(false);
    }
  });

  it('records spliced from another session (other keys, same position) fail', async () => {
    const other = records(keysOf());
    const r = await receive(keys, Buffer.concat([recs[0]!, other[1]!]));
    expect(r.error).toBe('record failed authentication');
    expect(r.opened.length).toBe(1);
    const r2 = await receive(keys, Buffer.concat(other));
    expect(r2.opened.length).toBe(0);
  });

  it('a record longer than the frame bound fails before anything is allocated for it', async () => {
    const h = Buffer.from(recs[1]!.subarray(0, 17));
    h.writeUInt32BE(MAX_FRAME_BYTES + 64 * 1024 + 1, 0);
    const r = await receive(keys, Buffer.concat([recs[0]!, h]));
    expect(r.error).toBe('record length out of bounds');
    expect(() => encodeData('a', 'b', { tag: 't', epoch: 0, kind: 'bytes', payload: new Uint8Array(0) })).not.toThrow();
  });
});
