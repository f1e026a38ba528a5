// Device module `ssxgb`: the parties' plaintext steps (party.ts) and the SPU programs (program.ts),
// loaded into every cluster thread. The masked bucket maps live in the rank threads for the whole
// training, keyed by a random per-training key, like SS-LR's masked feature matrix.
import { defineDeviceModule } from '@sfw/runtime';
import type { SecretTensor, SpuContext } from '@sfw/runtime';
type RingTensor = ReturnType<SpuContext['encodePublic']>;
import { readShareFile, writeShareFile } from '@sfw/model/files';
import { openReach, partyFunctions } from './party.ts';
import { gradientsProgram, leavesProgram, levelProgram, predictProgram, predictTwoOwnersProgram, ringOne } from './program.ts';
import type { LeavesPub, LevelPub, Masked, PredictPub } from './program.ts';

export interface MaskPub {
  /** Random per-training key (public; names the masks, carries no data). */
  key: string;
  /** How many bucket maps (one per party with features, in input order). */
  count: number;
}

const masks = new Map<string, Masked[]>();
const MAX_TRAININGS = 4;
const cacheKey = (key: string, rank: number): string => `${key}:${rank}`;

/** A 1x1 public token the driver can await (a run must return SPU values). */
const token = (spu: SpuContext): SecretTensor => spu.fromPublic([1], [1, 1]);

/** Masks every party's bucket map once (E = B - U opened, U with the dealer). */
async function maskBuckets(spu: SpuContext, inputs: SecretTensor[], pub: MaskPub): Promise<SecretTensor[]> {
  const ms: Masked[] = [];
  for (const b of inputs) ms.push(await spu.fixedMask(b));
  masks.set(cacheKey(pub.key, spu.rank), ms);
  while (masks.size > MAX_TRAININGS * 4) masks.delete(masks.keys().next().value!);
  return [token(spu)];
}

function held(spu: SpuContext, key: string): Masked[] {
  const m = masks.get(cacheKey(key, spu.rank));
  if (m === undefined) throw new Error('the masked bucket maps of this training are not held by this SPU rank (released, evicted or the thread restarted)');
  return m;
}

async function releaseBuckets(spu: SpuContext, _inputs: SecretTensor[], pub: MaskPub): Promise<SecretTensor[]> {
  const k = cacheKey(pub.key, spu.rank);
  const ms = masks.get(k);
  masks.delete(k);
  for (const m of ms ?? []) await spu.releaseMasked(m);
  return [token(spu)];
}

function initPred(spu: SpuContext, _inputs: SecretTensor[], pub: { n: number; base: number }): SecretTensor[] {
  return [spu.fromPublic(new Float64Array(pub.n).fill(pub.base), [pub.n, 1])];
}

const level = (spu: SpuContext, inputs: SecretTensor[], pub: LevelPub & { key: string }): Promise<SecretTensor[]> =>
  levelProgram(spu, held(spu, pub.key), inputs, pub);

const leaves = (spu: SpuContext, inputs: SecretTensor[], pub: LeavesPub): Promise<SecretTensor[]> => leavesProgram(spu, inputs, pub);

/** Each rank writes its share of all trees' leaf weights (tree-major) to its own party's file. */
async function saveLeaves(spu: SpuContext, inputs: SecretTensor[], pub: { sharePaths: string[] }): Promise<SecretTensor[]> {
  const w = inputs.length === 1 ? inputs[0]! : spu.concat(inputs, 0);
  await writeShareFile(pub.sharePaths[spu.rank]!, spu.unwrap(w), spu.cfg.fxpBits);
  return [token(spu)];
}

export interface PredictDevicePub extends PredictPub {
  /** Per rank (rank i = parties[i]): its party's share file, table and splits file (own data root). */
  sharePaths: string[];
  inputPaths: string[];
  splitsPaths: string[];
  /** Ranks whose party owns at least one split (public: the model meta's split_party). */
  owners: number[];
  trees: number;
  depth: number;
}

/**
 * Each rank loads its own share file; a split-owning rank evaluates its own party's splits on its
 * own party's rows (the rank runs in that party's trust domain, as with its share file) and enters
 * that plaintext block as its additive share, every other rank entering 0. Such a block is only
 * ever a Beaver operand (mulRing / matmulRing), whose openings are masked by the dealer's fresh
 * triples and whose outputs are fresh sharings: nothing of it leaves the rank in the clear, and
 * no party has to secret-share and send an n x trees 2^depth matrix.
 */
async function predict(spu: SpuContext, inputs: SecretTensor[], pub: PredictDevicePub): Promise<SecretTensor[]> {
  const share = await readShareFile(pub.sharePaths[spu.rank]!, { field: spu.cfg.field, fxpBits: spu.cfg.fxpBits });
  const mine = pub.owners.includes(spu.rank) ? await openReach(pub.inputPaths[spu.rank]!, pub.splitsPaths[spu.rank]!, pub.trees, pub.depth) : null;
  if (mine !== null && mine.n !== pub.n) throw new Error('the party table does not have the aligned row count');
  const width = pub.trees * 2 ** pub.depth;
  const one = ringOne(spu.cfg.fxpBits);
  if (pub.owners.length === 2) {
    // Two owners: each block stays a private block of its owner's rank (privateDotRing masks it
    // once, for the other owner only), kept as 0/1 bytes (the ring integers 0 and 1).
    const block = (o: number) => spu.privateIndicators(o, [pub.n, width], o === spu.rank ? mine!.bits(0, pub.n) : undefined);
    return predictTwoOwnersProgram(spu, [spu.wrap(share), ...inputs], pub, block(pub.owners[0]!), block(pub.owners[1]!));
  }
  // Another owner's block is entered as zeros: encoded once per chunk height (ring ops do not
  // write into their operands), not once per chunk and owner.
  const zeros = new Map<number, RingTensor>();
  const zero = (b: number): RingTensor => {
    let z = zeros.get(b);
    if (z === undefined) zeros.set(b, (z = spu.encodePublic(new Float64Array(b * width), [b, width])));
    return z;
  };
  const blocks = (r0: number, r1: number): SecretTensor[] =>
    pub.owners.map((o) => spu.wrap(o === spu.rank ? spu.encodePublic(mine!.rows(r0, r1, one), [r1 - r0, width]) : zero(r1 - r0)));
  return predictProgram(spu, [spu.wrap(share), ...inputs], pub, blocks);
}

export default defineDeviceModule('ssxgb', {
  pyu: partyFunctions,
  spu: { maskBuckets, releaseBuckets, initPred, gradients: gradientsProgram, level, leaves, saveLeaves, predict },
});
