// `task_config` of the `psi` task: SecretFlow's data_prep/psi attributes (names kept where they
// exist, see docs/psi.md), validated with zod so that a bad
// field is named by its path (also inside a pipeline step).
import { z } from 'zod';
import type { JoinType, PartyPlan } from './plan.ts';

const partyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a party name');

const inputTable = z
  .object({
    /** CSV with a header line, relative to this party's data root (docs/security.md). */
    path: z.string().min(1),
    /** Key columns (one or more); both parties give the same number, in matching order. */
    keys: z.array(z.string().min(1)).min(1, 'at least one key column'),
  })
  .strict();

export const DEFAULT_BUCKET_SIZE = 1 << 20;

export const psiConfigSchema = z
  .object({
    /** Exactly two parties; the first listed is input_ds1 (outer loop of duplicate expansion). */
    input: z.record(partyName, inputTable),
    /** ECDH-PSI or KKRT16 (OT-based); RR22 is reserved (docs/psi.md says what it would take). */
    protocol: z.enum(['PROTOCOL_ECDH', 'PROTOCOL_KKRT', 'PROTOCOL_RR22']).default('PROTOCOL_ECDH'),
    curve: z.enum(['CURVE_25519', 'CURVE_FOURQ', 'CURVE_SM2', 'CURVE_SECP256K1']).default('CURVE_25519'),
    join_type: z.enum(['inner_join', 'left_join', 'full_join', 'difference']).default('inner_join'),
    /** Party whose unmatched rows a left join keeps (SecretFlow `join_type/left_join/left_side`). */
    left_side: partyName.optional(),
    /** Parties that learn the result; empty = both (SecretFlow's broadcast). */
    receiver_parties: z.array(partyName).max(2).default([]),
    sort_result: z.boolean().default(true),
    allow_empty_result: z.boolean().default(false),
    input_ds1_keys_duplicated: z.boolean().default(true),
    input_ds2_keys_duplicated: z.boolean().default(true),
    /** Output CSV per receiving party (aligned row by row across parties), relative to its data root. */
    output: z.record(partyName, z.string().min(1)).default({}),
    /** Rows per bucket (SecretFlow's bucket_size); larger inputs are processed bucket by bucket. */
    bucket_size: z.number().int().min(1).default(DEFAULT_BUCKET_SIZE),
    /** Keys per curve batch (pool task / link message). */
    batch_size: z.number().int().min(1).max(1 << 16).default(4096),
    /** Curve threads per party (0 = on the party thread); default = max(1, cores / 2) (both parties share this machine). */
    curve_threads: z.number().int().min(0).max(64).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const parties = Object.keys(c.input);
    if (parties.length !== 2) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'PSI needs exactly two parties (input_ds1, input_ds2)' });
      return;
    }
    const [p1, p2] = parties as [string, string];
    if (c.input[p1]!.keys.length !== c.input[p2]!.keys.length) {
      ctx.addIssue({ code: 'custom', path: ['input', p2, 'keys'], message: `must have as many key columns as input.${p1}.keys` });
    }
    if (c.protocol === 'PROTOCOL_RR22') {
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'PROTOCOL_RR22 is not implemented (use PROTOCOL_KKRT or PROTOCOL_ECDH)' });
    }
    if (c.curve !== 'CURVE_25519') {
      ctx.addIssue({ code: 'custom', path: ['curve'], message: 'only CURVE_25519 is implemented' });
    }
    if (c.join_type === 'left_join' && (c.left_side === undefined || !parties.includes(c.left_side))) {
      ctx.addIssue({ code: 'custom', path: ['left_side'], message: 'left_join needs left_side set to one of the input parties' });
    }
    c.receiver_parties.forEach((r, i) => {
      if (!parties.includes(r)) ctx.addIssue({ code: 'custom', path: ['receiver_parties', i], message: 'not an input party' });
    });
    const receivers = c.receiver_parties.length === 0 ? parties : c.receiver_parties.filter((r) => parties.includes(r));
    for (const r of receivers) {
      if (c.output[r] === undefined) ctx.addIssue({ code: 'custom', path: ['output', r], message: 'a receiver party needs an output path' });
    }
  });

export type PsiConfig = z.output<typeof psiConfigSchema>;

/** The per-party view of a validated config (what each PYU runs). */
export function planParties(c: PsiConfig, limits: { maxRows: number; maxColumns: number } = { maxRows: Number.MAX_SAFE_INTEGER, maxColumns: Number.MAX_SAFE_INTEGER }): [PartyPlan, PartyPlan] {
  const [p1, p2] = Object.keys(c.input) as [string, string];
  const receivers = new Set(c.receiver_parties.length === 0 ? [p1, p2] : c.receiver_parties);
  const joinType: JoinType = c.join_type;
  const plan = (self: string, peer: string): PartyPlan => ({
    self,
    peer,
    selfIsDs1: self === p1,
    path: c.input[self]!.path,
    keys: c.input[self]!.keys,
    ownKeysDuplicated: self === p1 ? c.input_ds1_keys_duplicated : c.input_ds2_keys_duplicated,
    peerKeysDuplicated: self === p1 ? c.input_ds2_keys_duplicated : c.input_ds1_keys_duplicated,
    joinType,
    leftSide: c.left_side ?? null,
    selfReceives: receivers.has(self),
    peerReceives: receivers.has(peer),
    sortResult: c.sort_result,
    allowEmptyResult: c.allow_empty_result,
    outputPath: receivers.has(self) ? (c.output[self] ?? null) : null,
    protocol: c.protocol === 'PROTOCOL_KKRT' ? 'kkrt' : 'ecdh',
    bucketSize: c.bucket_size,
    batchSize: c.batch_size,
    maxRows: limits.maxRows,
    maxColumns: limits.maxColumns,
    ...(c.curve_threads === undefined ? {} : { threads: c.curve_threads }),
  });
  return [plan(p1, p2), plan(p2, p1)];
}
