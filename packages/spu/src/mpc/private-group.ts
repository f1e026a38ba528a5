// Grouped sums of one rank's private vector by another rank's private group codes, learnt by the
// vector's owner: for v [n] held by rank a only and integer codes C [n, F] held by rank b only
// (column f puts row i into group C[i, f]), a learns s_f[g] = sum of v[i] over rows with
// C[i, f] = g. Built for vertical WOE binning (docs/preprocessing.md): v is the label holder's 0/1
// positive indicator, C a feature party's bin numbers, s the per-bin positive counts.
//
// Protocol (an oblivious shuffle of v by a permutation only b and the dealer know): per column f a
// uniform permutation P_f of the n rows, expanded from b's PRG stream (b and the dealer only).
// Dealer correlation `private.permuted` (a, b, n, F):
//   rho [n] random, drawn by a alone (the dealer replays a's stream), unknown to b;
//   words [F, n] drawn by b alone: P_f by Fisher-Yates (unknown to a);
//   t [F, n] = rho gathered by P_f (t_f[k] = rho[P_f[k]]), additively shared (rank 0's part from
//   the dealer, every other rank's a PRG draw).
// Online, two rounds: a sends z = v - rho to b; every other rank sends b its part of t; b sends a
//   m_f = z[P_f] + (b's and the forwarded parts of t_f) and the permuted codes C[P_f, f];
//   a adds its own part of t_f: m_f + t_a,f = v[P_f] - rho[P_f] + rho[P_f] = v[P_f].
// a then has, per column, the pairs (v[P_f[k]], C[P_f[k], f]) in an order it cannot relate to the
// rows, and sums them by group locally.
//
// What each rank learns (semi-honest, non-colluding ranks, trusted dealer):
// - b receives z = v - rho with rho uniform and unknown to b (a one-time pad), and the other ranks'
//   parts of t: each is uniform given b's view, since a's part (or the dealer's correction, which
//   carries a's rho) is missing from it. b learns nothing about v.
// - a receives m_f = v[P_f] - t_a,f and the permuted codes. Its own part t_a,f is uniform given
//   everything a knows except P_f (b's part of t is a PRG draw a never sees, or, when a is not the
//   adjust rank, a's part is a PRG draw and the correction goes elsewhere), so m_f tells a exactly
//   v[P_f]. With P_f uniform and unknown to a, the sequence of pairs (v[P_f[k]], C[P_f[k], f]) is a
//   uniformly random ordering of the multiset {(v_i, C[i, f])}: a learns that multiset and nothing
//   more (independent P_f per column: nothing that links columns). For a 0/1 vector the multiset is
//   exactly, per group, the number of rows and the number of ones: the group totals and sums. For
//   other vectors it is more than the sums (which values fall into which group), so callers pass
//   0/1 vectors when the sums are all a may learn (SpuContext.privateGroupSums documents this).
// - Any other rank receives nothing and sends only uniform draws.
// - The dealer learns rho, the permutations and t, never z, v, a code or a message.
// - TFP (rank 0 is the dealer): rank 0 knows rho and every P_f, so it learns v (rank 0 = b) or
//   every row's codes (rank 0 = a): insecure, as every TFP correlation is (docs/spu.md).
// Public: a, b, n, F.
//
// The permutations are uniform up to a statistical distance of n^2 / 2^129: each Fisher-Yates step
// takes j = floor(w m / 2^128) for a 128-bit PRG word w and m = i + 1 <= n (Lemire's multiply-shift,
// bias at most m / 2^128 per step, no rejection so the stream length is fixed).
import { add, sub, ELEMENT_BYTES, LIMBS, makeTensor, toBytes, fromBytes, type FieldType, type RingTensor } from '@sfw/ring';
import { SpuError } from '../config.ts';
import type { KernelEnv } from './types.ts';
import type { RankPairCost } from './cost.ts';
import { asRecord, correlationKind, type CorrelationKind } from './correlation.ts';

const MAX_RANK = 255;

interface PermParams {
  a: number;
  b: number;
  n: number;
  f: number;
}

const rankParam = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_RANK) throw new SpuError(`correlation parameter '${name}' must be an integer in [0, ${MAX_RANK}]`);
  return v;
};

