// Crashes, unhealthy clusters, rebuild, and "no thread left after shutdown".
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import { DeviceError } from './errors.ts';
import { deviceModuleUrl } from './module.ts';

const fixture = deviceModuleUrl(import.meta.url, './__tests__/device-fixture');
const standIn = deviceModuleUrl(import.meta.url, './__tests__/standin-backend');
const spu = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 16, beaverType: 'TTP' } as const;

/** Worker threads and MessagePorts alive in this process (Node lists both as active resources). */
const threadResources = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;

const started: Cluster[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.destroy()));
});

describe('cluster lifecycle', () => {
  it('shutdown leaves no thread running', async () => {
    const before = threadResources();
    const c = await Cluster.start({ parties: ['alice', 'bob'], spu, modules: [fixture], spuBackend: standIn });
    started.push(c);
    expect(threadResources()).toBeGreaterThan(before);
    await c.beginTask('t');
    expect(await c.pyu('alice').call('t.add', 1, 2).get()).toBe(3);
    await c.shutdown(); // task still active: shutdown ends it first
    expect(c.healthy).toBe(false);
    expect(threadResources()).toBe(before);
    expect(() => c.pyu('alice').call('t.add', 1, 2)).toThrow(/shut down/);
  });

  it('a thread that exits surfaces as THREAD_CRASHED naming party and function; the cluster is rebuilt', async () => {
    const c = await Cluster.start({ parties: ['alice', 'bob'], modules: [fixture] });
    started.push(c);
    await c.beginTask('crash');
    const pending = c.pyu('bob').call('t.rendezvous', 'alice'); // waits on alice forever
    const crash = c.pyu('alice').call('t.crash');
    await expect(crash.ready).rejects.toMatchObject({ code: 'THREAD_CRASHED', device: 'alice', fn: 't.crash' });
    // The peer waiting for alice fails too instead of hanging.
    await expect(pending.ready).rejects.toBeInstanceOf(DeviceError);
    expect(c.healthy).toBe(false);
    expect(() => c.pyu('bob').call('t.add', 1, 1)).toThrow(/unhealthy/);
    await c.destroy();
    const rebuilt = await Cluster.start({ parties: ['alice', 'bob'], modules: [fixture] });
    started.push(rebuilt);
    expect(await rebuilt.pyu('alice').call('t.add', 2, 2).get()).toBe(4);
  });

  it('an uncaught error inside a thread marks the cluster unhealthy', async () => {
    const c = await Cluster.start({ parties: ['alice', 'bob'], modules: [fixture] });
    started.push(c);
    const obj = c.pyu('bob').call('t.uncaught');
    const err = (await obj.ready.catch((e: unknown) => e)) as DeviceError;
    expect(err).toMatchObject({ code: 'THREAD_CRASHED', device: 'bob', fn: 't.uncaught' });
    expect(c.healthy).toBe(false);
  });

  it('destroy (hard kill) rejects pending work with ABORTED and leaves no thread', async () => {
    const before = threadResources();
    const c = await Cluster.start({ parties: ['alice', 'bob'], modules: [fixture] });
    started.push(c);
    await c.beginTask('hard');
    const file = await c.pyu('alice').call<string>('t.writeTaskFile', 'f').get();
    const pending = c.pyu('alice').call('t.waitAbort'); // never finishes on its own
    await c.destroy();
    await expect(pending.ready).rejects.toMatchObject({ code: 'ABORTED', device: 'alice' });
    expect(threadResources()).toBe(before);
    expect((await import('node:fs')).existsSync(file)).toBe(false); // task dir removed by the driver
  });

  it('a module that fails to load fails start and leaves no thread', async () => {
    const before = threadResources();
    await expect(
      Cluster.start({ parties: ['alice', 'bob'], modules: [deviceModuleUrl(import.meta.url, './__tests__/missing-module')] }),
    ).rejects.toMatchObject({ fn: 'load', device: expect.stringMatching(/^(alice|bob)$/) as string });
    expect(threadResources()).toBe(before);
  });
});
