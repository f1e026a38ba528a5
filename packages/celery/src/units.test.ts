// Pure helpers: keys, dates, message decoding, exception mapping.
import { describe, expect, it } from 'vitest';
import { exceptionPayload, isRetryable, timeLimitExceeded } from './errors.ts';
import { dbOfUrl, keyBuilder, priorityStep } from './keys.ts';
import { decodeTaskMessage, encodeTaskMessage, retryEnvelope } from './message.ts';
import { parseIsoMs, pyIsoUtc } from './time.ts';

describe('keys', () => {
  it('maps priorities to kombu steps and orders BRPOP keys step by step', () => {
    expect([0, 1, 3, 5, 6, 8, 9, 12, -1].map(priorityStep)).toEqual([0, 0, 3, 3, 6, 6, 9, 9, 0]);
    const k = keyBuilder(2);
    expect(k.queue('q', 5)).toBe('q\x06\x163');
    expect(k.brpopKeys(['a', 'b'])).toEqual(['a', 'b', 'a\x06\x163', 'b\x06\x163', 'a\x06\x166', 'b\x06\x166', 'a\x06\x169', 'b\x06\x169']);
    expect(k.queueOfKey('a\x06\x166')).toBe('a');
    expect(k.pidboxChannel).toBe('/2.celery.pidbox');
    expect(k.eventChannel('task-succeeded')).toBe('/2.celeryev/task.succeeded');
    expect(dbOfUrl('redis://h:1/7')).toBe(7);
    expect(dbOfUrl('redis://h:1')).toBe(0);
  });
});

describe('time', () => {
  it('writes six fractional digits and +00:00, and reads naive times as UTC', () => {
    const ms = Date.UTC(2026, 10, 27, 21, 42, 21, 706);
    expect(pyIsoUtc(ms)).toBe('2026-11-27T21:42:21.706000+00:00');
    expect(parseIsoMs('2026-11-27T21:42:21.706917+00:00')).toBe(ms);
    expect(parseIsoMs('2026-11-27T21:42:21.706917')).toBe(ms);
    expect(parseIsoMs('2026-11-27T23:42:21.706+02:00')).toBe(ms);
    expect(parseIsoMs('nonsense')).toBeNull();
    expect(parseIsoMs(null)).toBeNull();
  });
});