const countParam = (v: unknown, name: string, max: number): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) throw new SpuError(`correlation parameter '${name}' must be an integer in [1, ${max}]`);
  return v;
};

/** Most rows of one call (permutation indices are Int32). */
export const GROUP_MAX_ROWS = 2 ** 31 - 1;

/**
 * Fisher-Yates permutations from 128-bit words: for each column f, out[f * n + k] is the source row
 * of output position k. `words` is an FM128 tensor [F, n] (four 32-bit limbs per word, little end
 * first); word i of a column drives step i (word 0 is unused).
 */
export function permutationsFrom(words: RingTensor, n: number, f: number): Int32Array {
  if (words.field !== 'FM128' || words.size !== n * f) throw new RangeError('permutationsFrom: expects FM128 words [F, n]');
  const w = new Uint32Array(words.data.buffer, words.data.byteOffset, n * f * 4);
  const out = new Int32Array(n * f);
  for (let c = 0; c < f; c++) {
    const base = c * n;
    for (let k = 0; k < n; k++) out[base + k] = k;
    for (let i = n - 1; i >= 1; i--) {
      // floor(word * m / 2^128), 16 bits of the word at a time from the low end: every partial
      // product is below 2^48, so the doubles are exact.
      const m = i + 1;
      const o = (base + i) * 4;
      let carry = 0;
      for (let q = 0; q < 4; q++) {
        const limb = w[o + q]!;
        carry = Math.floor(((limb & 0xffff) * m + carry) / 65536);
        carry = Math.floor(((limb >>> 16) * m + carry) / 65536);
      }
      const j = base + carry;
      const t = out[base + i]!;
      out[base + i] = out[j]!;
      out[j] = t;
    }
  }
  return out;
}

/** t[c, k] = x[perm[c * n + k]] for an [n] (or [n, 1]) x: an [F, n] tensor. */
export function gatherColumns(x: RingTensor, perm: Int32Array, n: number, f: number, into?: RingTensor): RingTensor {
  const l = LIMBS[x.field] * 2; // 32-bit words per element
  const out = into ?? makeTensor(x.field, [f, n]);
  const src = new Uint32Array(x.data.buffer, x.data.byteOffset, n * l);
  const dst = new Uint32Array(out.data.buffer, out.data.byteOffset, n * f * l);
  if (l === 2) {
    for (let k = 0; k < n * f; k++) {
      const s = perm[k]! * 2;
      dst[2 * k] = src[s]!;
      dst[2 * k + 1] = src[s + 1]!;
    }
  } else {
    for (let k = 0; k < n * f; k++) {
      const s = perm[k]! * l;
      for (let q = 0; q < l; q++) dst[k * l + q] = src[s + q]!;
    }
  }
  return out;
}

export const GROUP_KINDS: readonly CorrelationKind[] = [
  correlationKind<PermParams>('private.permuted', {
    parse(raw) {
      const r = asRecord(raw);
      const a = rankParam(r.a, 'a');
      const b = rankParam(r.b, 'b');
      if (a === b) throw new SpuError("correlation parameters 'a' and 'b' must be different ranks");
      const n = countParam(r.n, 'n', GROUP_MAX_ROWS);
      const f = countParam(r.f, 'f', Math.floor(2 ** 31 / n));
      return { a, b, n, f };
    },
    random: (p, field) => [
      { name: 'rho', field, shape: [p.n], sharing: 'additive', drawnBy: p.a },
      { name: 'words', field: 'FM128', shape: [p.f, p.n], sharing: 'additive', drawnBy: p.b },
    ],
    derived: (p, field) => [{ name: 't', field, shape: [p.f, p.n], sharing: 'additive' }],
    derive(p, _field, r) {
      if (r.rho === undefined || r.words === undefined) throw new SpuError("correlation parameters 'a' and 'b' must be ranks of this session");
      return { t: gatherColumns(r.rho, permutationsFrom(r.words, p.n, p.f), p.n, p.f) };
    },
  }),
];

/** a's vector: values at a only. */
export interface GroupValues {
  readonly owner: number;
  readonly values: RingTensor | undefined;
}

