import { describe, expect, it } from 'vitest';
import { ParameterValidationError, parseOrThrow } from '@sfw/executor';
import { ssXgbPredictSchema, ssXgbTrainSchema } from './params.ts';
import { binFeature, binOf, bucketCount, bucketMap, quantileSorted, splitPoints } from './binning.ts';
import { treeSample } from './sampling.ts';
import { columnLayout, sampledColumns } from './columns.ts';

const base = { input_ds: { alice: 'a.csv', bob: 'b.csv' }, feature_selects: ['x1', 'x2'], label: 'y', output_model: 'm' };

describe('ss_xgb_train parameters', () => {
  it("applies SecretFlow's component defaults", () => {
    expect(ssXgbTrainSchema.parse(base)).toMatchObject({
      num_boost_round: 10, max_depth: 5, learning_rate: 0.1, objective: 'logistic', reg_lambda: 0.1, subsample: 0.1, colsample_by_tree: 0.1,
      sketch_eps: 0.1, base_score: 0, seed: 42, id_column: 'id',
    });
    expect(ssXgbPredictSchema.parse({ input_ds: base.input_ds, model: 'm', receiver: 'alice', output_ds: 'o.csv' })).toMatchObject({ pred_name: 'pred', save_ids: false, save_label: true });
  });
  it.each([
    [{ max_depth: 0 }, 'task_config.max_depth'],
    [{ max_depth: 17 }, 'task_config.max_depth'],
    [{ num_boost_round: 0 }, 'task_config.num_boost_round'],
    [{ num_boost_round: 1025 }, 'task_config.num_boost_round'],
    [{ sketch_eps: 0 }, 'task_config.sketch_eps'],
    [{ learning_rate: 0 }, 'task_config.learning_rate'],
    [{ learning_rate: 1.5 }, 'task_config.learning_rate'],
    [{ reg_lambda: -1 }, 'task_config.reg_lambda'],
    [{ subsample: 0 }, 'task_config.subsample'],
    [{ colsample_by_tree: 1.2 }, 'task_config.colsample_by_tree'],
    [{ objective: 'tweedie' }, 'task_config.objective'],
    [{ base_score: 11 }, 'task_config.base_score'],
    [{ label: 'x1' }, 'task_config.label'],
    [{ feature_selects: ['x1', 'x1'] }, 'task_config.feature_selects'],
    [{ feature_selects: [] }, 'task_config.feature_selects'],
    [{ gamma: 1 }, 'task_config'],
  ])('rejects %j naming %s', (patch, field) => {
    try {
      parseOrThrow(ssXgbTrainSchema, { ...base, ...patch }, 'task_config');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParameterValidationError);
      expect((e as ParameterValidationError).fields.join(' ')).toContain(field);
    }
  });
});

describe('local binning', () => {
  it('buckets = ceil(1 / sketch_eps)', () => {
    expect([0.1, 0.25, 0.3, 1, 0.05].map(bucketCount)).toEqual([10, 4, 4, 1, 20]);
  });
  it('np.quantile linear interpolation', () => {
    const s = Float64Array.of(1, 2, 3, 4, 10);
    expect(quantileSorted(s, 0.5)).toBe(3);
    expect(quantileSorted(s, 0.9)).toBeCloseTo(7.6, 12);
  });
  it('few distinct values: the values themselves; many: distinct quantiles ending at the max', () => {
    expect([...splitPoints([3, 1, 1, 2], 10)]).toEqual([1, 2, 3]);
    const x = Array.from({ length: 101 }, (_, i) => i);
    expect([...splitPoints(x, 4)]).toEqual([25, 50, 75, 100]);
    // Heavy ties: duplicate quantiles collapse.
    expect([...splitPoints([0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5], 4)]).toEqual([0, 2.25, 5]);
  });
  it('bins: first point >= x; the cumulative map has 1 from the bin on', () => {
    const f = binFeature([5, 1, 3, 9], 10);
    expect([...f.points]).toEqual([1, 3, 5, 9]);
    expect([...f.bins]).toEqual([2, 0, 1, 3]);
    expect(binOf(f.points, 10)).toBe(4);
    const m = bucketMap([f], 4);
    expect(m.cols).toBe(4);
    expect([...m.data.subarray(0, 4)]).toEqual([0, 0, 1, 1]);
    expect([...m.data.subarray(4, 8)]).toEqual([1, 1, 1, 1]);
  });
});

describe('public sampling', () => {
  it('is deterministic per (seed, tree) and draws the asked fractions', () => {
    const a = treeSample(42, 3, 1000, 30, 0.1, 0.1);
    expect(treeSample(42, 3, 1000, 30, 0.1, 0.1)).toEqual(a);
    expect(a.rows!.reduce((s, v) => s + v, 0)).toBe(100);
    expect(a.features.length).toBe(3);
    expect(treeSample(42, 4, 1000, 30, 0.1, 0.1).features).not.toEqual(a.features);
    const all = treeSample(1, 0, 10, 5, 1, 1);
    expect(all.rows).toBeNull();
    expect(all.features).toEqual([0, 1, 2, 3, 4]);
  });
  it('maps sampled columns back to (party, feature, bucket)', () => {
    const l = columnLayout([{ party: 'alice', counts: [2, 3] }, { party: 'bob', counts: [4] }]);
    expect(l.partyCols).toEqual([5, 4]);
    const s = sampledColumns(l, [0, 2]);
    expect(s.ranges).toEqual([[0, 2], [5, 9]]);
    expect(s.owners[3]).toMatchObject({ f: { party: 'bob', local: 0 }, bucket: 1 });
  });
});
