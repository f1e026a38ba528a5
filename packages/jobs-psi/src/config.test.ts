import { describe, expect, it } from 'vitest';
import { parseOrThrow, ParameterValidationError } from '@sfw/executor';
import { psiConfigSchema, planParties } from './config.ts';

const base = {
  input: { alice: { path: 'a.csv', keys: ['id'] }, bob: { path: 'b.csv', keys: ['id'] } },
  output: { alice: 'oa.csv', bob: 'ob.csv' },
};

function fieldsOf(cfg: unknown): string[] {
  try {
    parseOrThrow(psiConfigSchema, cfg, 'task_config');
  } catch (e) {
    expect(e).toBeInstanceOf(ParameterValidationError);
    return (e as ParameterValidationError).fields;
  }
  throw new Error('expected a ParameterValidationError');
}

describe('psi task_config', () => {
  it('applies SecretFlow defaults', () => {
    const c = psiConfigSchema.parse(base);
    expect(c).toMatchObject({
      protocol: 'PROTOCOL_ECDH', curve: 'CURVE_25519', join_type: 'inner_join', sort_result: true,
      allow_empty_result: false, input_ds1_keys_duplicated: true, input_ds2_keys_duplicated: true, bucket_size: 1 << 20,
    });
    const [a, b] = planParties(c);
    expect([a.self, a.selfIsDs1, a.selfReceives, a.peerReceives]).toEqual(['alice', true, true, true]);
    expect([b.self, b.selfIsDs1, b.outputPath]).toEqual(['bob', false, 'ob.csv']);
  });

  it('one receiver: the other party has no output path', () => {
    const [a, b] = planParties(psiConfigSchema.parse({ ...base, receiver_parties: ['bob'] }));
    expect([a.selfReceives, a.outputPath, b.selfReceives]).toEqual([false, null, true]);
  });

  it('names the field: unequal key counts', () => {
    expect(fieldsOf({ ...base, input: { ...base.input, bob: { path: 'b.csv', keys: ['id', 'x'] } } })).toEqual(['task_config.input.bob.keys']);
  });
  it('names the field: both parties absent / one party only', () => {
    expect(fieldsOf({ ...base, input: {} })).toEqual(['task_config.input']);
    expect(fieldsOf({ ...base, input: { alice: base.input.alice } })).toEqual(['task_config.input']);
  });
  it('names the field: no key column, left_join without left_side, unknown receiver, missing output, other protocols', () => {
    expect(fieldsOf({ ...base, input: { ...base.input, alice: { path: 'a.csv', keys: [] } } })).toContain('task_config.input.alice.keys');
    expect(fieldsOf({ ...base, join_type: 'left_join' })).toEqual(['task_config.left_side']);
    expect(fieldsOf({ ...base, receiver_parties: ['carol'] })).toEqual(['task_config.receiver_parties.0']);
    expect(fieldsOf({ ...base, output: { alice: 'x' } })).toEqual(['task_config.output.bob']);
    expect(fieldsOf({ ...base, protocol: 'PROTOCOL_RR22' })).toEqual(['task_config.protocol']);
    expect(fieldsOf({ ...base, join_type: 'cross' })).toEqual(['task_config.join_type']);
  });
});

describe('psi task registration', () => {
  it('register(registry) adds `psi` with its schema, device module and a parseable example', async () => {
    const { TaskRegistry } = await import('@sfw/executor');
    const { psiExample, register } = await import('./index.ts');
    const registry = new TaskRegistry();
    register(registry);
    const def = registry.get('psi');
    expect(def?.deviceModules?.[0]).toMatch(/device\.(ts|js)$/);
    expect(def?.schema.safeParse(psiExample.task_config).success).toBe(true);
    const { readFileSync } = await import('node:fs');
    const file = JSON.parse(readFileSync(new URL('../../../examples/psi.json', import.meta.url), 'utf8')) as { task_config: unknown };
    expect(file.task_config).toEqual(psiExample.task_config);
  });
});