/** b's codes: [n, F] row-major integers in [0, groups[f]) at b only. */
export interface GroupCodes {
  readonly owner: number;
  readonly codes: Int32Array | undefined;
}

/** What a ends with: per column f, v and the codes in the same (shuffled) row order. */
export interface Shuffled {
  /** [F, n]: row k of column f is v at the row whose code is codes[f * n + k]. */
  readonly values: RingTensor;
  readonly codes: Int32Array;
}

export interface PrivateGroupKernels {
  /** The shuffled pairs at a (undefined at every other rank). */
  shuffle(env: KernelEnv, v: GroupValues, c: GroupCodes, n: number, f: number, codeBytes: 1 | 2 | 4): Promise<Shuffled | undefined>;
}

function corr(env: KernelEnv) {
  if (env.corr === undefined) throw new SpuError('private grouped sums need a dealer (SEMI2K)');
  return env.corr;
}

/** b's codes column by column in a permuted row order, as bytes of `codeBytes` per code. */
function permutedCodes(codes: Int32Array, perm: Int32Array | undefined, n: number, f: number, codeBytes: 1 | 2 | 4): Uint8Array {
  const out = codeBytes === 1 ? new Uint8Array(n * f) : codeBytes === 2 ? new Uint16Array(n * f) : new Uint32Array(n * f);
  for (let c = 0; c < f; c++)
    for (let k = 0; k < n; k++) out[c * n + k] = codes[(perm === undefined ? k : perm[c * n + k]!) * f + c]!;
  return new Uint8Array(out.buffer, 0, out.byteLength);
}

function readCodes(bytes: Uint8Array, n: number, f: number, codeBytes: 1 | 2 | 4): Int32Array {
  if (bytes.byteLength !== n * f * codeBytes) throw new SpuError('permuted codes of the wrong length');
  const copy = bytes.slice();
  const src = codeBytes === 1 ? copy : codeBytes === 2 ? new Uint16Array(copy.buffer, 0, n * f) : new Uint32Array(copy.buffer, 0, n * f);
  return Int32Array.from(src);
}

/** SEMI2K: see the header. 2 rounds; a -> b: n elements; j -> b: n F; b -> a: n F elements + n F codes. */
export async function shuffleA(env: KernelEnv, v: GroupValues, c: GroupCodes, n: number, f: number, codeBytes: 1 | 2 | 4): Promise<Shuffled | undefined> {
  const { comm, cfg } = env;
  const field = cfg.field;
  const a = v.owner, b = c.owner;
  const me = comm.rank;
  const t = corr(env).take('private.permuted', { a, b, n, f });
  if (me === a) {
    const incoming = comm.recv(b);
    const codesIn = comm.recv(b);
    const rho = t.random.rho!;
    // z = v - rho, written over rho (a's draw is not needed again).
    const vs = makeTensor(field, [n], v.values!.data);
    comm.send(b, toBytes(sub(vs, rho, rho)));
    const { t: ta } = await t.derived;
    const m = fromBytes(field, await incoming, [f, n]);
    const values = add(m, ta!, m);
    return { values, codes: readCodes(await codesIn, n, f, codeBytes) };
  }
  if (me === b) {
    const zIn = comm.recv(a);
    const others: Promise<Uint8Array>[] = [];
    for (let j = 0; j < comm.worldSize; j++) if (j !== a && j !== b) others.push(comm.recv(j));
    const perm = permutationsFrom(t.random.words!, n, f);
    const codesOut = permutedCodes(c.codes!, perm, n, f, codeBytes);
    const { t: tb } = await t.derived;
    const z = fromBytes(field, await zIn, [n]);
    const m = gatherColumns(z, perm, n, f);
    add(m, tb!, m);
    for (const o of others) add(m, fromBytes(field, await o, [f, n]), m);
    comm.send(a, toBytes(m));
    comm.send(a, codesOut);
    return undefined;
  }
  const { t: tj } = await t.derived;
  comm.send(b, toBytes(tj!));
  return undefined;
}

