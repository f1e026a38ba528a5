// Cluster thread machinery: PYU calls, movements, errors, per-task reset, and SPU plumbing through the
// test-only stand-in backend (real SEMI2K runs are covered in spu-real.mp.test.ts).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';
import { DeviceObject } from './devices.ts';
import { ClusterError, DeviceError } from './errors.ts';
import { deviceModuleUrl } from './module.ts';
import type { ProgressEvent } from './core.ts';

const fixture = deviceModuleUrl(import.meta.url, './__tests__/device-fixture');
const standIn = deviceModuleUrl(import.meta.url, './__tests__/standin-backend');

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({
    parties: ['bob', 'alice'],
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 16, beaverType: 'TTP' }, // the stand-in ignores it
    modules: [fixture],
    spuBackend: standIn,
  });
});

afterAll(async () => {
  await cluster?.shutdown();
});

describe('PYU calls', () => {
  it('runs registered functions on the owner and chains handles without moving values', async () => {
    await cluster.beginTask('calls');
    const alice = cluster.pyu('alice');
    expect(cluster.parties).toEqual(['alice', 'bob']);
    const a = alice.call<number>('t.add', 2, 3);
    const b = alice.call<number>('t.add', a, 10); // depends on a, resolved inside alice's thread
    expect(await cluster.get(b)).toBe(15);
    expect(await alice.call('t.whoami').get()).toEqual({ party: 'alice', parties: ['alice', 'bob'], taskId: 'calls' });
    await cluster.endTask();
  });

  it('runs independent calls in parallel (a rendezvous that deadlocks if serialized)', async () => {
    await cluster.beginTask('parallel');
    const x = cluster.pyu('alice').call<string>('t.rendezvous', 'bob');
    const y = cluster.pyu('bob').call<string>('t.rendezvous', 'alice');
    expect(await Promise.all([x.get(), y.get()])).toEqual(['hello from bob', 'hello from alice']);
    await cluster.endTask();
  });

  it('moves plaintext only through an explicit to(pyu), and refuses foreign handles', async () => {
    await cluster.beginTask('move');
    const a = cluster.pyu('alice').call<number>('t.add', 1, 1);
    expect(() => cluster.pyu('bob').call('t.add', a, 1)).toThrow(ClusterError);
    const atBob = a.to(cluster.pyu('bob'));
    expect(atBob.device.party).toBe('bob');
    expect(await cluster.pyu('bob').call<number>('t.add', atBob, 1).get()).toBe(3);
    await cluster.endTask();
  });

  it('reports progress events to the driver', async () => {
    await cluster.beginTask('progress');
    const seen: ProgressEvent[] = [];
    const off = cluster.onProgress((e) => seen.push(e));
    await cluster.pyu('bob').call('t.progress').ready;
    await new Promise((r) => setTimeout(r, 20)); // events travel on another port than the reply
    off();
    expect(seen).toContainEqual({ party: 'bob', fn: 't.progress', fraction: 0.5, message: 'half way' });
    await cluster.endTask();
  });

  it('fires the task signal on abortTask', async () => {
    await cluster.beginTask('abort');
    const w = cluster.pyu('alice').call<string>('t.waitAbort');
    cluster.abortTask();
    expect(await w.get()).toBe('aborted');
    await cluster.endTask();
  });
});

describe('errors', () => {
  it('names party and function, keeps no data values, and propagates to dependents', async () => {
    await cluster.beginTask('errors');
    const bad = cluster.pyu('alice').call('t.fail');
    const err = await bad.ready.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    const de = err as DeviceError;
    expect(de).toMatchObject({ code: 'FUNCTION_FAILED', device: 'alice', fn: 't.fail', errorName: 'RangeError' });
    expect(de.message).not.toMatch(/123456|987654321/);
    const dependent = cluster.pyu('alice').call('t.add', bad, 1);
    await expect(dependent.ready).rejects.toMatchObject({ device: 'alice', fn: 't.fail' });
    const moved = bad.to(cluster.pyu('bob'));
    await expect(moved.ready).rejects.toMatchObject({ device: 'alice', fn: 't.fail' });
    expect(cluster.healthy).toBe(true);
    await cluster.endTask();
  });

  it('reports values that cannot cross a thread as BAD_VALUE', async () => {
    await cluster.beginTask('clone');
    const withFn = cluster.pyu('alice').call('t.echo', { f: () => 1 });
    await expect(withFn.ready).rejects.toMatchObject({ code: 'BAD_VALUE', device: 'alice', fn: 't.echo' });
    expect(cluster.healthy).toBe(true);
    await cluster.endTask();
  });

  it('rejects unknown functions with UNKNOWN_FUNCTION', async () => {
    await cluster.beginTask('unknown');
    await expect(cluster.pyu('bob').call('t.nope').ready).rejects.toMatchObject({ code: 'UNKNOWN_FUNCTION', device: 'bob', fn: 't.nope' });
    await cluster.endTask();
  });
});

