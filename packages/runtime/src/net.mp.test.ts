// Party mode inside one test process: alice, bob and the dealer each have their own gateway (TLS
// server on loopback) and cluster; the same driver code runs on both parties and only ever touches
// local threads, the rest crosses the links. Results are checked against plaintext, and refused
// links are checked to be refused before any task parameter is exchanged.
import { rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import { DeviceError } from './errors.ts';
import { DealerService } from './net/dealer-service.ts';
import { Gateway, type Hello } from './net/gateway.ts';
import { encodeControl, FrameType } from './net/wire.ts';
import { deviceModuleUrl } from './module.ts';
import { freePorts } from '@sfw/testkit';
import { makePki } from './__tests__/net-fixture.ts';

const fixture = deviceModuleUrl(import.meta.url, './__tests__/device-fixture');
const SPU = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;
const EPS = 1e-4;
const pki = makePki(['alice', 'bob', 'dealer', 'carol']);
const rogue = makePki(['bob'], 'sfw-rogue-pki-');
const ports = { alice: 0, bob: 0, dealer: 0 };
const addr = (p: number): string => `127.0.0.1:${p}`;
const events: { host: string; event: string; fields: Record<string, unknown> }[] = [];
const hellos: Hello[] = [];
let dealer: DealerService;
let gw: Record<'alice' | 'bob', Gateway>;
let clusters: Record<'alice' | 'bob', Cluster>;

function pattern(n: number, offset: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (((i + offset) * 7919) % 2000) / 1000 - 1);
}

beforeAll(async () => {
  [ports.alice, ports.bob, ports.dealer] = (await freePorts(3)) as [number, number, number];
  const peersOf = (self: string): Record<string, string> =>
    Object.fromEntries(Object.entries(ports).filter(([n]) => n !== self).map(([n, p]) => [n, addr(p)]));
  dealer = await DealerService.start({ self: 'dealer', tls: pki.tls('dealer'), listen: { host: '127.0.0.1', port: ports.dealer }, peers: { alice: addr(ports.alice), bob: addr(ports.bob) } });
  const start = (self: 'alice' | 'bob'): Promise<Gateway> =>
    Gateway.start({
      self,
      tls: pki.tls(self),
      listen: { host: '127.0.0.1', port: ports[self] },
      peers: peersOf(self),
      linkTimeoutMs: 2000,
      rendezvousTimeoutMs: 3000,
      onHello: (h) => hellos.push(h),
      onEvent: (event, fields) => events.push({ host: self, event, fields }),
    });
  gw = { alice: await start('alice'), bob: await start('bob') };
  const [a, b] = await Promise.all((['alice', 'bob'] as const).map((self) =>
    Cluster.start({ parties: ['alice', 'bob'], spu: SPU, modules: [fixture], network: { gateway: gw[self], self } })));
  clusters = { alice: a!, bob: b! };
});

afterAll(async () => {
  await Promise.all(Object.values(clusters ?? {}).map((c) => c.shutdown()));
  await Promise.all(Object.values(gw ?? {}).map((g) => g.close()));
  await dealer?.close();
  for (const dir of [pki.dir, rogue.dir]) rmSync(dir, { recursive: true, force: true });
});

/** Run the same driver code on both parties (as two workers would) and return both results. */
async function both<T>(task: string, job: (c: Cluster) => Promise<T>): Promise<[T, T]> {
  const run = async (c: Cluster): Promise<T> => {
    await c.beginTask(task);
    try {
      return await job(c);
    } finally {
      await c.endTask();
    }
  };
  const [a, b] = await Promise.all([run(clusters.alice), run(clusters.bob)]);
  return [a, b];
}

