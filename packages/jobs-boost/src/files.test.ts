// ss_xgb_train / ss_xgb_predict declare every path their config names, so the executor refuses a
// path that leaves the data root before any cluster is acquired, naming the field.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterValidationError, TaskExecutor, TaskRegistry } from '@sfw/executor';
import type { PooledClusterProvider } from '@sfw/executor';
import { standInClusterProvider } from '@sfw/executor/testing';
import { register, ssXgbPredictTask, ssXgbTrainTask } from './index.ts';
import { ssXgbPredictFiles, ssXgbPredictSchema, ssXgbTrainFiles, ssXgbTrainSchema } from './params.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-ssxgb-files-')));
mkdirSync(join(root, 'in'));
writeFileSync(join(root, 'in/alice.csv'), 'id,mean_radius,y\n1,2,0\n');
writeFileSync(join(root, 'in/bob.csv'), 'id,worst_radius\n1,3\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let starts = 0;
const provider = (): PooledClusterProvider => standInClusterProvider(() => (starts += 1));

const trainConfig = {
  input_ds: { alice: 'in/alice.csv', bob: 'in/bob.csv' },
  feature_selects: ['mean_radius', 'worst_radius'],
  label: 'y',
  num_boost_round: 1,
  max_depth: 2,
  output_model: 'out/model',
};

describe('ss_xgb file declarations', () => {
  it('declare each party input, the model directory at every SPU party, the scores at the receiver', () => {
    const env = { parties: ['alice', 'bob'], spuParties: ['alice', 'bob'] };
    expect(ssXgbTrainFiles(ssXgbTrainSchema.parse(trainConfig), env)).toEqual([
      { field: 'input_ds.alice', party: 'alice', role: 'input', path: 'in/alice.csv' },
      { field: 'input_ds.bob', party: 'bob', role: 'input', path: 'in/bob.csv' },
      { field: 'output_model', party: 'alice', role: 'output-dir', path: 'out/model' },
      { field: 'output_model', party: 'bob', role: 'output-dir', path: 'out/model' },
    ]);
    const predict = ssXgbPredictSchema.parse({ input_ds: trainConfig.input_ds, model: 'out/model', receiver: 'bob', output_ds: 'out/pred.csv' });
    expect(ssXgbPredictFiles(predict, env)).toEqual([
      { field: 'input_ds.alice', party: 'alice', role: 'input', path: 'in/alice.csv' },
      { field: 'input_ds.bob', party: 'bob', role: 'input', path: 'in/bob.csv' },
      { field: 'model', party: 'alice', role: 'input-dir', path: 'out/model' },
      { field: 'model', party: 'bob', role: 'input-dir', path: 'out/model' },
      { field: 'output_ds', party: 'bob', role: 'output', path: 'out/pred.csv' },
    ]);
    expect(ssXgbTrainTask.files).toBe(ssXgbTrainFiles);
    expect(ssXgbPredictTask.files).toBe(ssXgbPredictFiles);
  });

  it('ss_xgb_train refuses paths escaping the data root before a cluster is started, naming the field', async () => {
    const registry = new TaskRegistry();
    register(registry);
    const ex = new TaskExecutor({ registry, provider: provider(), dataRoots: { default: root } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ output_model: '../x' }, 'task_config.output_model'],
      [{ output_model: join(root, 'out/model') }, 'task_config.output_model'],
      [{ output_model: '/tmp/ssxgb-model' }, 'task_config.output_model'],
      [{ input_ds: { alice: '../x', bob: 'in/bob.csv' } }, 'task_config.input_ds.alice'],
      [{ input_ds: { alice: 'in/alice.csv', bob: '/etc/passwd' } }, 'task_config.input_ds.bob'],
    ];
    for (const [patch, field] of cases) {
      const task = { ...ssXgbTrainTask.example, task_config: { ...trainConfig, ...patch } };
      const err = await ex.execute(`esc-${field}`, task).then(() => null, (e: unknown) => e);
      expect(err, field).toBeInstanceOf(ParameterValidationError);
      expect((err as ParameterValidationError).fields, field).toContain(field);
    }
    expect(starts).toBe(0);
    await ex.shutdown();
  });
});
