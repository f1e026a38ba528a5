// The `psi` task: validates the config, runs `psi.run` on both party threads concurrently (they
// talk over the party-to-party link), and returns SecretFlow's psi_report rows.
import { deviceModuleUrl } from '@sfw/runtime';
import type { FileDecl, TaskDefinition, TaskRegistry } from '@sfw/executor';
import { psiConfigSchema, planParties } from './config.ts';
import type { PsiConfig } from './config.ts';
import type { PartyOutcome } from './device.ts';
import { PsiExecutionError, PsiParameterError } from './errors.ts';
import type { PsiPartyReport } from './plan.ts';

export const PSI_DEVICE_MODULE = deviceModuleUrl(import.meta.url, './device');

export interface PsiTaskResult {
  /** SecretFlow's psi_report: one row per party. */
  readonly report: { readonly columns: readonly ['party', 'original_count', 'intersection_count']; readonly rows: PsiPartyReport[] };
  /** Output file per receiving party, as given (relative to that party's data root). */
  readonly output: Record<string, string>;
}

// Same as examples/psi.json (a test keeps them equal). Paths are relative to the repo root: the
// bundled breast_cancer sample (examples/data/breast_cancer), 545 of 557 ids match.
export const psiExample = {
  task_type: 'psi',
  sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
  task_config: {
    input: {
      alice: { path: 'examples/data/breast_cancer/alice.csv', keys: ['id'] },
      bob: { path: 'examples/data/breast_cancer/bob.csv', keys: ['id'] },
    },
    protocol: 'PROTOCOL_ECDH',
    curve: 'CURVE_25519',
    join_type: 'inner_join',
    receiver_parties: ['alice', 'bob'],
    output: { alice: 'out/psi/alice.csv', bob: 'out/psi/bob.csv' },
  },
};

/** Every path of a PSI config: each party's input, each receiver's output, in its own data root. */
export function psiFiles(c: PsiConfig): FileDecl[] {
  return [
    ...Object.entries(c.input).map(([party, t]) => ({ field: `input.${party}.path`, party, role: 'input' as const, path: t.path })),
    ...Object.entries(c.output).map(([party, path]) => ({ field: `output.${party}`, party, role: 'output' as const, path })),
  ];
}

export const psiTask: TaskDefinition<typeof psiConfigSchema> = {
  taskType: 'psi',
  description:
    'ECDH-PSI (X25519) or KKRT16 OT-based PSI between two parties with SecretFlow join semantics (inner/left/full/difference, duplicate keys, multi-column keys); writes row-aligned CSVs per receiver and a psi_report.',
  schema: psiConfigSchema,
  deviceModules: [PSI_DEVICE_MODULE],
  example: psiExample,
  files: psiFiles,
  async run(ctx, config: PsiConfig): Promise<PsiTaskResult> {
    for (const p of Object.keys(config.input)) {
      if (!ctx.parties.includes(p)) throw new PsiParameterError(`input.${p}`, 'party is not in the cluster (sf_init_config.parties)');
    }
    // Paths from the file seam: inputs resolved in each party's data root, outputs staged (the
    // executor renames them into place only when both parties succeeded).
    const resolved: PsiConfig = {
      ...config,
      input: Object.fromEntries(Object.entries(config.input).map(([p, t]) => [p, { ...t, path: ctx.files.input(`input.${p}.path`) }])),
      output: Object.fromEntries(Object.keys(config.output).map((p) => [p, ctx.files.output(`output.${p}`)])),
    };
    const plans = planParties(resolved, { maxRows: ctx.limits.maxRows, maxColumns: ctx.limits.maxColumns });
    const cluster = ctx.cluster;
    // The same on every party's driver (cross-silo: each party runs this code for its own side).
    const runId = cluster.uniqueName('psi');
    const stop = cluster.onProgress((e) => {
      if (e.fn === 'psi.run') ctx.progress(100 * e.fraction, e.message);
    });
    let outcomes: PartyOutcome[];
    try {
      outcomes = await Promise.all(plans.map((p) => cluster.pyu(p.self).call<PartyOutcome>('psi.run', p, runId).get()));
    } finally {
      stop();
    }
    // Reported as the message gave them (relative to each party's root), never as staged paths.
    return collect(outcomes, plans.map((p) => (p.outputPath === null ? null : (config.output[p.self] ?? null))));
  },
};

/** The first real failure wins over the peer's "aborted" echo; parameter errors keep their field. */
export function collect(outcomes: PartyOutcome[], outputs: (string | null)[]): PsiTaskResult {
  const failures = outcomes.filter((o) => !o.ok);
  const param = failures.find((o) => o.kind === 'parameter');
  if (param && param.kind === 'parameter') throw new PsiParameterError(param.field, param.message.replace(/^Invalid task parameters: [^:]+: /, ''));
  const exec = failures.find((o) => o.kind === 'execution' && !o.peerAborted) ?? failures[0];
  if (exec && !exec.ok) throw new PsiExecutionError(`PSI failed: ${exec.message}`);
  const rows = outcomes.map((o) => (o.ok ? o.report : null)).filter((r): r is PsiPartyReport => r !== null);
  const output: Record<string, string> = {};
  rows.forEach((r, i) => {
    const out = outputs[i];
    if (r.intersection_count >= 0 && out) output[r.party] = out;
  });
  return { report: { columns: ['party', 'original_count', 'intersection_count'], rows }, output };
}

/** Adds the `psi` task type to `registry`. */
export function register(registry: TaskRegistry): void {
  registry.add(psiTask);
}
