import { describe, expect, it } from 'vitest';
import { DeviceError, codedError, sanitizeMessage, toErrorInfo } from './errors.ts';
import { deviceModuleUrl, defineDeviceModule } from './module.ts';
import { toPlainTensor } from './tensor.ts';

describe('sanitizeMessage', () => {
  it('removes numbers, long tokens and payloads but keeps the words', () => {
    const m = sanitizeMessage('value 123456.75 in row 12 key c2VjcmV0LWtleS1tYXRlcmlhbC1oZXJl: {"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14]}');
    expect(m).toContain('row 12');
    expect(m).not.toMatch(/123456|c2VjcmV0|"a"/);
  });
});

describe('toErrorInfo', () => {
  it('attributes, keeps codes, keeps an upstream origin, strips the message line from the stack', () => {
    const info = toErrorInfo(new TypeError('secret 99999'), 'alice', 'm.f');
    expect(info).toMatchObject({ code: 'FUNCTION_FAILED', device: 'alice', fn: 'm.f', errorName: 'TypeError' });
    expect(info.stack ?? '').not.toContain('99999');
    expect(toErrorInfo(codedError('BAD_VALUE', 'x'), 'bob', 'g').code).toBe('BAD_VALUE');
    expect(toErrorInfo(info, 'bob', 'later')).toBe(info);
    expect(new DeviceError(info).message).toBe('alice m.f: TypeError: secret <n>');
  });
});

describe('device modules', () => {
  it('resolves sibling URLs with the caller extension', () => {
    expect(deviceModuleUrl('file:///x/jobs/index.ts', './device')).toBe('file:///x/jobs/device.ts');
    expect(deviceModuleUrl('file:///x/jobs/index.js', './device.ts')).toBe('file:///x/jobs/device.js');
  });
  it('validates module names', () => {
    expect(() => defineDeviceModule('bad name', {})).toThrow();
    expect(defineDeviceModule('ok', {}).kind).toBe('sfw.device-module');
  });
});

describe('toPlainTensor', () => {
  it('accepts numbers, arrays, matrices and tensors, and rejects other values by type only', () => {
    expect(toPlainTensor(2).shape).toEqual([]);
    expect(toPlainTensor([[1, 2], [3, 4]])).toEqual({ data: Float64Array.of(1, 2, 3, 4), shape: [2, 2] });
    expect(() => toPlainTensor([[1], [2, 3]])).toThrow(/ragged/);
    expect(() => toPlainTensor({ data: new Float64Array(3), shape: [2, 2] })).toThrow(/shape/);
    expect(() => toPlainTensor('secret text')).toThrow(/type string/);
    expect(() => toPlainTensor('secret text')).not.toThrow(/secret text/);
  });
});
