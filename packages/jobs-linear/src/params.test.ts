import { describe, expect, it } from 'vitest';
import { ParameterValidationError, parseOrThrow } from '@sfw/executor';
import { ssLrPredictSchema, ssLrTrainSchema } from './params.ts';
import { resolveLayout } from '@sfw/model';
import { batchStarts, epochLearningRate, epsRescale, infeedRows } from './schedule.ts';

const base = { input_ds: { alice: 'a.csv', bob: 'b.csv' }, feature_selects: ['x1', 'x2'], label: 'y', output_model: 'm' };

describe('ss_lr_train parameters', () => {
  it('applies SecretFlow defaults', () => {
    const c = ssLrTrainSchema.parse(base);
    expect(c).toMatchObject({ epochs: 10, learning_rate: 0.1, batch_size: 1024, sig_type: 't1', reg_type: 'logistic', penalty: 'None', l2_norm: 0.5, eps: 0.001, strategy: 'naive_sgd', report_weights: false });
  });
  it.each([
    [{ sig_type: 'mm1' }, 'task_config.sig_type'],
    [{ batch_size: 0 }, 'task_config.batch_size'],
    [{ epochs: 0 }, 'task_config.epochs'],
    [{ penalty: 'l1' }, 'task_config.penalty'],
    [{ decay_rate: 1.5, decay_epoch: 2 }, 'task_config.decay_rate'],
    [{ decay_rate: 0.5 }, 'task_config.decay_epoch'],
    [{ strategy: 'policy_sgd', reg_type: 'linear' }, 'task_config.strategy'],
    [{ label: 'x1' }, 'task_config.label'],
  ])('rejects %j naming %s', (patch, field) => {
    try {
      parseOrThrow(ssLrTrainSchema, { ...base, ...patch }, 'task_config');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParameterValidationError);
      expect((e as ParameterValidationError).fields).toContain(field);
    }
  });
  it('predict defaults follow ss_sgd_predict', () => {
    expect(ssLrPredictSchema.parse({ input_ds: { alice: 'a' }, model: 'm', receiver: 'alice', output_ds: 'o' })).toMatchObject({ pred_name: 'pred', save_ids: true, save_label: false, batch_size: 1024 });
  });
});

describe('layout resolution', () => {
  const headers = new Map([
    ['alice', { columns: ['id', 'a1', 'a2', 'y'], numRows: 10 }],
    ['bob', { columns: ['id', 'b1'], numRows: 10 }],
  ]);
  it('orders blocks by SPU rank and puts the intercept on the last block', () => {
    const l = resolveLayout(headers, ['alice', 'bob'], ['b1', 'a2', 'a1'], 'y');
    expect(l.blocks).toEqual([{ party: 'alice', features: ['a2', 'a1'] }, { party: 'bob', features: ['b1'] }]);
    expect(l.featureNames).toEqual(['a2', 'a1', 'b1']);
    expect(l.interceptParty).toBe('bob');
    expect(l.labelParty).toBe('alice');
  });
  it('fails with ParameterValidationError for a missing label or feature, or unaligned tables', () => {
    expect(() => resolveLayout(headers, ['alice', 'bob'], ['a1'], 'target')).toThrow(ParameterValidationError);
    expect(() => resolveLayout(headers, ['alice', 'bob'], ['a1', 'zz'], 'y')).toThrow(/'zz'/);
    const unaligned = new Map([...headers, ['bob', { columns: ['b1'], numRows: 9 }]]);
    expect(() => resolveLayout(unaligned, ['alice', 'bob'], ['a1'], 'y')).toThrow(/PSI/);
  });
});

describe('schedule (SecretFlow infeed and decay)', () => {
  it('drops rows that do not fill a batch, per infeed block', () => {
    expect(batchStarts(545, 30, 64)).toEqual([0, 64, 128, 192, 256, 320, 384, 448]);
    expect(batchStarts(545, 30, 1024)).toEqual([]);
    const block = infeedRows(1000, 1024);
    expect(block).toBe(40960);
    const starts = batchStarts(block + 1500, 1000, 1024);
    expect(starts.at(-1)).toBe(block);
    expect(starts.length).toBe(41);
  });
  it('decays the learning rate and rescales eps as SecretFlow does', () => {
    expect(epochLearningRate(0.1, 7, { strategy: 'naive_sgd', decayEpoch: 3, decayRate: 0.5 })).toBeCloseTo(0.025, 15);
    expect(epochLearningRate(0.1, 5, { strategy: 'policy_sgd' })).toBeCloseTo(0.05, 15);
    expect(epochLearningRate(0.1, 9, { strategy: 'naive_sgd' })).toBe(0.1);
    expect(epsRescale(0.001)).toEqual({ epsScale: 512, normEps: 0.512 });
  });
});

describe('ss_lr_predict column names written into the output header', () => {
  const predict = { input_ds: { alice: 'a' }, model: 'm', receiver: 'alice', output_ds: 'o' };
  it.each([
    [{ pred_name: 'x\nssh-ed25519 AAAAC3Nza attacker' }, 'task_config.pred_name'],
    [{ pred_name: 'p"\n' }, 'task_config.pred_name'],
    [{ pred_name: '=cmd()' }, 'task_config.pred_name'],
    [{ id_column: 'id\r\necho owned' }, 'task_config.id_column'],
    [{ label: 'y,z' }, 'task_config.label'],
  ])('a crafted name %j is refused naming %s', (bad, field) => {
    const err = (() => {
      try {
        parseOrThrow(ssLrPredictSchema, { ...predict, ...bad }, 'task_config');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ParameterValidationError);
    expect((err as ParameterValidationError).fields).toEqual([field]);
  });
  it('ordinary names pass', () => {
    expect(parseOrThrow(ssLrPredictSchema, { ...predict, pred_name: 'score_v2.1', id_column: 'client id' }, 'task_config')).toMatchObject({ pred_name: 'score_v2.1' });
  });
});
