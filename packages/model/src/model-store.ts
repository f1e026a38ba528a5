// Model persistence, as SecretFlow keeps an SS-SGD model: the weights stay secret-shared, each SPU
// rank writes ITS OWN share to its party's file (rank i is hosted for party i), and a public JSON
// meta describes the model. No file holds plaintext weights. A share file is meaningless alone:
// it is uniform in Z_2^k (SEMI2K), and is only usable with every other party's file and the same
// field / fixed-point settings, which load checks.
import { rename, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { SIGMOID_TYPES } from '@sfw/runtime';
import { readFilePinned, writeFilePinned } from '@sfw/data';

export const MODEL_META_FILE = 'meta.json';
export const shareFileName = (party: string): string => `${party}.share`;
export const scalerFileName = (party: string): string => `${party}.scaler.json`;

export const modelMetaSchema = z.object({
  model_type: z.literal('sf.model.ss_sgd'),
  version: z.literal('0.1'),
  reg_type: z.enum(['logistic', 'linear']),
  sig_type: z.enum(SIGMOID_TYPES),
  feature_names: z.array(z.string()),
  label_col: z.string(),
  /** Parties in SPU rank order and how many features each contributes (SecretFlow: party_features_length). */
  parties: z.array(z.string()),
  party_features_length: z.record(z.string(), z.number().int().min(0)),
  /** The party whose block carries the constant-1 intercept column (the last block). */
  intercept_party: z.string(),
  /** Whether each party standardized its features with its own private scaler file. */
  standardized: z.boolean(),
  spu: z.object({ protocol: z.string(), field: z.enum(['FM64', 'FM128']), fxp_fraction_bits: z.number().int() }),
  epochs_run: z.number().int(),
});
export type ModelMeta = z.output<typeof modelMetaSchema>;

interface RingLike {
  readonly field: 'FM64' | 'FM128';
  readonly shape: readonly number[];
  readonly size: number;
  readonly data: BigUint64Array;
}

const MAGIC = 'SFWSHARE1\n';

/** Atomic write (temp file + rename) so a crashed run never leaves a half-written share. */
async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFilePinned(tmp, bytes, { mode: 0o600 });
  await rename(tmp, path);
}

export async function writeShareFile(path: string, share: RingLike, fxpBits: number): Promise<void> {
  const header = Buffer.from(`${MAGIC}${JSON.stringify({ field: share.field, shape: share.shape, fxpBits })}\n`, 'utf8');
  const body = Buffer.from(share.data.buffer, share.data.byteOffset, share.data.byteLength);
  await writeAtomic(path, Buffer.concat([header, body]));
}

export async function readShareFile(path: string, expect: { field: string; fxpBits: number }): Promise<RingLike> {
  const buf = await readFilePinned(path);
  const magicEnd = MAGIC.length;
  if (buf.subarray(0, magicEnd).toString('utf8') !== MAGIC) throw new Error('not a model share file');
  const nl = buf.indexOf(0x0a, magicEnd);
  const head = JSON.parse(buf.subarray(magicEnd, nl).toString('utf8')) as { field: 'FM64' | 'FM128'; shape: number[]; fxpBits: number };
  if (head.field !== expect.field || head.fxpBits !== expect.fxpBits) {
    throw new Error(`model share was written with ${head.field}/${head.fxpBits} fraction bits; this SPU uses ${expect.field}/${expect.fxpBits}`);
  }
  const bytes = buf.subarray(nl + 1);
  const data = new BigUint64Array(bytes.byteLength / 8);
  new Uint8Array(data.buffer).set(bytes);
  const size = head.shape.reduce((a, b) => a * b, 1);
  if (data.length !== size * (head.field === 'FM64' ? 1 : 2)) throw new Error('model share file is truncated');
  return { field: head.field, shape: head.shape, size, data };
}

export async function writeModelMeta(dir: string, meta: ModelMeta): Promise<void> {
  await writeAtomic(join(dir, MODEL_META_FILE), JSON.stringify(meta, null, 2) + '\n');
}

export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const text = await readFilePinned(join(dir, MODEL_META_FILE), 'utf8');
  return modelMetaSchema.parse(JSON.parse(text));
}

export { writeAtomic };
