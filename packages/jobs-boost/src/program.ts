// SS-XGB programs, SPMD on every SPU rank (secretflow/ml/boost/ss_xgb_v, level-wise). Gradients,
// hessians, node memberships, bucket sums, gains and leaf weights are secret shares throughout; the
// only output meant to be revealed is each node's winning bucket index (revealed to every party,
// as in SecretFlow). Bucket sums are fixed-mask products (docs/spu-masked.md): each party's 0/1
// bucket map B is masked once per training, then every node costs B^T (g * s) with only a fresh
// masked copy of the n-vector opened, never a Beaver product of two n x K secrets.
// 0/1 indicators (node memberships, the owners' split masks, predict's reachability blocks) are held
// as ring integers (1 = the integer 1, not 2^f): a product with another integer or with a fixed-point
// value is then exact and needs no truncation (one round and an n-sized opening fewer per product).
import type { PrivateTensor, SecretTensor, SpuContext } from '@sfw/runtime';
import type { Objective } from './params.ts';

type Ctx = SpuContext;
type Secret = SecretTensor;
/** The fixed-mask handle type `fixedMask` returns (opaque: shape only). */
export type Masked = Awaited<ReturnType<SpuContext['fixedMask']>>;

/**
 * Denominators are H + max(lambda, LAMBDA_FLOOR): with reg_lambda = 0 an empty node would divide 0 by
 * 0 (SecretFlow's leaf rule gives 0 there; the floor does the same without a branch on a secret).
 */
export const LAMBDA_FLOOR = 1e-3;

/**
 * Gains are scale-free in (g, h, lambda): the sums are scaled by 2^-s before the gain so that the
 * product G * (G / (H + lambda)) stays inside FM64's fixed-point range (|x| < 2^(62 - 2f) before
 * truncation). The bound is public: it grows with the row count, and for `linear` leaves room for
 * residuals up to about 1000 (|y| larger than that should be rescaled first, docs/ssxgb.md).
 * The argmax does not change with the scale; leaf weights are computed from unscaled sums.
 */
export function gainScaleBits(n: number, objective: Objective): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(1, n))) - 12) + (objective === 'linear' ? 6 : 0);
}

/**
 * The value whose fixed-point encoding is the ring integer 1 (2^-f encodes as round(2^-f 2^f) = 1):
 * how a party or a public constant hands a 0/1 indicator over as a ring integer.
 */
export const ringOne = (fxpBits: number): number => 2 ** -fxpBits;

export interface GradPub {
  objective: Objective;
  /** Public 0/1 row sample of this tree (null: all rows). */
  rows: Float64Array | null;
}

/** g, h for the current margins: linear g = pred - y, h = 1; logistic p = sr(pred), g = p - y, h = p (1 - p). */
export async function gradientsProgram(spu: Ctx, inputs: Secret[], pub: GradPub): Promise<Secret[]> {
  const [pred, y] = inputs as [Secret, Secret];
  const n = pred.shape[0]!;
  let g: Secret;
  let h: Secret;
  if (pub.objective === 'logistic') {
    const p = await spu.sigmoid(pred, 'sr');
    g = spu.sub(p, y);
    h = spu.sub(p, await spu.square(p));
  } else {
    g = spu.sub(pred, y);
    h = spu.fromPublic(new Float64Array(n).fill(1), [n, 1]);
  }
  if (pub.rows !== null) {
    // Unsampled rows contribute nothing to this tree's sums (they still get its leaf weights).
    const both = await spu.mulPublic(spu.concat([g, h], 0), Float64Array.from([...pub.rows, ...pub.rows]), [2 * n, 1]);
    g = spu.slice(both, 0, n);
    h = spu.slice(both, n, 2 * n);
  }
  return [g, h];
}

export interface LevelPub {
  n: number;
  /** Nodes at the previous level (0: this is the root level). */
  prevNodes: number;
  /** Columns of each party's bucket map, in the order of `masks`. */
  partyCols: number[];
  /** Bucket-column ranges [start, end) of the features this tree may split on. */
  colRanges: Array<[number, number]>;
  /** A column every row falls in (a feature's last split point): it holds the node totals. */
  totalCol: number;
  lambda: number;
  scaleBits: number;
}

