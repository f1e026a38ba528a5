// Row-wise inner products of two plaintext blocks held by two different ranks for their own
// parties: z = rowsum(X ⊙ Y) for X [n, d] held by rank a only and Y [n, d] held by rank b only,
// secret-shared among all ranks. Ring product (no truncation): for 0/1 ring integers it is exact.
//
// Dealer correlation `private.dotTriple` (rows b, columns d):
//   U [b, d] random, drawn by a alone (the dealer replays a's stream), unknown to b;
//   V [b, d] random, drawn by b alone, unknown to a;
//   C [b, 1] = rowsum(U ⊙ V), additively shared (rank 0's part comes from the dealer).
// Online, in one round: a sends E = X - U to b only, b sends F = Y - V to a only. Then
//   X ⊙ Y = X ⊙ (F + V) = X ⊙ F + (E + U) ⊙ V = X ⊙ F + E ⊙ V + U ⊙ V,
// so a holds rowsum(X ⊙ F) + C_a, b holds rowsum(E ⊙ V) + C_b, every other rank C_j.
// Each owner's block crosses once, masked by a uniform tensor its receiver does not know; nothing
// is opened to every rank, nobody else receives anything, and the dealer sends b elements (not
// b d). A Beaver product of the two blocks entered as shares would open both masked blocks at both
// ranks (2 b d elements each way) and have the dealer send b d.
//
// Weighted form, rowsum(X ⊙ Y ⊙ (2w + 1)) for a secret column w [d, 1]: the odd w' = 2w + 1 is a
// unit of Z_2^k, so it splits multiplicatively into alpha (a's, uniform over the units) and
// beta = alpha^-1 w' (b's): a enters alpha^-1 as its share, one Beaver product with w' (d
// elements) is revealed to b only. beta is uniform over the units whatever w is (w' is a unit),
// so b learns nothing, and a learns nothing (Beaver openings). Then
//   rowsum(X ⊙ Y ⊙ w') = rowsum((X ⊙ alpha) ⊙ (Y ⊙ beta)),
// one unweighted product of the owners' scaled blocks: a secret per-column weight costs d-sized
// messages, not a second n x d product. (2w + 1, not w: a non-unit w would show b its 2-adic
// valuation through beta.)
import { add, fromBigInts, makeTensor, matmul, mul, mulPublicVec, randomTensor, sub, toBigInts, toBytes, fromBytes, fill, FIELD_BITS, ELEMENT_BYTES, type FieldType, type RingTensor } from '@sfw/ring';
import { SpuError } from '../config.ts';
import type { KernelEnv } from './types.ts';
import type { RankPairCost } from './cost.ts';
import { rowsView } from './masked-correlations.ts';
import { asRecord, correlationKind, parseDims, type CorrelationKind } from './correlation.ts';

/** At most this many ranks can own a block (checked at the dealer). */
const MAX_OWNER = 255;

interface DotParams {
  a: number;
  b: number;
  n: number;
  d: number;
}

const owner = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_OWNER) throw new SpuError(`correlation parameter '${name}' must be an integer in [0, ${MAX_OWNER}]`);
  return v;
};

/** rowsum(x ⊙ y) for [b, d] tensors: [b, 1]. `x` is overwritten with the product. */
export function rowDotInPlace(x: RingTensor, y: RingTensor): RingTensor {
  const d = x.shape[1]!;
  mul(x, y, x);
  return matmul(x, fill(x.field, [d, 1], 1n));
}

export const DOT_KINDS: readonly CorrelationKind[] = [
  correlationKind<DotParams>('private.dotTriple', {
    parse(raw) {
      const r = asRecord(raw);
      const [n, d] = parseDims(r.shape, 'shape', 2) as [number, number];
      if (n < 1 || d < 1) throw new SpuError("correlation parameter 'shape' must be non-empty");
      const a = owner(r.a, 'a');
      const b = owner(r.b, 'b');
      if (a === b) throw new SpuError("correlation parameters 'a' and 'b' must be different ranks");
      return { a, b, n, d };
    },
    random: (p, field) => [
      { name: 'u', field, shape: [p.n, p.d], sharing: 'additive', drawnBy: p.a },
      { name: 'v', field, shape: [p.n, p.d], sharing: 'additive', drawnBy: p.b },
    ],
    derived: (p, field) => [{ name: 'c', field, shape: [p.n, 1], sharing: 'additive' }],
    derive(_p, _field, r) {
      if (r.u === undefined || r.v === undefined) throw new SpuError("correlation parameters 'a' and 'b' must be ranks of this session");
      return { c: rowDotInPlace(r.u, r.v) };
    },
  }),
];

/** One owner's block: the rank and its values (undefined at every other rank). */
export interface DotBlock {
  readonly owner: number;
  readonly values: RingTensor | undefined;
}

