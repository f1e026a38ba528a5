// Every preprocessing task declares the paths its config names, so the executor refuses a path that
// leaves the party's data root (or an input that is missing) before a cluster is acquired.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterValidationError, TaskExecutor, TaskRegistry } from '@sfw/executor';
import { standInClusterProvider } from '@sfw/executor/testing';
import { register } from './tasks.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-prep-files-')));
mkdirSync(join(root, 'in'));
for (const p of ['alice', 'bob']) writeFileSync(join(root, `in/${p}.csv`), 'id,x\n1,2\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let starts = 0;
const provider = standInClusterProvider(() => (starts += 1));
const registry = new TaskRegistry();
register(registry);
const executor = new TaskExecutor({ registry, provider, dataRoots: { default: root } });

const input = { alice: 'in/alice.csv', bob: 'in/bob.csv' };
const outs = (name: string): Record<string, string> => ({ alice: `out/${name}_alice.csv`, bob: `out/${name}_bob.csv` });
const task = (taskType: string, cfg: Record<string, unknown>): Record<string, unknown> => ({
  task_type: taskType,
  sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
  spu_config: { cluster_def: { runtime_config: { protocol: 'SEMI2K', field: 'FM64', beaver_type: 'TTP' } } },
  task_config: cfg,
});

describe('preprocessing tasks and the file seam', () => {
  it('refuses paths outside the data root, naming the field, before a cluster is started', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['fillna', { input_ds: { ...input, bob: '../bob.csv' }, features: ['x'], output_ds: outs('f'), output_rule: outs('fr') }, 'task_config.input_ds.bob'],
      ['fillna', { input_ds: input, features: ['x'], output_ds: outs('f'), output_rule: { ...outs('fr'), alice: '/tmp/rule.json' } }, 'task_config.output_rule.alice'],
      ['feature_calculate', { input_ds: input, rules: [{ op: 'ROUND', features: ['x'] }], output_ds: { ...outs('c'), bob: 'out/../../c.csv' }, output_rule: outs('cr') }, 'task_config.output_ds.bob'],
      ['onehot_encode', { input_ds: { ...input, alice: join(root, 'in/alice.csv') }, features: ['x'], output_ds: outs('o'), output_rule: outs('or') }, 'task_config.input_ds.alice'],
      ['vert_binning', { input_ds: input, feature_selects: ['x'], output_rule: outs('b'), output_ds: { ...outs('bd'), alice: '../bd.csv' } }, 'task_config.output_ds.alice'],
      ['vert_woe_binning', { input_ds: input, feature_selects: ['x'], label: 'id', output_rule: { ...outs('w'), bob: '/etc/w.json' } }, 'task_config.output_rule.bob'],
      ['substitution', { input_ds: input, input_rule: { alice: '../rule.json' }, output_ds: outs('s') }, 'task_config.input_rule.alice'],
      ['train_test_split', { input_ds: input, train_ds: outs('tr'), test_ds: { ...outs('te'), bob: '../te.csv' } }, 'task_config.test_ds.bob'],
      ['train_test_split', { input_ds: input, train_ds: { ...outs('tr'), alice: '/tmp/tr.csv' }, test_ds: outs('te') }, 'task_config.train_ds.alice'],
      ['feature_filter', { input_ds: input, drop_features: ['x'], output_ds: { ...outs('ff'), alice: '../../ff.csv' } }, 'task_config.output_ds.alice'],
    ];
    for (const [taskType, cfg, field] of cases) {
      const err = await executor.execute(`bad-${taskType}`, task(taskType, cfg)).catch((e: unknown) => e);
      expect(err, `${taskType} ${field}`).toBeInstanceOf(ParameterValidationError);
      expect((err as ParameterValidationError).fields, `${taskType}`).toEqual([field]);
    }
    expect(starts).toBe(0);
  });
});
