import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, flushLogger, redactUrl, redactSecrets } from './index.ts';

function memoryStream(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString()); cb(); } });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes pid, millisecond ISO time, level label, and censors secrets', () => {
    const mem = memoryStream();
    const log = createLogger({ console: mem.stream, level: 'debug' });
    log.info({ redisUrl: 'redis://:hunter2@h:6379', cfg: { password: 'hunter2' }, stage: 'algorithm', ms: 12 }, 'stage done');
    const [line] = mem.lines();
    expect(line).toBeDefined();
    expect(line!.pid).toBe(process.pid);
    expect(line!.level).toBe('info');
    expect(String(line!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(line!.stage).toBe('algorithm');
  });

  it('also appends to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfw-log-'));
    try {
      const file = join(dir, 'sub', 'worker.log');
      const log = createLogger({ console: null, file, syncFile: true });
      log.warn({ seed: 'abcd' }, 'hello file');
      await flushLogger(log);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('hello file');
      expect(text).not.toContain('abcd');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redaction of free text', () => {
  it('hides URL passwords and secret assignments', () => {
    expect(redactUrl('redis://user:pw@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactUrl('redis://:pw@host')).toBe('redis://:***@host');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactSecrets('connect failed password=abc token: "xyz"')).toBe('connect failed password=*** token: ***');
  });
});

describe('field censoring', () => {
  it('censors top-level, one level down (*.key) and exact nested paths, in lines and child bindings', () => {
    const mem = memoryStream();
    const log = createLogger({ console: mem.stream, level: 'debug', redact: ['deep.er.key'] });
    const child = log.child({ token: 't0ken', task: { seed: 's33d', id: 7 } });
    child.info({ headers: { authorization: 'Bearer abc' }, req: { headers: { authorization: 'Bearer def', accept: 'json' } }, deep: { er: { key: 'k3y', other: 1 } }, list: [{ share: 'sh4re' }], n: 3 }, 'line');
    const [line] = mem.lines();
    const text = JSON.stringify(line);
    for (const secret of ['t0ken', 's33d', 'Bearer abc', 'Bearer def', 'k3y']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({ token: '[redacted]', task: { seed: '[redacted]', id: 7 }, req: { headers: { authorization: '[redacted]', accept: 'json' } }, deep: { er: { key: '[redacted]', other: 1 } }, n: 3 });
    // `*.share` looks one level down only: an array element is two levels down, as with pino's paths.
    expect(line!.list).toEqual([{ share: 'sh4re' }]);
  });

  it('never changes the caller\'s object, and keeps an Error an Error', () => {
    const mem = memoryStream();
    const log = createLogger({ console: mem.stream });
    const fields = { cfg: { password: 'hunter2', user: 'u' }, err: new Error('boom') };
    log.warn(fields, 'failed');
    expect(fields.cfg.password).toBe('hunter2');
    const [line] = mem.lines();
    expect(line).toMatchObject({ cfg: { password: '[redacted]', user: 'u' }, err: { message: 'boom', type: 'Error' } });
  });
});
