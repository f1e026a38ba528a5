import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, describeConfig } from './config.ts';

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('loadConfig', () => {
  it('has the design defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/0', parties: ['alice', 'bob'], address: 'local', queues: ['secretflow_queue'],
      maxRetries: 3, defaultRetryDelaySec: 60, hardTimeLimitSec: 3600, softTimeLimitSec: 3000, resultExpiresSec: 86400,
      statusChannel: 'secretflow:task_status', statusList: 'secretflow:task_status_log', logLevel: 'info', debug: false,
    });
  });

  it('reads the environment, coercing numbers, lists, booleans and "no limit"', () => {
    const c = loadConfig({ env: { SECRETFLOW_PARTIES: 'alice, bob,carol', CELERY_CONCURRENCY: '2', CELERY_TASK_TIME_LIMIT: '0', CELERY_TASK_SOFT_TIME_LIMIT: 'none', SFW_DEBUG: 'true', LOG_LEVEL: 'DEBUG' } });
    expect(c.parties).toEqual(['alice', 'bob', 'carol']);
    expect(c.concurrency).toBe(2);
    expect(c.hardTimeLimitSec).toBeNull();
    expect(c.softTimeLimitSec).toBeNull();
    expect(c.debug).toBe(true);
    expect(c.logLevel).toBe('debug');
  });

  it('names the bad setting by its env var', () => {
    expect(problems(() => loadConfig({ env: { CELERY_CONCURRENCY: 'zero' } }))[0]).toMatch(/^CELERY_CONCURRENCY \(from environment\): /);
    expect(problems(() => loadConfig({ env: { REDIS_URL: 'http://x' } }))[0]).toMatch(/^REDIS_URL .*redis:\/\//);
    expect(problems(() => loadConfig({ env: { CELERY_TASK_SOFT_TIME_LIMIT: '4000' } }))[0]).toMatch(/^CELERY_TASK_SOFT_TIME_LIMIT .*below the hard limit/);
    expect(problems(() => loadConfig({ env: { CELERY_VISIBILITY_TIMEOUT: '60' } }))[0]).toMatch(/^CELERY_VISIBILITY_TIMEOUT .*exceed the hard time limit/);
    expect(problems(() => loadConfig({ env: { LOG_LEVEL: 'loud', SECRETFLOW_PARTIES: 'al ice' } }))).toHaveLength(2);
  });

  it('config file < env < overrides, and names bad keys in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfw-cfg-'));
    try {
      const file = join(dir, 'worker.json');
      writeFileSync(file, JSON.stringify({ concurrency: 3, CELERY_QUEUE: 'q1', maxRetries: 5 }));
      const c = loadConfig({ file, env: { CELERY_MAX_RETRIES: '1' }, overrides: { concurrency: 4 } });
      expect([c.concurrency, c.queues, c.maxRetries]).toEqual([4, ['q1'], 1]);
      writeFileSync(file, JSON.stringify({ concurency: 3, maxRetries: -1 }));
      const p = problems(() => loadConfig({ file }));
      expect(p[0]).toContain('concurency (config file');
      expect(p[0]).toContain('unknown setting');
      expect(p[1]).toMatch(/^maxRetries \(config file .*\): /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hides the Redis password when described', () => {
    const c = loadConfig({ env: { REDIS_URL: 'redis://u:secretpw@h:6379/1' } });
    expect(JSON.stringify(describeConfig(c))).not.toContain('secretpw');
  });
});