describe('message', () => {
  const opts = { maxMessageBytes: 1 << 20 };
  it('round-trips a task message and builds a retry', () => {
    const env = encodeTaskMessage({ id: 'i1', name: 't', args: [1, { a: 2 }], kwargs: { k: 'v' }, queue: 'q', priority: 4, origin: 'o' });
    const d = decodeTaskMessage(JSON.stringify(env), 'q', opts);
    if (!d.ok) throw new Error(d.reason);
    expect(d.request).toMatchObject({ id: 'i1', name: 't', args: [1, { a: 2 }], kwargs: { k: 'v' }, retries: 0, rootId: 'i1', deliveryInfo: { routingKey: 'q', priority: 4 } });
    const next = retryEnvelope(d.envelope, d.request, '2030-01-01T00:00:00.000000+00:00', 'o2');
    expect(next.headers).toMatchObject({ id: 'i1', retries: 1, parent_id: 'i1', eta: '2030-01-01T00:00:00.000000+00:00' });
    expect(next.properties.delivery_tag).not.toBe(env.properties.delivery_tag);
  });
  it('accepts kombu >= 5.3 {__type__, __value__} wrappers', () => {
    const env = encodeTaskMessage({ id: 'i', name: 't', args: [{ __type__: 'datetime', __value__: '2026-01-01T00:00:00' }], kwargs: {}, queue: 'q', origin: 'o' });
    const d = decodeTaskMessage(JSON.stringify(env), 'q', opts);
    expect(d.ok && d.request.args).toEqual(['2026-01-01T00:00:00']);
  });
  it('unwraps a {__type__, __value__} wrapper whose key is spelled with \\u escapes, and leaves other bodies as they are', () => {
    const base = encodeTaskMessage({ id: 'i', name: 't', args: [], kwargs: {}, queue: 'q', origin: 'o' });
    const escaped = { ...base, body: Buffer.from('[[{"\\u005f_type__": "uuid", "__value__": "u-1"}, {"__type__x": 1}], {}, {}]').toString('base64') };
    const d = decodeTaskMessage(JSON.stringify(escaped), 'q', opts);
    expect(d.ok && d.request.args).toEqual(['u-1', { __type__x: 1 }]);
    const plain = { ...base, body: Buffer.from('[[{"type": "t", "value": 1}], {"k": [1, "\\"x\\""]}, {}]').toString('base64') };
    const p = decodeTaskMessage(JSON.stringify(plain), 'q', opts);
    expect(p.ok && [p.request.args, p.request.kwargs]).toEqual([[{ type: 't', value: 1 }], { k: [1, '"x"'] }]);
  });
  it('rejects bad messages with a Celery/kombu exception name, keeping the id when there is one', () => {
    expect(decodeTaskMessage('{', 'q', opts)).toMatchObject({ ok: false, taskId: null, excType: 'DecodeError' });
    const base = encodeTaskMessage({ id: 'i', name: 't', args: [], kwargs: {}, queue: 'q', origin: 'o' });
    const pickle = { ...base, 'content-type': 'application/x-python-serialize' };
    expect(decodeTaskMessage(JSON.stringify(pickle), 'q', opts)).toMatchObject({ ok: false, taskId: 'i', excType: 'ContentDisallowed', excModule: 'kombu.exceptions' });
    const noArgs = { ...base, body: Buffer.from('[{}, {}, {}]').toString('base64') };
    expect(decodeTaskMessage(JSON.stringify(noArgs), 'q', opts)).toMatchObject({ ok: false, excType: 'InvalidTaskError' });
    const noId = { ...base, headers: { ...base.headers, id: undefined } };
    expect(decodeTaskMessage(JSON.stringify(noId), 'q', opts)).toMatchObject({ ok: false, taskId: null });
    expect(decodeTaskMessage(JSON.stringify(base), 'q', { maxMessageBytes: 10 })).toMatchObject({ ok: false, taskId: 'i', excType: 'InvalidTaskError' });
  });
});

describe('errors', () => {
  it('maps errors to Python exception payloads', () => {
    expect(exceptionPayload(Object.assign(new Error('x'), { name: 'ValueError' }))).toEqual({ exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' });
    expect(exceptionPayload(new Error('x'))).toEqual({ exc_type: 'Exception', exc_message: ['x'], exc_module: 'builtins' });
    expect(exceptionPayload(new RangeError('r'))).toMatchObject({ exc_type: 'ValueError', exc_module: 'builtins' });
    expect(exceptionPayload(Object.assign(new Error('m'), { name: 'SecretflowError', excArgs: ['m', 42] }))).toEqual({ exc_type: 'SecretflowError', exc_message: ['m', 42], exc_module: 'celery.exceptions' });
    expect(exceptionPayload(timeLimitExceeded(3600))).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [3600], exc_module: 'billiard.exceptions' });
    // A name that is not an identifier never reaches Python's attribute lookup.
    expect(exceptionPayload(Object.assign(new Error('m'), { name: 'os.system("x")' })).exc_type).toBe('Exception');
    expect(isRetryable(Object.assign(new Error(), { retryable: true }))).toBe(true);
    expect(isRetryable(new Error())).toBe(false);
  });
});

describe('LongTimer', () => {
  it('re-arms past the 2^31-1 ms setTimeout ceiling instead of firing early', async () => {
    const { vi } = await import('vitest');
    const { LongTimer } = await import('./time.ts');
    vi.useFakeTimers();
    try {
      let fired = 0;
      const days30 = 30 * 86_400_000;
      const t = new LongTimer(Date.now() + days30, () => fired++);
      vi.advanceTimersByTime(2 ** 31 - 1 + 1000);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(days30);
      expect(fired).toBe(1);
      const c = new LongTimer(Date.now() + 10, () => fired++);
      c.cancel();
      vi.advanceTimersByTime(100);
      expect(fired).toBe(1);
      t.cancel();
    } finally {
      vi.useRealTimers();
    }
  });
});
