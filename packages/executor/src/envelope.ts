// The task envelope `{ task_type, sf_init_config?, spu_config?, task_config }` (ARCHITECTURE "Wire
// contracts") and its normalization into what the runtime takes. Names follow SecretFlow's
// `sf.init` / `SPU cluster_def` so a Python caller can send the same dicts it would give SecretFlow.
import { z } from 'zod';

const partyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'party names: a letter, then letters, digits, _ or -');

export const sfInitConfigSchema = z
  .object({
    parties: z.array(partyName).min(1).optional(),
    /** 'local' = every party a thread of this process; anything else names a cross-silo cluster. */
    address: z.string().min(1).optional(),
    /**
     * SecretFlow production mode: `{parties: {name: {address, listen_addr}}, self_party}`. A party-mode
     * worker takes the party list from here; addresses it dials come from its own configuration.
     */
    cluster_config: z
      .object({
        parties: z.record(partyName, z.object({ address: z.string().min(1).max(256), listen_addr: z.string().max(256).optional() }).loose()),
        self_party: partyName.optional(),
      })
      .loose()
      .optional(),
    num_cpus: z.number().int().positive().optional(),
    log_to_driver: z.boolean().optional(),
  })
  .loose();

// SecretFlow accepts the enum names and, in some versions, the spelled-out beaver types.
const protocolSchema = z.enum(['SEMI2K', 'REF2K']);
const fieldSchema = z.enum(['FM64', 'FM128']);
const beaverSchema = z
  .enum(['TTP', 'TFP', 'TrustedThirdParty', 'TrustedFirstParty'])
  .transform((b) => (b === 'TrustedThirdParty' ? 'TTP' : b === 'TrustedFirstParty' ? 'TFP' : b));

export const spuConfigSchema = z
  .object({
    cluster_def: z
      .object({
        nodes: z.array(z.object({ party: partyName, address: z.string().optional() }).loose()).min(2).optional(),
        runtime_config: z
          .object({
            protocol: protocolSchema.default('SEMI2K'),
            field: fieldSchema.default('FM64'),
            fxp_fraction_bits: z.number().int().min(1).max(60).optional(),
            beaver_type: beaverSchema.default('TTP'),
          })
          .loose()
          .prefault({}),
      })
      .loose()
      .prefault({}),
  })
  .loose();

export const taskEnvelopeSchema = z
  .object({
    task_type: z.string().min(1).max(128),
    sf_init_config: sfInitConfigSchema.optional(),
    spu_config: spuConfigSchema.optional(),
    task_config: z.unknown().optional(),
  })
  .loose();

export type TaskEnvelope = z.input<typeof taskEnvelopeSchema>;
export type ParsedEnvelope = z.output<typeof taskEnvelopeSchema>;

/** SPU settings as `@sfw/spu`'s SpuConfig (camelCase), written out here to keep the executor's seam explicit. */
export interface ResolvedSpuConfig {
  protocol: 'SEMI2K' | 'REF2K';
  field: 'FM64' | 'FM128';
  fxpFractionBits: number;
  beaverType: 'TTP' | 'TFP';
}

/** Everything that decides whether a running cluster can be reused for a task. */
export interface ClusterSpec {
  address: string;
  parties: string[];
  spuParties: string[];
  spu: ResolvedSpuConfig;
  modules: string[];
}

export const DEFAULT_FXP_BITS = { FM64: 18, FM128: 26 } as const;

/** Cluster settings from the envelope, defaults filled from the worker's configuration. */
export function resolveClusterSpec(
  env: ParsedEnvelope,
  defaults: { parties: readonly string[]; address: string },
  modules: readonly string[],
): { spec: ClusterSpec; issues: { path: string; code: string; message: string }[] } {
  const issues: { path: string; code: string; message: string }[] = [];
  const cc = env.sf_init_config?.cluster_config;
  const parties = env.sf_init_config?.parties ?? (cc ? Object.keys(cc.parties).sort() : [...defaults.parties]);
  if (new Set(parties).size !== parties.length) issues.push({ path: 'sf_init_config.parties', code: 'custom', message: 'duplicate party names' });
  const nodes = env.spu_config?.cluster_def.nodes;
  const spuParties = nodes === undefined ? parties : nodes.map((n) => n.party);
  spuParties.forEach((p, i) => {
    if (!parties.includes(p)) issues.push({ path: `spu_config.cluster_def.nodes.${i}.party`, code: 'custom', message: `party "${p}" is not one of sf_init_config.parties` });
  });
  const rc = env.spu_config?.cluster_def.runtime_config ?? { protocol: 'SEMI2K' as const, field: 'FM64' as const, beaver_type: 'TTP' as const };
  const spu: ResolvedSpuConfig = {
    protocol: rc.protocol,
    field: rc.field,
    fxpFractionBits: rc.fxp_fraction_bits ?? DEFAULT_FXP_BITS[rc.field],
    beaverType: rc.beaver_type,
  };
  return {
    spec: { address: cc ? 'cluster' : (env.sf_init_config?.address ?? defaults.address), parties, spuParties, spu, modules: [...modules].sort() },
    issues,
  };
}

/** A stable key: two tasks with equal keys can share one running cluster. */
export function clusterSpecKey(spec: ClusterSpec): string {
  return JSON.stringify([spec.address, spec.parties, spec.spuParties, spec.spu, spec.modules]);
}
