// Products of plaintext blocks that ranks hold for their own parties with a secret vector:
// X . w for X = [X_1 | X_2 | ...] (column blocks), block X_i held in the clear by rank o_i only, and
// w secret-shared ([sum d_i, k]). The result is secret-shared; nobody learns X_i except its owner,
// and nobody learns w.
//
// Per block (d = its columns, b = the rows used), dealer correlation `private.vecTriple`:
//   A [b, d]  random, drawn by the owner alone (the dealer replays that one stream),
//   B [d, k]  random, additive over all ranks (each rank's part is its PRG draw),
//   C [b, k]  = A . B, additively shared (rank 0's part comes from the dealer).
// Online, in one round: the owner sends E = X_i - A to every other rank (b d elements), and all
// ranks open F = w - B (the blocks' F's together, sum d_i elements). Then
//   X_i w_i = X_i F + X_i B = X_i F + (E + A) B = X_i F + E B + C,
// so rank j holds E B_j + C_j, and the owner X_i (F + B_o) - A B_o + C_o (= E B_o + X_i F + C_o
// without keeping E). The ring product carries 2f fraction bits; SpuContext truncates once for
// the sum over blocks.
//
// Why the owner must send b d elements: with correlated randomness fixed before the inputs, any
// protocol whose output shares fit X_i for two different X_i given the same messages would let the
// owner learn (X_i - X_i') w; so the owner's messages determine X_i, i.e. carry b d elements. What
// this saves against sharing X and a Beaver product is everything else: no shares of X are made or
// sent, the other ranks open nothing n-sized, and the dealer sends b k (not b d) elements.
import { add, makeTensor, matmul, sub, toBytes, fromBytes, type RingTensor } from '@sfw/ring';
import { ELEMENT_BYTES, type FieldType } from '@sfw/ring';
import { SpuError } from '../config.ts';
import { openAll } from './open.ts';
import type { KernelEnv } from './types.ts';
import { rowsView, MAX_VEC_COLUMNS } from './masked-correlations.ts';
import { asRecord, correlationKind, parseDims, type CorrelationKind } from './correlation.ts';

/** One column block: its owner, the owner's encoded values (undefined elsewhere), its width. */
export interface PrivateBlock {
  readonly owner: number;
  readonly values: RingTensor | undefined;
  readonly cols: number;
}

/** Private-block products, per protocol. Ring product: no truncation. */
export interface PrivateKernels {
  /** sum_i X_i[r0:r1] . w_i (w_i = the rows of w for block i); [r1 - r0, k]. */
  matvec(env: KernelEnv, blocks: readonly PrivateBlock[], r0: number, r1: number, w: RingTensor): Promise<RingTensor>;
}

interface PrivParams {
  owner: number;
  n: number;
  d: number;
  k: number;
}

/** At most this many ranks can own a block (the owner index is checked against it at the dealer). */
const MAX_OWNER = 255;

export const PRIVATE_KINDS: readonly CorrelationKind[] = [
  correlationKind<PrivParams>('private.vecTriple', {
    parse(raw) {
      const r = asRecord(raw);
      const [n, d] = parseDims(r.shape, 'shape', 2) as [number, number];
      if (n < 1 || d < 1) throw new SpuError("correlation parameter 'shape' must be non-empty");
      const owner = r.owner;
      if (typeof owner !== 'number' || !Number.isInteger(owner) || owner < 0 || owner > MAX_OWNER) throw new SpuError(`correlation parameter 'owner' must be an integer in [0, ${MAX_OWNER}]`);
      const k = r.k === undefined ? 1 : r.k;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_VEC_COLUMNS) throw new SpuError(`correlation parameter 'k' must be an integer in [1, ${MAX_VEC_COLUMNS}]`);
      return { owner, n, d, k };
    },
    random: (p, field) => [
      { name: 'a', field, shape: [p.n, p.d], sharing: 'additive', drawnBy: p.owner },
      { name: 'b', field, shape: [p.d, p.k], sharing: 'additive' },
    ],
    derived: (p, field) => [{ name: 'c', field, shape: [p.n, p.k], sharing: 'additive' }],
    derive(p, _field, r) {
      if (r.a === undefined) throw new SpuError("correlation parameter 'owner' is not a rank of this session");
      return { c: matmul(r.a, r.b!) };
    },
  }),
];

function corr(env: KernelEnv) {
  if (env.corr === undefined) throw new SpuError('private-block products need a dealer (SEMI2K)');
  return env.corr;
}

/** Sends `t` to every rank but this one (the last send transfers the buffer). */
function sendToOthers(env: KernelEnv, t: RingTensor): void {
  const peers: number[] = [];
  for (let j = 0; j < env.comm.worldSize; j++) if (j !== env.comm.rank) peers.push(j);
  const bytes = toBytes(t);
  peers.forEach((j, i) => env.comm.send(j, i === peers.length - 1 ? bytes : bytes.slice()));
}

function check(blocks: readonly PrivateBlock[], r0: number, r1: number, w: RingTensor, rank: number): { dTotal: number; k: number } {
  if (blocks.length === 0) throw new RangeError('privateMatmul needs at least one block');
  const dTotal = blocks.reduce((s, b) => s + b.cols, 0);
  const k = w.size / dTotal;
  if (!Number.isInteger(k) || k < 1 || (w.shape.length === 2 && w.shape[0] !== dTotal)) throw new RangeError(`operand of shape [${w.shape.join(', ')}] does not fit ${dTotal} block columns`);
  if (k > MAX_VEC_COLUMNS) throw new RangeError(`at most ${MAX_VEC_COLUMNS} secret columns per product`);
  if (!Number.isInteger(r0) || !Number.isInteger(r1) || r0 < 0 || r1 <= r0) throw new RangeError(`rows [${r0}, ${r1}) are not a non-empty range`);
  for (const b of blocks) {
    if ((b.values !== undefined) !== (b.owner === rank)) throw new RangeError('a private block must hold values exactly at its owner rank');
    if (b.values !== undefined && (b.values.shape[1] !== b.cols || r1 > b.values.shape[0]!)) throw new RangeError(`rows [${r0}, ${r1}) outside the private block`);
  }
  return { dTotal, k };
}