/** Stacks `c` copies of the n x 1 column x: [c n, 1] (copies of shares, no communication). */
function repeat(spu: Ctx, x: Secret, c: number): Secret {
  return c === 1 ? x : spu.concat(Array.from({ length: c }, () => x), 0);
}

/** [L, R] (each [c n, 1], node-major) -> node-major [2c n, 1] with node 2k = L_k, 2k + 1 = R_k. */
function interleave(spu: Ctx, l: Secret, r: Secret, c: number, n: number): Secret {
  const parts: Secret[] = [];
  for (let k = 0; k < c; k++) parts.push(spu.slice(l, k * n, (k + 1) * n), spu.slice(r, k * n, (k + 1) * n));
  return spu.concat(parts, 0);
}

/**
 * Left memberships = parent * left-mask (the owners' plaintext split masks, shared); right = parent - left.
 * Both factors are ring integers 0/1, so the ring product is exact: no truncation.
 */
async function children(spu: Ctx, sPrev: Secret, masks: Secret[]): Promise<{ left: Secret; right: Secret }> {
  const m = masks.length === 1 ? masks[0]! : spu.concat(masks, 0);
  const left = await spu.mulRing(sPrev, m);
  return { left, right: spu.sub(sPrev, left) };
}

/**
 * Bucket sums [c, 2K] (G columns then H columns) of the nodes whose memberships are the stacked
 * `s` ([c n, 1], ring integers 0/1): one batched ring product g * s, h * s (fixed point times an
 * integer is fixed point: exact, no truncation), then per party one fixed-mask product
 * B_p^T [g*s_1 .. g*s_c, h*s_1 .. h*s_c] (all 2c vectors in one pass over the masked map).
 */
async function bucketSums(spu: Ctx, bm: readonly Masked[], g: Secret, h: Secret, s: Secret, c: number, n: number): Promise<Secret> {
  const gh = await spu.mulRing(spu.concat([repeat(spu, g, c), repeat(spu, h, c)], 0), spu.concat([s, s], 0));
  const v = spu.transpose(spu.reshape(gh, [2 * c, n])); // [n, 2c]
  const parts: Secret[] = [];
  for (const m of bm) parts.push(await spu.maskedMatmulT(m, [0, n], v));
  const t = spu.transpose(parts.length === 1 ? parts[0]! : spu.concat(parts, 0)); // [2c, K]
  return spu.concat([spu.slice(t, 0, c), spu.slice(t, c, 2 * c)], 1);
}

/**
 * One level: memberships of this level's nodes, their bucket sums (computed for left children and
 * the root; right = parent - left), gains and the winning column per node.
 * Inputs: root [g, h]; otherwise [g, h, sPrev, parentSums, ...masks (one per parent node)].
 * Outputs: [argmax over the sampled columns [m, 1] (to reveal), s [m n, 1], sums [m, 2K]].
 */
export async function levelProgram(spu: Ctx, bm: readonly Masked[], inputs: Secret[], pub: LevelPub): Promise<Secret[]> {
  const [g, h, sPrev, parent, ...masks] = inputs as [Secret, Secret, Secret | undefined, Secret | undefined, ...Secret[]];
  const n = pub.n;
  const K = pub.partyCols.reduce((a, b) => a + b, 0);
  let s: Secret;
  let sums: Secret;
  let m: number;
  if (pub.prevNodes === 0) {
    s = spu.fromPublic(new Float64Array(n).fill(ringOne(spu.cfg.fxpBits)), [n, 1]);
    sums = await bucketSums(spu, bm, g, h, s, 1, n);
    m = 1;
  } else {
    const c = pub.prevNodes;
    const { left, right } = await children(spu, sPrev!, masks);
    s = interleave(spu, left, right, c, n);
    const leftSums = await bucketSums(spu, bm, g, h, left, c, n);
    const rightSums = spu.sub(parent!, leftSums);
    const rows: Secret[] = [];
    for (let k = 0; k < c; k++) rows.push(spu.slice(leftSums, k, k + 1), spu.slice(rightSums, k, k + 1));
    sums = spu.concat(rows, 0);
    m = 2 * c;
  }
  const best = await bestSplit(spu, sums, K, m, pub);
  return [best, s, sums];
}