export interface PrivateDotKernels {
  /** rowsum(X[r0:r1] ⊙ Y[r0:r1]) ([r1 - r0, 1], secret). `x`, `y`: the two owners' blocks. */
  rowDot(env: KernelEnv, x: DotBlock, y: DotBlock, r0: number, r1: number, d: number): Promise<RingTensor>;
  /**
   * Multiplicative split of the unit w' = 2w + 1 (w a secret [d, 1]): alpha at x's owner, beta at
   * y's owner (undefined elsewhere), alpha beta = w' elementwise.
   */
  splitOdd(env: KernelEnv, w: RingTensor, a: number, b: number, mulAA: (x: RingTensor, y: RingTensor) => Promise<RingTensor>): Promise<RingTensor | undefined>;
}

function corr(env: KernelEnv) {
  if (env.corr === undefined) throw new SpuError('private-block products need a dealer (SEMI2K)');
  return env.corr;
}

/** SEMI2K: see the header. 1 round; a -> b and b -> a: (r1 - r0) d elements; dealer -> rank 0: r1 - r0. */
export async function rowDotA(env: KernelEnv, x: DotBlock, y: DotBlock, r0: number, r1: number, d: number): Promise<RingTensor> {
  const { comm } = env;
  const rows = r1 - r0;
  const t = corr(env).take('private.dotTriple', { a: x.owner, b: y.owner, shape: [rows, d] });
  const me = comm.rank;
  let part: RingTensor | undefined;
  if (me === x.owner || me === y.owner) {
    const isA = me === x.owner;
    const mine = isA ? x : y;
    const peer = isA ? y.owner : x.owner;
    const mask = isA ? t.random.u! : t.random.v!;
    const incoming = comm.recv(peer);
    const xs = rowsView(mine.values!, r0, r1);
    // a no longer needs U: E is written over it. b keeps V for its term, so F goes to scratch.
    // Either way the sent buffer moves to the peer, which gives it to its pool after use: with
    // one message each way per chunk the two pools trade buffers instead of allocating.
    comm.send(peer, toBytes(sub(xs, mask, isA ? mask : env.pool.take(xs.field, [rows, d]))));
    const other = fromBytes(xs.field, await incoming, [rows, d]);
    // a: rowsum(X ⊙ F); b: rowsum(E ⊙ V) (the received tensor is this rank's own to overwrite).
    part = rowDotInPlace(other, isA ? xs : mask);
    env.pool.give(other, isA ? undefined : mask);
  }
  const { c } = await t.derived;
  return part === undefined ? c! : add(part, c!, part);
}

/** Inverse of each odd element mod 2^k (Newton: each step doubles the correct low bits). */
function oddInverse(t: RingTensor): RingTensor {
  const bits = FIELD_BITS[t.field];
  const inv = toBigInts(t).map((x) => {
    let y = x; // x * x = 1 mod 8 for odd x: 3 correct bits
    for (let k = 3; k < bits; k *= 2) y = BigInt.asUintN(bits, y * (2n - BigInt.asUintN(bits, x * y)));
    return y;
  });
  return fromBigInts(t.field, inv, t.shape);
}

/** SEMI2K: see the header. 2 rounds (Beaver product, reveal to b); d-sized messages only. */
export async function splitOddA(env: KernelEnv, w: RingTensor, a: number, b: number, mulAA: (x: RingTensor, y: RingTensor) => Promise<RingTensor>): Promise<RingTensor | undefined> {
  const { comm } = env;
  const field = w.field;
  const w2 = add(w, w);
  if (comm.rank === 0) add(w2, fill(field, w2.shape, 1n), w2);
  let alpha: RingTensor | undefined;
  let share: RingTensor;
  if (comm.rank === a) {
    // alpha uniform over the units (odd elements): CSPRNG bits with the lowest one set.
    alpha = randomTensor(field, w.shape);
    const l = field === 'FM64' ? 1 : 2;
    for (let i = 0; i < alpha.data.length; i += l) alpha.data[i]! |= 1n;
    share = oddInverse(alpha);
  } else share = makeTensor(field, w.shape);
  const z = await mulAA(share, w2);
  if (comm.rank !== b) {
    comm.send(b, toBytes(z));
    return alpha;
  }
  for (let j = 0; j < comm.worldSize; j++) if (j !== b) add(z, fromBytes(field, await comm.recv(j), w.shape), z);
  return z;
}

