// The executor applies the file seam and the operator's bounds to every task the same way: refused
// before any cluster is acquired, outputs committed only when the job (or pipeline step) succeeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { TaskExecutor } from './executor.ts';
import type { PooledClusterProvider } from './cluster.ts';
import { standInClusterProvider } from './testing.ts';
import { TaskRegistry } from './registry.ts';
import { ParameterValidationError, TaskExecutionError } from './errors.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-seam-')));
let starts = 0;
const provider = (): PooledClusterProvider => standInClusterProvider(() => (starts += 1));

const copySchema = z.object({ from: z.string(), to: z.string(), fail: z.boolean().default(false), epochs: z.number().int().min(1).default(1) });

const registry = new TaskRegistry();

beforeAll(() => {
  mkdirSync(join(root, 'in'), { recursive: true });
  writeFileSync(join(root, 'in/data.csv'), 'id\n1\n2\n');
  registry.add({
    taskType: 'test.copy',
    description: 'copies a file, writing its output half-way before it may fail',
    schema: copySchema,
    files: (c) => [
      { field: 'from', party: 'alice', role: 'input', path: c.from },
      { field: 'to', party: 'alice', role: 'output', path: c.to },
    ],
    async run(ctx, c) {
      const text = readFileSync(ctx.files.input('from'), 'utf8');
      await writeFile(ctx.files.output('to'), text.slice(0, 3));
      if (c.fail) throw new Error('failed half-way');
      await writeFile(ctx.files.output('to'), text);
      return { ok: true };
    },
  });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const copy = (cfg: Record<string, unknown>): Record<string, unknown> => ({ task_type: 'test.copy', task_config: cfg });

describe('the file seam in the executor', () => {
  it('commits the output on success, reports nothing staged', async () => {
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root } });
    await ex.execute('ok-1', copy({ from: 'in/data.csv', to: 'out/ok.csv' }));
    expect(readFileSync(join(root, 'out/ok.csv'), 'utf8')).toBe('id\n1\n2\n');
    expect(readdirSync(join(root, 'out'))).toEqual(['ok.csv']);
  });

  it('a failed job leaves the earlier output intact and no partial file', async () => {
    writeFileSync(join(root, 'earlier.csv'), 'earlier\n');
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root } });
    await expect(ex.execute('fail-1', copy({ from: 'in/data.csv', to: 'earlier.csv', fail: true }))).rejects.toBeInstanceOf(TaskExecutionError);
    expect(readFileSync(join(root, 'earlier.csv'), 'utf8')).toBe('earlier\n');
    await expect(ex.execute('fail-2', copy({ from: 'in/data.csv', to: 'new/dir/x.csv', fail: true }))).rejects.toBeInstanceOf(TaskExecutionError);
    expect(existsSync(join(root, 'new'))).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes('sfw-stage'))).toEqual([]);
  });

  it('refuses escapes and bounds before a cluster is started, naming the field', async () => {
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root }, limits: { maxEpochs: 100 } });
    const before = starts;
    const cases: [Record<string, unknown>, string][] = [
      [{ from: '/etc/passwd', to: 'o.csv' }, 'task_config.from'],
      [{ from: 'in/data.csv', to: '../o.csv' }, 'task_config.to'],
      [{ from: 'in/data.csv', to: '/tmp/o.csv' }, 'task_config.to'],
      [{ from: 'in/data.csv', to: 'in/data.csv' }, 'task_config.to'],
      [{ from: 'in/data.csv', to: 'o.csv', epochs: 1e9 }, 'task_config.epochs'],
    ];
    for (const [cfg, field] of cases) {
      const err = await ex.execute('bad', copy(cfg)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParameterValidationError);
      expect((err as ParameterValidationError).fields).toEqual([field]);
    }
    expect(starts).toBe(before);
  });

  it('pipeline: each step commits its own outputs; a later failure keeps what earlier steps committed, nothing of its own', async () => {
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root } });
    const steps = [
      { task_type: 'test.copy', task_config: { from: 'in/data.csv', to: 'p/step1.csv' } },
      { task_type: 'test.copy', task_config: { from: 'p/step1.csv', to: 'p/step2.csv', fail: true } },
    ];
    const err = await ex.execute('pipe', { task_type: 'pipeline', task_config: { steps } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { failed_step: '1:test.copy' } });
    expect(readdirSync(join(root, 'p'))).toEqual(['step1.csv']);
    // a step's bound and path are checked before anything runs
    const bad = await ex.execute('pipe-bad', { task_type: 'pipeline', task_config: { steps: [steps[0], { task_type: 'test.copy', task_config: { from: 'p/step1.csv', to: '/x', epochs: 1e9 } }] } }).catch((e: unknown) => e);
    expect((bad as ParameterValidationError).fields).toEqual(['task_config.steps.1.task_config.epochs']);
    const bad2 = await ex.execute('pipe-bad2', { task_type: 'pipeline', task_config: { steps: [{ task_type: 'test.copy', task_config: { from: 'in/missing.csv', to: 'q.csv' } }] } }).catch((e: unknown) => e);
    expect((bad2 as ParameterValidationError).fields).toEqual(['task_config.steps.0.task_config.from']);
  });
});
