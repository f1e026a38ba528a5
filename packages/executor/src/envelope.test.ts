import { describe, it, expect } from 'vitest';
import { taskEnvelopeSchema, resolveClusterSpec, clusterSpecKey } from './envelope.ts';

const defaults = { parties: ['alice', 'bob'], address: 'local' };

describe('task envelope', () => {
  it('fills defaults from the worker config and SPU defaults per field', () => {
    const env = taskEnvelopeSchema.parse({ task_type: 'psi', task_config: { a: 1 } });
    const { spec, issues } = resolveClusterSpec(env, defaults, ['m2', 'm1']);
    expect(issues).toEqual([]);
    expect(spec).toEqual({
      address: 'local', parties: ['alice', 'bob'], spuParties: ['alice', 'bob'],
      spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' }, modules: ['m1', 'm2'],
    });
  });

  it('reads SecretFlow-style sf_init_config and spu_config', () => {
    const env = taskEnvelopeSchema.parse({
      task_type: 'ss_lr',
      sf_init_config: { parties: ['alice', 'bob', 'carol'], address: 'local' },
      spu_config: { cluster_def: { nodes: [{ party: 'alice' }, { party: 'bob' }], runtime_config: { protocol: 'REF2K', field: 'FM128', beaver_type: 'TrustedThirdParty' } } },
      task_config: {},
    });
    const { spec } = resolveClusterSpec(env, defaults, []);
    expect(spec.parties).toEqual(['alice', 'bob', 'carol']);
    expect(spec.spuParties).toEqual(['alice', 'bob']);
    expect(spec.spu).toEqual({ protocol: 'REF2K', field: 'FM128', fxpFractionBits: 26, beaverType: 'TTP' });
  });

  it('reports SPU nodes that are not parties, by path', () => {
    const env = taskEnvelopeSchema.parse({ task_type: 'x', spu_config: { cluster_def: { nodes: [{ party: 'alice' }, { party: 'eve' }] } } });
    expect(resolveClusterSpec(env, defaults, []).issues.map((i) => i.path)).toEqual(['spu_config.cluster_def.nodes.1.party']);
  });

  it('rejects bad protocol names and party names', () => {
    expect(taskEnvelopeSchema.safeParse({ task_type: 'x', spu_config: { cluster_def: { runtime_config: { protocol: 'ABY3' } } } }).success).toBe(false);
    expect(taskEnvelopeSchema.safeParse({ task_type: 'x', sf_init_config: { parties: ['a b'] } }).success).toBe(false);
    expect(taskEnvelopeSchema.safeParse({ task_config: {} }).success).toBe(false);
  });

  it('cluster key differs when anything that matters differs', () => {
    const a = resolveClusterSpec(taskEnvelopeSchema.parse({ task_type: 'x' }), defaults, []).spec;
    const b = resolveClusterSpec(taskEnvelopeSchema.parse({ task_type: 'y' }), defaults, []).spec;
    const c = resolveClusterSpec(taskEnvelopeSchema.parse({ task_type: 'x', spu_config: { cluster_def: { runtime_config: { field: 'FM128' } } } }), defaults, []).spec;
    expect(clusterSpecKey(a)).toBe(clusterSpecKey(b));
    expect(clusterSpecKey(a)).not.toBe(clusterSpecKey(c));
  });
});