/** REF2K (plaintext by design): each owner sends its block to every rank; the plain row products. */
export async function rowDotRef(env: KernelEnv, x: DotBlock, y: DotBlock, r0: number, r1: number, d: number): Promise<RingTensor> {
  const { comm } = env;
  const get = async (blk: DotBlock, field: FieldType): Promise<RingTensor> => {
    if (blk.owner === comm.rank) {
      const v = rowsView(blk.values!, r0, r1);
      for (let j = 0; j < comm.worldSize; j++) if (j !== comm.rank) comm.send(j, toBytes(makeTensor(field, v.shape, v.data.slice())));
      return makeTensor(field, v.shape, v.data.slice());
    }
    return fromBytes(field, await comm.recv(blk.owner), [r1 - r0, d]);
  };
  const field = (x.values ?? y.values)?.field ?? env.cfg.field;
  const xs = await get(x, field);
  const ys = await get(y, field);
  return rowDotInPlace(xs, ys);
}

/** REF2K: alpha = 1 at a, beta = 2w + 1 at b (nothing is hidden in REF2K). */
export function splitOddRef(env: KernelEnv, w: RingTensor, a: number, b: number): Promise<RingTensor | undefined> {
  const { comm } = env;
  if (comm.rank === a) return Promise.resolve(fill(w.field, w.shape, 1n));
  if (comm.rank !== b) return Promise.resolve(undefined);
  const w2 = add(w, w);
  return Promise.resolve(add(w2, fill(w.field, w2.shape, 1n), w2));
}

export const semi2kDot: PrivateDotKernels = { rowDot: rowDotA, splitOdd: splitOddA };
export const ref2kDot: PrivateDotKernels = { rowDot: rowDotRef, splitOdd: splitOddRef };

/** Scales each row of `x` by the column weights `s` ([d, 1] or [d]): x ⊙ s^T. */
export function scaleColumns(x: RingTensor, s: RingTensor): RingTensor {
  return mulPublicVec(x, makeTensor(s.field, [1, x.shape[1]!], s.data));
}

/**
 * Rows [r0, r1) of a 0/1 block kept as bytes ([., d] row-major), as ring elements: 0 where the byte
 * is 0, else the column's scale (or 1). Word copies on 32-bit views: no BigInt per element, and no
 * encoded copy of the whole block nor a separate scaling pass.
 */
export function indicatorRows(field: FieldType, bits: Uint8Array, r0: number, r1: number, d: number, scale: RingTensor | undefined, into?: RingTensor): RingTensor {
  const rows = r1 - r0;
  // Every word is written below, so scratch with stale contents will do.
  const out = into ?? makeTensor(field, [rows, d]);
  if (out.size !== rows * d) throw new RangeError('indicatorRows: output of the wrong size');
  const w = field === 'FM64' ? 2 : 4;
  const o = new Uint32Array(out.data.buffer, out.data.byteOffset, rows * d * w);
  const src = bits.subarray(r0 * d, r1 * d);
  if (scale === undefined) {
    // The low word of each element is the byte itself (0 or 1), the others 0.
    o.fill(0);
    for (let i = 0; i < src.length; i++) o[i * w] = src[i]! === 0 ? 0 : 1;
    return out;
  }
  const s = new Uint32Array(scale.data.buffer, scale.data.byteOffset, d * w);
  // Branch-free: the byte becomes an all-ones or all-zeros word mask over the column's scale.
  for (let i = 0, k = 0; i < rows; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++, k += w) {
      const m = -(src[base + j]! !== 0 ? 1 : 0);
      for (let q = 0; q < w; q++) o[k + q] = s[j * w + q]! & m;
    }
  }
  return out;
}

export type PrivateDotCost = RankPairCost;

/**
 * SEMI2K `privateDotRing` of two d-column blocks owned by ranks a and b, `rows` rows in `chunks`
 * row chunks, `parties` ranks: per chunk one round in which a and b send each other their masked
 * rows (rows d elements in all); the dealer sends rows elements. `weighted` adds the split of
 * 2w + 1: a Beaver product of d elements (every rank opens 2 d to every other, the dealer sends d)
 * and every rank but b sends its d-element share of beta to b: 2 rounds.
 */
export function privateDotCost(rows: number, d: number, chunks: number, owners: readonly [number, number], parties: number, field: FieldType, weighted: boolean): PrivateDotCost {
  const eb = ELEMENT_BYTES[field];
  const [a, b] = owners;
  const bytes = Array.from({ length: parties }, (_, i) =>
    Array.from({ length: parties }, (_, j) => {
      if (i === j) return 0;
      let n = 0;
      if ((i === a && j === b) || (i === b && j === a)) n += rows * d;
      if (weighted) n += 2 * d + (j === b ? d : 0);
      return n * eb;
    }),
  );
  return { rounds: chunks + (weighted ? 2 : 0), bytes, dealerBytes: (rows + (weighted ? d : 0)) * eb, dealerRequests: chunks + (weighted ? 1 : 0) };
}
