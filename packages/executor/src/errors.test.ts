import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import {
  SecretFlowTaskError, ClusterInitializationError, DeviceInitializationError, TaskExecutionError,
  ParameterValidationError, ResultSaveError, sanitizeMessage, toTaskError, ERROR_CODES, PY_EXC_MODULE,
} from './errors.ts';
import { parseOrThrow } from './validation.ts';

describe('error hierarchy', () => {
  it('each class has its code, retryable flag, and a Celery payload', () => {
    const cases = [
      [new ClusterInitializationError('x'), 'CLUSTER_INIT_FAILED', true],
      [new DeviceInitializationError('x'), 'DEVICE_INIT_FAILED', true],
      [new TaskExecutionError('x'), 'TASK_EXECUTION_FAILED', false],
      [new ParameterValidationError('x'), 'PARAMETER_INVALID', false],
      [new ResultSaveError('x'), 'RESULT_SAVE_FAILED', true],
    ] as const;
    for (const [err, code, retryable] of cases) {
      expect(err).toBeInstanceOf(SecretFlowTaskError);
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(retryable);
      expect(ERROR_CODES[err.code].retryable).toBe(retryable);
      expect(err.excType).toBe(err.constructor.name);
      expect(err.excModule).toBe(PY_EXC_MODULE);
      expect(err.excArgs).toEqual(['x', code]);
    }
  });

  it('retryable can be overridden per instance', () => {
    expect(new TaskExecutionError('x', { retryable: true }).retryable).toBe(true);
    expect(new ClusterInitializationError('x', { code: 'CLUSTER_MODE_UNSUPPORTED' }).retryable).toBe(false);
  });

  it('toJSON hides the stack unless debug', () => {
    const e = new TaskExecutionError('boom');
    expect(e.toJSON()).toEqual({ code: 'TASK_EXECUTION_FAILED', type: 'TaskExecutionError', message: 'boom', retryable: false });
    expect(e.toJSON(true).stack).toContain('TaskExecutionError');
  });
});

describe('sanitizeMessage', () => {
  it('removes credentials, numeric data, blobs; keeps small integers', () => {
    const raw = 'failed at row 12 value 3.14159 in [1.5, 2.5, 3] id 123456789 redis://u:pw@h:1 password=abc seed 0123456789abcdef0123 key QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5';
    const s = sanitizeMessage(raw);
    for (const secret of ['3.14159', '1.5', '123456789', ':pw@', 'abc', '0123456789abcdef0123', 'QUJDREVG']) expect(s).not.toContain(secret);
    expect(s).toContain('row 12');
  });

  it('truncates long messages', () => {
    expect(sanitizeMessage('a '.repeat(1000)).length).toBeLessThanOrEqual(501);
  });

  it('toTaskError wraps foreign errors with a sanitized message and keeps task errors', () => {
    const own = new DeviceInitializationError('d');
    expect(toTaskError(own)).toBe(own);
    const e = toTaskError(new RangeError('bad weight 0.123456'), ClusterInitializationError, 'start');
    expect(e).toBeInstanceOf(ClusterInitializationError);
    expect(e.message).toBe('start: RangeError: bad weight <num>');
    expect(toTaskError(Object.assign(new Error('conn'), { retryable: true })).retryable).toBe(true);
  });
});

describe('ParameterValidationError from zod', () => {
  it('names every failing field path and not the values', () => {
    const schema = z.object({ epochs: z.number().int().positive(), learning_rate: z.number(), parties: z.array(z.string()) });
    let err: unknown;
    try {
      parseOrThrow(schema, { epochs: -7, learning_rate: 'secret-value-42', parties: ['a', 9] }, 'task_config');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParameterValidationError);
    const pve = err as ParameterValidationError;
    expect(pve.fields).toEqual(['task_config.epochs', 'task_config.learning_rate', 'task_config.parties.1']);
    expect(pve.message).toContain('task_config.epochs');
    expect(pve.message).not.toContain('secret-value-42');
    expect(pve.retryable).toBe(false);
  });
});