describe('party mode over mutual TLS', () => {
  it('runs only local threads: a SEMI2K product with the dealer service, revealed to alice and to both drivers', async () => {
    const n = 1000;
    const [ra, rb] = await both('mul-1', async (c) => {
      const x = c.pyu('alice').call('builtin.pattern', [n], 0);
      const y = c.pyu('bob').call('builtin.pattern', [n], 31);
      const [z] = c.spu().run('builtin.mul', [x, y]);
      const atAlice = z!.reveal(c.pyu('alice'));
      const viaAlice = await atAlice.get(); // alice's driver reads it, bob's receives it from alice's
      const all = await c.get(z!); // every driver reconstructs from the ranks' shares
      return { viaAlice, all, threads: Object.keys(await c.inspect()).sort() };
    });
    const px = pattern(n, 0);
    const py = pattern(n, 31);
    for (const r of [ra, rb]) {
      r.viaAlice.data.forEach((v, i) => expect(Math.abs(v - px[i]! * py[i]!)).toBeLessThan(EPS));
      expect(Array.from(r.all.data)).toEqual(Array.from(r.viaAlice.data));
    }
    expect(ra.threads).toEqual(['alice', 'spu:rank0']);
    expect(rb.threads).toEqual(['bob', 'spu:rank1']);
  });

  it('moves a plaintext between parties and keeps ids aligned across tasks', async () => {
    const [ra, rb] = await both('xfer-2', async (c) => {
      const v = c.pyu('bob').call<number>('t.echo', 41);
      const at = v.to(c.pyu('alice'));
      const s = c.pyu('alice').call<number>('t.add', at, 1);
      // A p2p conversation inside functions that run on both hosts at once.
      const hi = c.pyu('alice').call<string>('t.rendezvous', 'bob');
      const back = c.pyu('bob').call<string>('t.rendezvous', 'alice');
      return [await s.get(), await hi.get(), await back.get()];
    });
    const want = [42, 'hello from bob', 'hello from alice'];
    expect([ra, rb]).toEqual([want, want]);
  });

  it('a rendezvous with a party that never joins fails naming it', async () => {
    const err = await clusters.alice.beginTask('lonely-3').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('PEER_LOST');
    expect((err as DeviceError).device).toBe('bob');
    expect((err as DeviceError).message).toMatch(/bob/);
  });

  it('refuses a certificate from another CA, a wrong party name, and plain TCP before any hello', async () => {
    hellos.length = 0;
    // bob's name, wrong CA: the TLS handshake fails on both sides.
    const impostor = await Gateway.start({ self: 'bob', tls: rogue.tls('bob'), peers: { alice: addr(ports.alice) }, rendezvousTimeoutMs: 1000 });
    const e1 = await impostor.open('t-ca', ['alice'], ['alice', 'bob'], null).then(() => null, (e: unknown) => e as Error);
    expect(e1?.message).toMatch(/alice: TLS failure/);
    await impostor.close();
    // Right CA, but the certificate names carol, whom alice does not know.
    const carol = await Gateway.start({ self: 'carol', tls: pki.tls('carol'), peers: { alice: addr(ports.alice) }, rendezvousTimeoutMs: 1000 });
    const e2 = await carol.open('t-name', ['alice'], ['alice', 'carol'], null).then(() => null, (e: unknown) => e as Error);
    expect(e2?.message).toMatch(/alice/);
    await carol.close();
    // Right CA and name, but dialled as the dealer: the server certificate must name whom we dial.
    const confused = await Gateway.start({ self: 'alice', tls: pki.tls('alice'), peers: { dealer: addr(ports.bob) }, rendezvousTimeoutMs: 1000 });
    const e3 = await confused.open('t-dial', ['dealer'], ['alice', 'bob'], null).then(() => null, (e: unknown) => e as Error);
    expect(e3?.message).toMatch(/does not name dealer/);
    await confused.close();
    // Plain TCP carrying a well-formed HELLO frame: never read as one.
    const hello = encodeControl(FrameType.Hello, { v: 1, from: 'bob', to: 'alice', task: 't-plain', info: null });
    const reply = await new Promise<Buffer>((resolve) => {
      const s = tcpConnect(ports.alice, '127.0.0.1', () => s.write(hello));
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('close', () => resolve(Buffer.concat(got)));
      s.on('error', () => undefined);
    });
    expect(reply.includes(Buffer.from('t-plain'))).toBe(false);
    expect(hellos).toEqual([]);
    expect(events.filter((e) => e.host === 'alice' && e.event === 'refused').length).toBeGreaterThanOrEqual(3);
  });
});
