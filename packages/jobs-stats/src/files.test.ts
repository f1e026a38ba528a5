// The statistics tasks declare every path their config names, so the executor's file seam refuses a
// path that leaves the data root, naming the field, before a cluster is acquired or a job runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterValidationError, TaskExecutor, TaskRegistry } from '@sfw/executor';
import type { PooledClusterProvider } from '@sfw/executor';
import { standInClusterProvider } from '@sfw/executor/testing';
import { register, ssPvalueTask, tableStatisticsTask } from './tasks.ts';
import { ssPvalueSchema, tableStatisticsSchema } from './params.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-stats-seam-')));
let starts = 0;
const provider = (): PooledClusterProvider => standInClusterProvider(() => (starts += 1));

const registry = new TaskRegistry();
beforeAll(() => {
  register(registry);
  mkdirSync(join(root, 'in'), { recursive: true });
  mkdirSync(join(root, 'model'), { recursive: true });
  writeFileSync(join(root, 'in/alice.csv'), 'id,age\n1,2\n');
  writeFileSync(join(root, 'in/bob.csv'), 'id,bmi\n1,3\n');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const envelope = (task_type: string, task_config: Record<string, unknown>): Record<string, unknown> => ({
  task_type,
  sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
  spu_config: { cluster_def: { nodes: [{ party: 'alice' }, { party: 'bob' }], runtime_config: { protocol: 'SEMI2K', field: 'FM128', fxp_fraction_bits: 40 } } },
  task_config,
});

describe('the statistics tasks on the file seam', () => {
  it('declare each party table as its input and the SS-LR model as an input directory at every SPU party', () => {
    const env = { parties: ['alice', 'bob'], spuParties: ['alice', 'bob'] };
    expect(tableStatisticsTask.files(tableStatisticsSchema.parse({ input_ds: { alice: 'a.csv', bob: 'b.csv' } }))).toEqual([
      { field: 'input_ds.alice', party: 'alice', role: 'input', path: 'a.csv' },
      { field: 'input_ds.bob', party: 'bob', role: 'input', path: 'b.csv' },
    ]);
    expect(ssPvalueTask.files(ssPvalueSchema.parse({ model: 'm', input_ds: { alice: 'a.csv' } }), env)).toEqual([
      { field: 'input_ds.alice', party: 'alice', role: 'input', path: 'a.csv' },
      { field: 'model', party: 'alice', role: 'input-dir', path: 'm' },
      { field: 'model', party: 'bob', role: 'input-dir', path: 'm' },
    ]);
  });

  it('refuse a path escaping the data root (.., absolute) naming the field, before a cluster starts', async () => {
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root } });
    const both = { alice: 'in/alice.csv', bob: 'in/bob.csv' };
    const cases: [string, Record<string, unknown>, string][] = [
      ['table_statistics', { input_ds: { ...both, alice: '../x.csv' } }, 'task_config.input_ds.alice'],
      ['table_statistics', { input_ds: { ...both, bob: '/etc/passwd' } }, 'task_config.input_ds.bob'],
      ['ss_pearsonr', { input_ds: { ...both, bob: 'in/../../x.csv' }, feature_selects: ['age', 'bmi'] }, 'task_config.input_ds.bob'],
      ['ss_vif', { input_ds: { ...both, alice: join(root, 'in/alice.csv') }, feature_selects: ['age', 'bmi'] }, 'task_config.input_ds.alice'],
      ['ss_pvalue', { model: '../model', input_ds: both }, 'task_config.model'],
      ['ss_pvalue', { model: '/tmp', input_ds: both }, 'task_config.model'],
      ['groupby_statistics', { input_ds: { ...both, alice: '/etc/passwd' }, by: ['age'], aggregations: [{ column: 'bmi', function: 'SUM' }], receiver: 'alice' }, 'task_config.input_ds.alice'],
    ];
    for (const [taskType, cfg, field] of cases) {
      const err = await ex.execute(`bad-${taskType}`, envelope(taskType, cfg)).catch((e: unknown) => e);
      expect(err, `${taskType} ${field}`).toBeInstanceOf(ParameterValidationError);
      expect((err as ParameterValidationError).fields, `${taskType} ${field}`).toEqual([field]);
    }
    expect(starts).toBe(0);
  });
});