/** REF2K (plaintext by design): a sends v and b its codes to every rank; every rank has the sums. */
export async function shuffleRef(env: KernelEnv, v: GroupValues, c: GroupCodes, n: number, f: number, codeBytes: 1 | 2 | 4): Promise<Shuffled | undefined> {
  const { comm } = env;
  const field = env.cfg.field;
  const me = comm.rank;
  for (let j = 0; j < comm.worldSize; j++) {
    if (j === me) continue;
    if (me === v.owner) comm.send(j, toBytes(v.values!).slice());
    if (me === c.owner) comm.send(j, permutedCodes(c.codes!, undefined, n, f, codeBytes));
  }
  const vals = me === v.owner ? makeTensor(field, [n], v.values!.data) : fromBytes(field, await comm.recv(v.owner), [n]);
  const codes = me === c.owner ? readCodes(permutedCodes(c.codes!, undefined, n, f, codeBytes), n, f, codeBytes) : readCodes(await comm.recv(c.owner), n, f, codeBytes);
  const ident = new Int32Array(n * f);
  for (let k = 0; k < n * f; k++) ident[k] = k % n;
  return { values: gatherColumns(vals, ident, n, f), codes };
}

export const semi2kGroup: PrivateGroupKernels = { shuffle: shuffleA };
export const ref2kGroup: PrivateGroupKernels = { shuffle: shuffleRef };

/** Bytes per permuted code for groups of at most `maxGroups`. */
export const codeBytesFor = (maxGroups: number): 1 | 2 | 4 => (maxGroups <= 256 ? 1 : maxGroups <= 65536 ? 2 : 4);

/**
 * Exact ring sums of the shuffled values by group: [sum of groups, 1], column f's groups in order.
 * 32-bit limbs are accumulated as doubles (exact below 2^53) and carried every 2^20 rows.
 */
export function groupSums(field: FieldType, s: Shuffled, n: number, groups: readonly number[]): RingTensor {
  const f = groups.length;
  const l = LIMBS[field] * 2;
  const total = groups.reduce((x, g) => x + g, 0);
  const acc = new Float64Array(total * l);
  const words = new Uint32Array(s.values.data.buffer, s.values.data.byteOffset, n * f * l);
  const out = makeTensor(field, [total, 1]);
  const dst = new Uint32Array(out.data.buffer, out.data.byteOffset, total * l);
  const flush = (): void => {
    for (let g = 0; g < total; g++) {
      let carry = 0;
      for (let q = 0; q < l; q++) {
        const x = dst[g * l + q]! + acc[g * l + q]! + carry;
        dst[g * l + q] = x % 4294967296;
        carry = Math.floor(x / 4294967296);
        acc[g * l + q] = 0;
      }
    }
  };
  let off = 0;
  for (let c = 0; c < f; c++) {
    for (let k = 0; k < n; k++) {
      if ((k & 0xfffff) === 0xfffff) flush();
      const g = s.codes[c * n + k]!;
      const e = c * n + k;
      for (let q = 0; q < l; q++) acc[(off + g) * l + q]! += words[e * l + q]!;
    }
    off += groups[c]!;
  }
  flush();
  return out;
}

export type PrivateGroupCost = RankPairCost;

/**
 * SEMI2K `privateGroupSums` of a's n-vector by b's n x F codes with at most `maxGroups` groups per
 * column, `parties` ranks: a sends b n elements and every other rank sends b its n F part (one
 * round), b sends a n F elements and n F codes (second round); the dealer sends rank 0 n F.
 */
export function privateGroupCost(n: number, f: number, maxGroups: number, owners: readonly [number, number], parties: number, field: FieldType): PrivateGroupCost {
  const eb = ELEMENT_BYTES[field];
  const [a, b] = owners;
  const bytes = Array.from({ length: parties }, (_, i) =>
    Array.from({ length: parties }, (_, j) => {
      if (i === j) return 0;
      if (i === a && j === b) return n * eb;
      if (i === b && j === a) return n * f * (eb + codeBytesFor(maxGroups));
      if (i !== a && i !== b && j === b) return n * f * eb;
      return 0;
    }),
  );
  return { rounds: 2, bytes, dealerBytes: n * f * eb, dealerRequests: 1 };
}
