// Which cluster a task may run on here. A local worker (no party configured) runs tasks whose parties
// are all threads of this process (`address: local`). A party-mode worker is ONE party of a
// cross-silo cluster: its identity and its peers' addresses come from its own configuration, and a
// task is accepted only if it names a cluster this worker can take its part in.
import { ClusterInitializationError } from './errors.ts';
import type { ClusterSpec, ParsedEnvelope } from './envelope.ts';
import { validationError } from './validation.ts';

export interface PartyIdentity {
  /** This worker's party (SECRETFLOW_PARTY). */
  readonly self: string;
  /** Hosts this worker has link addresses for (other parties, the dealer). */
  readonly peers: readonly string[];
  /** The TTP dealer service's name. */
  readonly dealer: string;
}

/**
 * Check the task's cluster against this worker's mode; in party mode returns the spec with
 * `address: party:<self>` (the cluster this worker starts: its own threads plus links).
 */
export function checkClusterMode(env: ParsedEnvelope, spec: ClusterSpec, party: PartyIdentity | undefined): ClusterSpec {
  const cluster = env.sf_init_config?.cluster_config !== undefined || spec.address !== 'local';
  if (party === undefined) {
    if (cluster) {
      throw new ClusterInitializationError('this worker runs every party in-process (address "local"); a cross-silo task needs party-mode workers (SECRETFLOW_PARTY)', { code: 'CLUSTER_MODE_UNSUPPORTED' });
    }
    return spec;
  }
  if (!cluster) {
    throw new ClusterInitializationError(`this worker is party ${party.self} of a cross-silo cluster; it does not run all parties in-process (address "local")`, { code: 'CLUSTER_MODE_UNSUPPORTED' });
  }
  const issues: { path: string; code: string; message: string }[] = [];
  const claimed = env.sf_init_config?.cluster_config?.self_party;
  if (claimed !== undefined && claimed !== party.self) {
    issues.push({ path: 'sf_init_config.cluster_config.self_party', code: 'custom', message: `names ${claimed}, but this worker is party ${party.self}` });
  }
  if (!spec.parties.includes(party.self)) {
    issues.push({ path: 'sf_init_config.parties', code: 'custom', message: `does not include this worker's party ${party.self}` });
  }
  for (const p of spec.parties) {
    if (p !== party.self && !party.peers.includes(p)) {
      issues.push({ path: 'sf_init_config.parties', code: 'custom', message: `this worker has no link address for party ${p}` });
    }
  }
  if (spec.spu.protocol === 'SEMI2K' && spec.spu.beaverType === 'TTP' && spec.spuParties.length > 1 && !party.peers.includes(party.dealer)) {
    issues.push({ path: 'spu_config.cluster_def.runtime_config.beaver_type', code: 'custom', message: `TTP needs the dealer service (${party.dealer}), for which this worker has no link address` });
  }
  if (issues.length > 0) throw validationError(issues);
  return { ...spec, address: `party:${party.self}` };
}
