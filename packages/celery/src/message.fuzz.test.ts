// Property tests of the message decoder: no input makes it throw, and whatever it accepts has the
// types the worker relies on. Also: a message's time limits never exceed the worker's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intake } from './intake.ts';
import { decodeTaskMessage, encodeTaskMessage } from './message.ts';
import type { Decoded } from './message.ts';
import { effectiveLimits } from './run-task.ts';

const OPTS = { maxMessageBytes: 64 * 1024 };
const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Everything the worker reads from an accepted request has its declared type. */
function checkDecoded(d: Decoded): void {
  if (!d.ok) {
    expect(typeof d.reason).toBe('string');
    expect(d.taskId === null || (typeof d.taskId === 'string' && d.taskId.length > 0)).toBe(true);
    return;
  }
  const r = d.request;
  expect(typeof r.id === 'string' && r.id.length > 0).toBe(true);
  expect(typeof r.name === 'string' && r.name.length > 0).toBe(true);
  expect(Array.isArray(r.args)).toBe(true);
  expect(isPlainObject(r.kwargs)).toBe(true);
  expect(Number.isInteger(r.retries) && r.retries >= 0).toBe(true);
  for (const v of [r.eta, r.expires, r.parentId, r.groupId]) expect(v === null || typeof v === 'string').toBe(true);
  expect(typeof r.rootId).toBe('string');
  expect(isPlainObject(r.headers)).toBe(true);
  expect(Number.isFinite(r.deliveryInfo.priority)).toBe(true);
}

function decodeBytes(buf: Buffer): Decoded | null {
  const first = intake(buf);
  if (first.kind === 'dead') return null;
  return decodeTaskMessage(first.text, 'q', OPTS, first.parsed);
}

const base = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(encodeTaskMessage({ id: 'id-1', name: 'add', args: [1, 2], kwargs: {}, queue: 'q', origin: 'test' }))) as Record<string, unknown>;

describe('message decoder (fast-check)', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const d = decodeBytes(Buffer.from(bytes));
        if (d) checkDecoded(d);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON values, and rejects every non-object', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const first = intake(Buffer.from(JSON.stringify(v) ?? 'null', 'utf8'));
        if (!isPlainObject(v)) expect(first.kind).toBe('dead');
        if (first.kind === 'object') checkDecoded(decodeTaskMessage(first.text, 'q', OPTS, first.parsed));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws when a field of a valid envelope or its headers is replaced by any JSON value', () => {
    const fields = ['body', 'content-encoding', 'content-type', 'headers', 'properties'];
    const headerFields = ['id', 'task', 'retries', 'eta', 'expires', 'timelimit', 'root_id', 'parent_id', 'group', 'argsrepr', 'kwargsrepr', 'ignore_result'];
    fc.assert(
      fc.property(
        fc.constantFrom(...fields, ...headerFields.map((h) => `headers.${h}`), 'properties.body_encoding', 'properties.priority', 'properties.delivery_info', 'properties.delivery_tag'),
        fc.jsonValue(),
        (path, value) => {
          const env = base();
          const [a, b] = path.split('.') as [string, string | undefined];
          if (b === undefined) env[a] = value;
          else (env[a] as Record<string, unknown>)[b] = value;
          const d = decodeBytes(Buffer.from(JSON.stringify(env), 'utf8'));
          if (d) checkDecoded(d);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a header or envelope value whose own "toString" is not a function is rejected, not thrown', () => {
    for (const field of ['content-type', 'content-encoding']) {
      const env = base();
      env[field] = { toString: {} };
      const d = decodeBytes(Buffer.from(JSON.stringify(env), 'utf8'));
      expect(d).toMatchObject({ ok: false, excType: 'ContentDisallowed' });
    }
  });

  it('never throws on any body string, base64 or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8').toString('base64'))), (body) => {
        const env = base();
        env.body = body;
        const d = decodeBytes(Buffer.from(JSON.stringify(env), 'utf8'));
        if (d) checkDecoded(d);
      }),
      { numRuns: 2000 },
    );
  });

  it('a message time limit never exceeds the worker limit', () => {
    const limit = fc.option(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(fc.jsonValue(), limit, limit, (timelimit, hard, soft) => {
        const e = effectiveLimits(timelimit, { hard, soft });
        if (hard !== null) expect(e.hard !== null && e.hard <= hard).toBe(true);
        if (soft !== null) expect(e.soft !== null && e.soft <= soft).toBe(true);
        for (const v of [e.hard, e.soft]) expect(v === null || (Number.isFinite(v) && v > 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