/** SEMI2K: see the header. 1 round; dealer -> rank 0: b k elements per block. */
export async function privateMatvecA(env: KernelEnv, blocks: readonly PrivateBlock[], r0: number, r1: number, w: RingTensor): Promise<RingTensor> {
  const { comm } = env;
  const field = w.field;
  const { dTotal, k } = check(blocks, r0, r1, w, comm.rank);
  const b = r1 - r0;
  const c = corr(env);
  // Correlations in block order (the same on every rank: the PRG streams stay aligned).
  const ts = blocks.map((blk) => c.take('private.vecTriple', { owner: blk.owner, shape: [b, blk.cols], ...(k > 1 ? { k } : {}) }));
  // Receives are posted in the order the owners send: every E before the opening of F.
  const eIn = blocks.map((blk) => (blk.owner === comm.rank ? undefined : comm.recv(blk.owner)));
  blocks.forEach((blk, i) => {
    if (blk.owner !== comm.rank) return;
    sendToOthers(env, sub(rowsView(blk.values!, r0, r1), ts[i]!.random.a!, makeTensor(field, [b, blk.cols])));
  });
  // F = w - B for all blocks at once (B = the blocks' b parts stacked in block order).
  const f = makeTensor(field, [dTotal, k], w.data.slice());
  let off = 0;
  for (const [i, blk] of blocks.entries()) {
    const part = rowsView(f, off, off + blk.cols);
    sub(part, ts[i]!.random.b!, part);
    off += blk.cols;
  }
  const [derived, fo] = await Promise.all([Promise.all(ts.map((t) => t.derived)), openAll(comm, f, env.pool)]);
  const y = makeTensor(field, [b, k]);
  off = 0;
  for (const [i, blk] of blocks.entries()) {
    const bi = ts[i]!.random.b!;
    const fi = rowsView(fo, off, off + blk.cols);
    off += blk.cols;
    if (blk.owner === comm.rank) {
      // X (F + B_o) - A B_o: the owner's part without keeping E.
      add(fi, bi, bi);
      add(y, matmul(rowsView(blk.values!, r0, r1), bi), y);
      sub(bi, fi, bi); // back to B_o
      sub(y, matmul(ts[i]!.random.a!, bi), y);
    } else {
      add(y, matmul(fromBytes(field, await eIn[i]!, [b, blk.cols]), bi), y);
    }
    add(y, derived[i]!.c!, y);
  }
  return y;
}

/** REF2K (plaintext by design): the owner sends its block to every rank; the plain ring product. */
export async function privateMatvecRef(env: KernelEnv, blocks: readonly PrivateBlock[], r0: number, r1: number, w: RingTensor): Promise<RingTensor> {
  const { comm } = env;
  const field = w.field;
  const { dTotal, k } = check(blocks, r0, r1, w, comm.rank);
  const b = r1 - r0;
  const xIn = blocks.map((blk) => (blk.owner === comm.rank ? undefined : comm.recv(blk.owner)));
  blocks.forEach((blk) => {
    if (blk.owner === comm.rank && comm.worldSize > 1) sendToOthers(env, makeTensor(field, [b, blk.cols], rowsView(blk.values!, r0, r1).data.slice()));
  });
  const wt = makeTensor(field, [dTotal, k], w.data);
  const y = makeTensor(field, [b, k]);
  let off = 0;
  for (const [i, blk] of blocks.entries()) {
    const x = blk.owner === comm.rank ? rowsView(blk.values!, r0, r1) : fromBytes(field, await xIn[i]!, [b, blk.cols]);
    add(y, matmul(x, rowsView(wt, off, off + blk.cols)), y);
    off += blk.cols;
  }
  return y;
}

export const semi2kPrivate: PrivateKernels = { matvec: privateMatvecA };
export const ref2kPrivate: PrivateKernels = { matvec: privateMatvecRef };

export interface PrivateMatmulCost {
  rounds: number;
  /** Bytes rank r sends to each other rank (index = rank). */
  bytesPerPeer: number[];
  /** Bytes the dealer sends to the adjust rank (rank 0). */
  dealerBytes: number;
  /** Requests rank 0 sends to the dealer. */
  dealerRequests: number;
}

/**
 * SEMI2K `privateMatmul` over `rows` rows of blocks (owner, cols), k secret columns, `parties`
 * ranks, truncation included: owners send rows*cols per block they own, everyone opens F (sum of
 * cols) and truncates rows outputs; the dealer sends C (rows per block) and a truncation pair.
 */
export function privateMatmulCost(blocks: readonly { owner: number; cols: number }[], rows: number, k: number, parties: number, field: FieldType): PrivateMatmulCost {
  const eb = ELEMENT_BYTES[field];
  const dTotal = blocks.reduce((s, b) => s + b.cols, 0);
  const bytesPerPeer = Array.from({ length: parties }, (_, r) => (blocks.filter((b) => b.owner === r).reduce((s, b) => s + rows * b.cols, 0) + dTotal * k + rows * k) * eb);
  return { rounds: 2, bytesPerPeer, dealerBytes: (blocks.length * rows * k + 2 * rows * k) * eb, dealerRequests: blocks.length + 1 };
}