describe('per-task reset', () => {
  it('leaves nothing of task 1 reachable in task 2', async () => {
    await cluster.beginTask('task-1');
    const alice = cluster.pyu('alice');
    const secret = alice.call<number>('t.add', 40, 2);
    const file = await alice.call<string>('t.writeTaskFile', 'x.bin').get();
    expect(existsSync(file)).toBe(true);
    // A message sent in task 1 that nobody reads must not be readable in task 2.
    await alice.call('t.sendOnly', 'bob', 'task-1 message').ready;
    const during = await cluster.inspect();
    expect(during['alice']!.objects).toBeGreaterThan(0);
    await cluster.endTask();

    expect(existsSync(file)).toBe(false);
    const after = await cluster.inspect();
    for (const [label, s] of Object.entries(after)) {
      expect({ label, objects: s.objects, pendingFrames: s.pendingFrames, taskDir: s.taskDir }).toEqual({
        label, objects: 0, pendingFrames: 0, taskDir: null,
      });
    }

    await cluster.beginTask('task-2');
    expect(() => alice.call('t.add', secret, 0)).toThrow(/ended/);
    // Bypass the driver's epoch check: the thread itself no longer holds the object.
    const forged = new DeviceObject<number>(alice, secret.id, after['alice']!.epoch + 1, Promise.resolve());
    await expect(alice.call('t.add', forged, 0).ready).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    await alice.call('t.sendOnly', 'bob', 'task-2 message').ready;
    expect(await cluster.pyu('bob').call('t.recvOnly', 'alice').get()).toBe('task-2 message');
    await cluster.endTask();
  });
});

describe('functions outliving their task', () => {
  it('cannot send into the next task', async () => {
    await cluster.beginTask('late-1');
    const late = cluster.pyu('alice').call('t.lateSend', 'bob', 150);
    await cluster.endTask();
    await cluster.beginTask('late-2');
    await new Promise((r) => setTimeout(r, 400)); // the late send has happened (and was refused)
    await expect(late.ready).rejects.toMatchObject({ code: 'TASK_ENDED', device: 'alice', fn: 't.lateSend' });
    const state = await cluster.inspect();
    expect(state['bob']!.pendingFrames).toBe(0);
    await cluster.pyu('alice').call('t.sendOnly', 'bob', 'task-2 message').ready;
    expect(await cluster.pyu('bob').call('t.recvOnly', 'alice').get()).toBe('task-2 message');
    await cluster.endTask();
  });
});

describe('SPU plumbing (stand-in backend)', () => {
  it('secret-shares, runs SPMD with rank and dealer traffic, and reveals to one party', async () => {
    await cluster.beginTask('spu');
    const spu = cluster.spu();
    const xs = [1.5, -2.25, 3];
    const ys = [0.5, 4, -1];
    const x = cluster.pyu('alice').call('t.column', xs).to(spu);
    const y = cluster.pyu('bob').call('t.column', ys).to(spu);
    const [sum] = spu.run('t.add', [x, y]);
    const [scaled] = spu.run('t.openScale', [sum!], { scale: 3 });
    const expected = xs.map((v, i) => 3 * (v + ys[i]!));
    // Reveal to bob only: the value appears on bob's thread.
    const atBob = scaled!.reveal(cluster.pyu('bob'));
    const plain = await atBob.get();
    expect(plain.shape).toEqual([3]);
    plain.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4)); // 2^-16 fixed point
    const driver = await cluster.get(sum!);
    driver.data.forEach((v, i) => expect(v).toBeCloseTo(xs[i]! + ys[i]!, 4));
    const stats = await scaled!.stats!;
    expect(stats.ranks).toHaveLength(2);
    for (const r of stats.ranks) {
      expect(r.sentTo).toEqual(r === stats.ranks[0] ? [0, 1, 1] : [1, 0, 1]);
      expect(r.stats.bytesSent).toBe(3 * 8 + 1);
    }
    expect(stats.dealer!.stats.messagesSent).toBe(2);
    await cluster.endTask();
  });

  it('fails the whole run when one rank throws, naming the rank and the program', async () => {
    await cluster.beginTask('spu-fail');
    const x = cluster.pyu('alice').call('t.column', [1]).to(cluster.spu());
    const [out] = cluster.spu().run('t.failOnRank1', [x]);
    await expect(out!.ready).rejects.toMatchObject({ device: 'spu:rank1', fn: 't.failOnRank1' });
    expect(cluster.healthy).toBe(true);
    await cluster.endTask();
  });

  it('refuses to share a non-numeric value, naming only its type', async () => {
    await cluster.beginTask('spu-bad');
    const s = cluster.pyu('alice').call('t.echo', { secret: 'abc' }).to(cluster.spu());
    const err = (await s.ready.catch((e: unknown) => e)) as DeviceError;
    expect(err).toMatchObject({ code: 'BAD_VALUE', device: 'alice', fn: 'to(spu)' });
    expect(err.message).not.toContain('abc');
    await cluster.endTask();
  });
});
