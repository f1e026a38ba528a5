// Oracle: the same Python client cases against a real Celery 5.2.6 worker (py/stub.py,
// solo pool, acks_late) and against the TS worker, compared field by field. Allowed differences:
// worker hostname, task ids, times, traceback text, and date_done's zone (5.2.6 writes naive UTC,
// we write +00:00, which 5.2.6 and later both read).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { py, startPythonWorker, startRedis, startWorker } from './harness.ts';
import type { RedisServer } from './harness.ts';

let server: RedisServer;
let redis: Redis;
type Outcome = Record<string, unknown>;
const out: Record<'py' | 'ts', Record<string, Outcome>> = { py: {}, ts: {} };
const CASES: [string, unknown][] = [['success', {}], ['fail', {}], ['custom_fail', {}], ['retry', { n: 2 }], ['retry', { n: 99 }], ['ping', {}], ['events', { limit: 8, timeout: 10 }]];
const key = (c: string, a: unknown): string => `${c}${JSON.stringify(a)}`;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  for (const side of ['py', 'ts'] as const) {
    await redis.flushdb();
    const w = side === 'py' ? await startPythonWorker(server.url, 'oracle@localhost') : await startWorker(server.url, { SFW_HOSTNAME: 'oracle@localhost', SFW_RETRY_DELAY: '0.3', SFW_EVENTS: '1' });
    try {
      for (const [c, a] of CASES) out[side][key(c, a)] = await py(server.url, c, a);
    } finally {
      await w.stop();
    }
  }
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describe('TS worker vs real Celery worker (same client cases)', () => {
  it('every case produced an outcome on both sides (the comparisons below are not vacuous)', () => {
    for (const side of ['py', 'ts'] as const) {
      expect(Object.keys(out[side])).toHaveLength(CASES.length);
      expect(out[side][key('success', {})]).toMatchObject({ ok: true, state: 'SUCCESS' });
      expect(out[side][key('fail', {})]).toMatchObject({ raised: 'ValueError', state: 'FAILURE' });
      expect(out[side][key('retry', { n: 99 })]).toMatchObject({ ok: false, state: 'FAILURE' });
      expect((out[side][key('retry', { n: 2 })]?.seen as unknown[]).length).toBe(3);
    }
  });

  it('success: same value, state and extended meta', () => {
    const [p, t] = [out.py[key('success', {})], out.ts[key('success', {})]] as [Outcome, Outcome];
    for (const f of ['ok', 'value', 'state', 'name', 'args', 'kwargs', 'retries', 'queue', 'worker']) expect(t[f], f).toEqual(p[f]);
    const [pm, tm] = [p.raw as Outcome, t.raw as Outcome];
    expect(Object.keys(tm).sort()).toEqual(Object.keys(pm).sort());
    for (const f of ['status', 'result', 'traceback', 'children', 'name', 'args', 'kwargs', 'retries', 'queue']) expect(tm[f], f).toEqual(pm[f]);
  });

  it('failures: same Python exception types, modules, args', () => {
    for (const c of ['fail', 'custom_fail']) {
      const [p, t] = [out.py[key(c, {})], out.ts[key(c, {})]] as [Outcome, Outcome];
      const { traceback_is_str: _a, ...pRest } = p;
      const { traceback_is_str: _b, ...tRest } = t;
      expect(tRest, c).toEqual(pRest);
    }
  });

  it('retries: same RETRY/SUCCESS/FAILURE sequences and final exceptions', () => {
    for (const a of [{ n: 2 }, { n: 99 }]) expect(out.ts[key('retry', a)], JSON.stringify(a)).toEqual(out.py[key('retry', a)]);
  });

  it('events: same task event sequence and fields; both send heartbeats', () => {
    const view = (o: Outcome | undefined): unknown => {
      const ev = (o?.events ?? []) as Outcome[];
      return {
        heartbeat: ev.some((e) => e.type === 'worker-heartbeat'),
        task: ev.filter((e) => e.uuid === o?.id).map((e) => ({ type: e.type, fields: Object.keys(e).filter((k) => !['uuid', 'hostname', 'timestamp', 'clock', 'pid', 'utcoffset'].includes(k)).sort() })),
        received: ev.filter((e) => e.uuid === o?.id && e.type === 'task-received').map((e) => ({ name: e.name, retries: e.retries, root_id: e.root_id === o?.id })),
      };
    };
    const k = key('events', { limit: 8, timeout: 10 });
    expect(view(out.py[k])).toMatchObject({ heartbeat: true });
    expect(view(out.ts[k])).toEqual(view(out.py[k]));
  });

  it('ping: same reply shape', () => {
    expect(out.ts[key('ping', {})]).toEqual(out.py[key('ping', {})]);
  });
});
