import { describe, expect, it } from 'vitest';
import { resolveClusterSpec, taskEnvelopeSchema } from './envelope.ts';
import { ClusterInitializationError, ParameterValidationError } from './errors.ts';
import { checkClusterMode, type PartyIdentity } from './party-mode.ts';

const alice: PartyIdentity = { self: 'alice', peers: ['bob', 'dealer'], dealer: 'dealer' };
const cluster = (extra: Record<string, unknown> = {}, spu?: Record<string, unknown>): unknown => ({
  task_type: 'psi',
  sf_init_config: { cluster_config: { parties: { alice: { address: '10.0.0.1:9101' }, bob: { address: '10.0.0.2:9101' } }, ...extra } },
  ...(spu ? { spu_config: { cluster_def: { runtime_config: spu } } } : {}),
});

function check(params: unknown, party: PartyIdentity | undefined): ReturnType<typeof checkClusterMode> {
  const env = taskEnvelopeSchema.parse(params);
  const { spec } = resolveClusterSpec(env, { parties: ['alice', 'bob'], address: 'local' }, []);
  return checkClusterMode(env, spec, party);
}

function fields(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ParameterValidationError);
    return (err as ParameterValidationError).details?.['fields'] as string[];
  }
  throw new Error('expected a ParameterValidationError');
}

describe('checkClusterMode', () => {
  it('a party-mode worker takes its part of a named cluster; parties come from cluster_config', () => {
    const spec = check(cluster(), alice);
    expect(spec.address).toBe('party:alice');
    expect(spec.parties).toEqual(['alice', 'bob']);
  });

  it('refuses a task that says this worker is another party, or that omits it', () => {
    expect(fields(() => check(cluster({ self_party: 'bob' }), alice))).toEqual(['sf_init_config.cluster_config.self_party']);
    expect(fields(() => check(cluster(), { self: 'carol', peers: ['alice', 'bob', 'dealer'], dealer: 'dealer' }))).toEqual(['sf_init_config.parties']);
  });

  it('refuses a peer, or the TTP dealer, this worker has no address for', () => {
    expect(fields(() => check(cluster(), { self: 'alice', peers: ['dealer'], dealer: 'dealer' }))).toEqual(['sf_init_config.parties']);
    expect(fields(() => check(cluster({}, { beaver_type: 'TTP' }), { self: 'alice', peers: ['bob'], dealer: 'dealer' }))).toEqual([
      'spu_config.cluster_def.runtime_config.beaver_type',
    ]);
    // REF2K needs no dealer.
    expect(check(cluster({}, { protocol: 'REF2K' }), { self: 'alice', peers: ['bob'], dealer: 'dealer' }).address).toBe('party:alice');
  });

  it('keeps the modes apart: local tasks on party workers and cluster tasks on local workers are unsupported', () => {
    expect(() => check({ task_type: 'psi', sf_init_config: { address: 'local' } }, alice)).toThrow(ClusterInitializationError);
    expect(() => check(cluster(), undefined)).toThrow(/SECRETFLOW_PARTY/);
    expect(check({ task_type: 'psi' }, undefined).address).toBe('local');
  });
});