/** argmax over the sampled columns of GL^2/(HL+l) + GR^2/(HR+l) per node (the parent term is constant). */
async function bestSplit(spu: Ctx, sums: Secret, K: number, m: number, pub: LevelPub): Promise<Secret> {
  const scaled = pub.scaleBits > 0 ? await spu.mulPublic(sums, 2 ** -pub.scaleBits) : sums;
  const lambda = Math.max(pub.lambda, LAMBDA_FLOOR) * 2 ** -pub.scaleBits;
  const t = spu.transpose(scaled); // [2K, m]
  const pick = (off: number): Secret => spu.concat(pub.colRanges.map(([a, b]) => spu.slice(t, off + a, off + b)), 0);
  const gl = pick(0);
  const hl = pick(K);
  const k1 = gl.shape[0]!;
  const ga = repeat(spu, spu.slice(t, pub.totalCol, pub.totalCol + 1), k1);
  const ha = repeat(spu, spu.slice(t, K + pub.totalCol, K + pub.totalCol + 1), k1);
  const gAll = spu.concat([gl, spu.sub(ga, gl)], 0); // [2K', m]
  const hAll = spu.addPublic(spu.concat([hl, spu.sub(ha, hl)], 0), lambda);
  // G * (G / (H + l)): the quotient is bounded by |g| / h, so the product stays in range.
  const q = await spu.mul(gAll, await spu.div(gAll, hAll));
  const gain = spu.add(spu.slice(q, 0, k1), spu.slice(q, k1, 2 * k1)); // [K', m]
  void m;
  const idx = await spu.argmax(gain, { axis: 0 });
  return spu.reshape(idx, [idx.shape[0] ?? 1, 1]);
}

export interface LeavesPub {
  n: number;
  /** Nodes at the last split level. */
  prevNodes: number;
  /** Bucket columns of the splits just chosen at the last level (revealed), one per node. */
  splitCols: number[];
  /** Columns of the bucket sums (K) and the all-rows column, as in LevelPub. */
  cols: number;
  totalCol: number;
  lambda: number;
  learningRate: number;
}

/**
 * Leaves: memberships from the last splits, w = -lr G / (H + l) per leaf, margins += S w.
 * Inputs: [sPrev, last level's sums, pred, ...masks]. Outputs: [w [2^D, 1], pred [n, 1]].
 */
export async function leavesProgram(spu: Ctx, inputs: Secret[], pub: LeavesPub): Promise<Secret[]> {
  const [sPrev, sums, pred, ...masks] = inputs as [Secret, Secret, Secret, ...Secret[]];
  const { n, prevNodes: c, cols: K } = pub;
  const { left, right } = await children(spu, sPrev, masks);
  const s = interleave(spu, left, right, c, n); // [L n, 1]
  const L = 2 * c;
  // Leaf totals come from the last level's bucket sums at the chosen (public) columns: the left
  // child of node k is exactly the rows of bucket column splitCols[k], the right one the rest.
  const at = (k: number, col: number): Secret => spu.reshape(spu.slice(spu.reshape(spu.slice(sums, k, k + 1), [2 * K, 1]), col, col + 1), [1, 1]);
  const gParts: Secret[] = [];
  const hParts: Secret[] = [];
  for (let k = 0; k < c; k++) {
    const col = pub.splitCols[k]!;
    const gl = at(k, col);
    const hl = at(k, K + col);
    gParts.push(gl, spu.sub(at(k, pub.totalCol), gl));
    hParts.push(hl, spu.sub(at(k, K + pub.totalCol), hl));
  }
  const G = spu.concat(gParts, 0); // [L, 1]
  const den = spu.addPublic(spu.concat(hParts, 0), Math.max(pub.lambda, LAMBDA_FLOOR));
  // G / den with one Newton correction: q += (G - q den) / den. Only 2^D values, and the weights
  // then agree with float64 to a few ulps instead of the division's own relative error.
  const inv = await spu.reciprocal(den);
  let q = await spu.mul(G, inv);
  q = spu.add(q, await spu.mul(spu.sub(G, await spu.mul(q, den)), inv));
  const w = await spu.mulPublic(q, -pub.learningRate);
  const onehot = spu.transpose(spu.reshape(s, [L, n])); // [n, L], ring integers 0/1
  const next = spu.add(pred, await spu.matmulRing(onehot, w)); // exact: no truncation
  return [w, next];
}

