// The CLI's one-shot commands as a process (no Redis): `run` success and failure exit codes and
// output, and start-up config validation naming the bad setting.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'sfw-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@sfw/source', join(root, 'apps/worker/src/cli.ts'), ...args], {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sfw CLI (no Redis)', () => {
  it('run executes a task file and writes the result with stage metrics', () => {
    const out = join(dir, 'r.json');
    const r = cli(['run', join(root, 'examples/hello.json'), '--out', out, '--id', 'cli-run-1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SUCCESS hello \(cli-run-1\)/);
    expect(r.stderr).toMatch(/algorithm\s+[\d.]+ ms\s+[\d.]+ %/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ task_request_id: 'cli-run-1', task_type: 'hello', performance_metrics: { cluster_reused: false } });
  }, 60_000);

  it('run fails with exit 1 naming the bad field; a bad setting exits 2 naming the env var', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ task_type: 'pipeline', task_config: { steps: [{ task_type: 'hello' }] } }));
    const r = cli(['run', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ParameterValidationError [PARAMETER_INVALID]');
    expect(r.stderr).toContain('task_config.steps.0.task_type');
    const c = cli(['tasks'], { CELERY_TASK_SOFT_TIME_LIMIT: '5000' });
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/CELERY_TASK_SOFT_TIME_LIMIT \(from environment\): the soft limit must be below the hard limit/);
  }, 60_000);
});