export interface PredictPub {
  objective: Objective;
  baseScore: number;
  /** Rows (public: the aligned table's row count). */
  n: number;
  chunkRows: number;
}

/**
 * Scores: the product of the split-owning parties' reachability blocks is the one-hot leaf of each
 * row and tree ([n, T L]); times the leaf weights, plus the base score; sr sigmoid for logistic.
 * `blocks(r0, r1)` gives the owners' blocks for rows [r0, r1) as secrets of ring integers 0/1, so
 * both products are ring products (exact, no truncation). Inputs: [w [T L, 1]].
 */
export async function predictProgram(spu: Ctx, inputs: Secret[], pub: PredictPub, blocks: (r0: number, r1: number) => Secret[]): Promise<Secret[]> {
  const [w] = inputs as [Secret];
  const parts: Secret[] = [];
  for (let r0 = 0; r0 < pub.n; r0 += pub.chunkRows) {
    const r1 = Math.min(pub.n, r0 + pub.chunkRows);
    const [first, ...rest] = blocks(r0, r1) as [Secret, ...Secret[]];
    let onehot = first;
    for (const r of rest) onehot = await spu.mulRing(onehot, r);
    parts.push(await spu.matmulRing(onehot, w));
  }
  // One sigmoid over all rows (its rounds are paid once, not once per chunk).
  return scores(spu, parts.length === 1 ? parts[0]! : spu.concat(parts, 0), pub);
}

/** Base score, then sr for logistic (one sigmoid over all rows). */
async function scores(spu: Ctx, margin: Secret, pub: PredictPub): Promise<Secret[]> {
  let z = spu.addPublic(margin, pub.baseScore);
  if (pub.objective === 'logistic') z = await spu.sigmoid(z, 'sr');
  return [z];
}

/**
 * Scores when exactly two parties own splits: their reachability blocks X_a, X_b ([n, T L], ring
 * integers 0/1, each held by its owner's rank as a private block) meet in one row-wise private
 * product with the secret leaf weights w: rowsum(X_a ⊙ X_b ⊙ (2w + 1)) (`privateDotRing`: each owner
 * sends its block masked once, to the other owner only; the odd weights 2w + 1 split into the two
 * owners' column scales without leaking). X_a ⊙ X_b is the one-hot leaf of each row and tree, so
 * the sum is 2 (margin) + T: subtracting the public T leaves an even ring element, and the
 * truncation by one bit of an even value is exact (its borrow term is (x mod 2) / 2 = 0). The
 * margins are bit-identical to the Beaver path's. Inputs: [w [T L, 1]].
 */
export async function predictTwoOwnersProgram(spu: Ctx, inputs: Secret[], pub: PredictPub & { trees: number }, xa: PrivateTensor, xb: PrivateTensor): Promise<Secret[]> {
  const [w] = inputs as [Secret];
  const z = await spu.privateDotRing(xa, xb, { oddWeights: w });
  const margin = await spu.truncate(spu.addPublic(z, -pub.trees * ringOne(spu.cfg.fxpBits)), 1);
  return scores(spu, margin, pub);
}
