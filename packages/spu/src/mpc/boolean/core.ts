// The rank-side machinery the boolean layer runs on: openings over the rank links, AND gates, and
// this rank's shares of the boolean correlations, all over the same KernelEnv as the arithmetic
// kernels (one rank environment for every kernel of the protocol).
import { add, fromBytes, toBytes, type RingTensor } from '@sfw/ring';
import type { Comm } from '../../comm.ts';
import type { CorrelationSource } from '../dealer/source.ts';
import type { KernelEnv } from '../types.ts';
import { KIND_AND, KIND_AND_SHARED, KIND_BITPAIR, KIND_MASK, asWords, unpack, type AndTriple, type BitPair, type BitPairParams, type MaskBits, type MaskBitsParams } from './correlations.ts';

/** An AND triple whose random halves are ready at once (opening can start before the dealer answers). */
export interface SplitAndTriple {
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  readonly c: Promise<Uint32Array>;
  /** Hands a, b and c back to the scratch pool (call once they are no longer read). */
  release(): void;
}

const copyBytes = (b: Uint8Array): Uint8Array => b.slice(); // send() may transfer the buffer

/**
 * Sends `payload` to every other rank and receives theirs: one round. Returns the peers' payloads
 * indexed by rank (own index holds `payload`).
 */
export async function exchange(comm: Comm, payload: Uint8Array): Promise<Uint8Array[]> {
  const n = comm.worldSize;
  for (let p = 0; p < n; p++) if (p !== comm.rank) comm.send(p, copyBytes(payload));
  const out: Uint8Array[] = new Array<Uint8Array>(n);
  const pending: Promise<void>[] = [];
  for (let p = 0; p < n; p++) {
    if (p === comm.rank) out[p] = payload;
    else pending.push(comm.recv(p).then((d) => { out[p] = d; }));
  }
  await Promise.all(pending);
  return out;
}

/**
 * Opens an additively shared ring tensor to every rank: 1 round, (N-1) * n * k/8 bytes sent.
 * With `inPlace` the peers' shares are summed into `share` itself (the caller's own scratch).
 */
export async function openRing(comm: Comm, share: RingTensor, inPlace = false): Promise<RingTensor> {
  const all = await exchange(comm, toBytes(share));
  let acc: RingTensor | undefined = inPlace ? share : undefined;
  for (let p = 0; p < all.length; p++) {
    if (p === comm.rank) continue;
    const t = fromBytes(share.field, all[p]!, share.shape);
    acc = acc === undefined ? add(share, t) : add(acc, t, acc);
  }
  return acc ?? share;
}

/** Opens XOR-shared words to every rank: 1 round, (N-1) * 4 * words.length bytes sent. */
export async function openBits(comm: Comm, share: Uint32Array): Promise<Uint32Array> {
  return openBitsInPlace(comm, share.slice());
}

/**
 * openBits that XORs the peers' shares into `share` itself (saves a copy of the whole payload per
 * opening; the boolean circuits open ~100 planes per comparison). `share` must be this caller's own
 * scratch: it is overwritten with the opened value and returned.
 */
export async function openBitsInPlace(comm: Comm, share: Uint32Array): Promise<Uint32Array> {
  const all = await exchange(comm, new Uint8Array(share.buffer, share.byteOffset, share.byteLength));
  const out = share;
  for (let p = 0; p < all.length; p++) {
    if (p === comm.rank) continue;
    const b = all[p]!;
    const w = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2) : new Uint32Array(b.slice().buffer);
    xorInto(out, w);
  }
  return out;
}

function xorInto(out: Uint32Array, w: Uint32Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = out[i]! ^ w[i]!;
}

/**
 * Secure AND of XOR-shared words x, y (any number of independent gates side by side):
 * Beaver's trick over GF(2) (Beaver 1991; GMW as in ABY, Demmler et al. NDSS'15).
 *   1. take a triple (a, b, c = a&b);  2. open d = x^a, e = y^b (one round, 2 bits per gate to
 *   each peer);  3. z = c ^ (d&b) ^ (e&a) ^ [rank 0] (d&e).
 * d and e are one-time-padded by the uniformly random a and b, so a peer's view is independent of x, y.
 */
export async function andGates(env: KernelEnv, x: Uint32Array, y: Uint32Array): Promise<Uint32Array> {
  return andPlanes(env, [x], [y], x.length);
}

/**
 * andGates over lists of planes (W words each) without concatenating them first: gate block q is
 * xs[q] & ys[q]; the result holds block q at words [q*W, (q+1)*W). Same protocol and traffic as
 * andGates on the concatenations. The random halves of the triple come from this rank's PRG at
 * once, so the masked opening goes out before the dealer's correction for c arrives.
 */
export async function andPlanes(env: KernelEnv, xs: readonly Uint32Array[], ys: readonly Uint32Array[], W: number): Promise<Uint32Array> {
  const m = xs.length * W;
  const t = andTripleSplit(env, m);
  const a = t.a, b = t.b;
  const de = new Uint32Array(2 * m);
  for (let q = 0; q < xs.length; q++) {
    const x = xs[q]!, y = ys[q]!;
    const o = q * W;
    for (let i = 0; i < W; i++) {
      de[o + i] = x[i]! ^ a[o + i]!;
      de[m + o + i] = y[i]! ^ b[o + i]!;
    }
  }
  // de is handed to the transport (no copy kept): d = x^a and e = y^b are recomputed below from
  // the inputs, which costs less than copying and XOR-ing the payload.
  // Both awaited together: a failure of either surfaces here, never as an unhandled rejection.
  const [c, peers] = await Promise.all([t.c, sendOwnedRecvAll(env.comm, de)]);
  const P = peers[0]!;
  for (let j = 1; j < peers.length; j++) xorInto(P, peers[j]!);
  // z overwrites the first half of P in place (P_i and P_{m+i} are read before z_i is written).
  const r0 = env.comm.rank === 0;
  for (let q = 0; q < xs.length; q++) {
    const x = xs[q]!, y = ys[q]!;
    const o = q * W;
    for (let i = 0; i < W; i++) {
      const j = o + i;
      const aj = a[j]!, bj = b[j]!;
      const d = x[i]! ^ aj ^ P[j]!, e = y[i]! ^ bj ^ P[m + j]!;
      P[j] = c[j]! ^ (d & bj) ^ (e & aj) ^ (r0 ? d & e : 0);
    }
  }
  t.release();
  return P.subarray(0, m);
}

/**
 * One round of AND gates in two groups, over planes of W words:
 *   singles: z1 block q = sx[q] & sy[q];
 *   pairs:   z2 block q = px[q] & py1[q], z2 block P + q = px[q] & py2[q] (P = px.length),
 * where each pair shares its left input: with a triple (a, b1, b2 | a&b1, a&b2) the ranks open
 * x^a once for both gates (3 plane openings per 2 gates instead of 4; a, b1, b2 independent and
 * uniform, so the view stays one-time-padded). The (G, P) combines of a carry tree are such pairs:
 * P_hi & G_lo and P_hi & P_lo. Wire: [d1, e1 | d2, e21, e22], one message to each peer.
 */
export async function andPlanesShared(
  env: KernelEnv,
  sx: readonly Uint32Array[], sy: readonly Uint32Array[],
  px: readonly Uint32Array[], py1: readonly Uint32Array[], py2: readonly Uint32Array[],
  W: number,
): Promise<{ z1: Uint32Array; z2: Uint32Array }> {
  const m1 = sx.length * W, m2 = px.length * W;
  // Same take order on every rank (the PRG streams advance together): singles, then pairs.
  const t1 = m1 > 0 ? andTripleSplit(env, m1) : undefined;
  const t2 = m2 > 0 ? sharedTripleSplit(env, m2) : undefined;
  const o2 = 2 * m1; // start of the pairs' block in the payload
  const de = new Uint32Array(o2 + 3 * m2);
  if (t1 !== undefined) {
    const a = t1.a, b = t1.b;
    for (let q = 0; q < sx.length; q++) {
      const x = sx[q]!, y = sy[q]!, o = q * W;
      for (let i = 0; i < W; i++) {
        de[o + i] = x[i]! ^ a[o + i]!;
        de[m1 + o + i] = y[i]! ^ b[o + i]!;
      }
    }
  }
  if (t2 !== undefined) {
    const a = t2.a, b = t2.b;
    for (let q = 0; q < px.length; q++) {
      const x = px[q]!, y1 = py1[q]!, y2 = py2[q]!, o = q * W;
      for (let i = 0; i < W; i++) {
        de[o2 + o + i] = x[i]! ^ a[o + i]!;
        de[o2 + m2 + o + i] = y1[i]! ^ b[o + i]!;
        de[o2 + 2 * m2 + o + i] = y2[i]! ^ b[m2 + o + i]!;
      }
    }
  }
  const [c1, c2, peers] = await Promise.all([t1?.c, t2?.c, sendOwnedRecvAll(env.comm, de)]);
  const P = peers[0]!;
  for (let j = 1; j < peers.length; j++) xorInto(P, peers[j]!);
  const r0 = env.comm.rank === 0 ? -1 : 0;
  if (t1 !== undefined) {
    const a = t1.a, b = t1.b, c = c1!;
    for (let q = 0; q < sx.length; q++) {
      const x = sx[q]!, y = sy[q]!, o = q * W;
      for (let i = 0; i < W; i++) {
        const j = o + i;
        const aj = a[j]!, bj = b[j]!;
        const d = x[i]! ^ aj ^ P[j]!, e = y[i]! ^ bj ^ P[m1 + j]!;
        P[j] = c[j]! ^ (d & bj) ^ (e & aj) ^ (d & e & r0);
      }
    }
    t1.release();
  }
  if (t2 !== undefined) {
    const a = t2.a, b = t2.b, c = c2!;
    // z2 overwrites [o2, o2 + 2 m2) of P in place: index o2+j and o2+m2+j are read before written.
    for (let q = 0; q < px.length; q++) {
      const x = px[q]!, y1 = py1[q]!, y2 = py2[q]!, o = q * W;
      for (let i = 0; i < W; i++) {
        const j = o + i;
        const aj = a[j]!, b1 = b[j]!, b2 = b[m2 + j]!;
        const d = x[i]! ^ aj ^ P[o2 + j]!;
        const e1 = y1[i]! ^ b1 ^ P[o2 + m2 + j]!, e2 = y2[i]! ^ b2 ^ P[o2 + 2 * m2 + j]!;
        P[o2 + j] = c[j]! ^ (d & b1) ^ (e1 & aj) ^ (d & e1 & r0);
        P[o2 + m2 + j] = c[m2 + j]! ^ (d & b2) ^ (e2 & aj) ^ (d & e2 & r0);
      }
    }
    t2.release();
  }
  return { z1: P.subarray(0, m1), z2: P.subarray(o2, o2 + 2 * m2) };
}

/**
 * Sends `payload` to every peer, transferring it to the last one (the caller must not touch it
 * afterwards), and returns the peers' payloads as word arrays this rank owns (rank order).
 */
async function sendOwnedRecvAll(comm: Comm, payload: Uint32Array): Promise<Uint32Array[]> {
  const recvs: Promise<Uint8Array>[] = [];
  const peers: number[] = [];
  for (let p = 0; p < comm.worldSize; p++) if (p !== comm.rank) { peers.push(p); recvs.push(comm.recv(p)); }
  const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  peers.forEach((p, i) => comm.send(p, i === peers.length - 1 ? bytes : bytes.slice()));
  const got = await Promise.all(recvs);
  // A view that does not own its whole buffer (possible on an in-thread hub) is copied before use.
  return got.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? new Uint32Array(b.buffer, 0, b.byteLength >>> 2) : new Uint32Array(b.slice().buffer)));
}

function dealerOf(env: KernelEnv): CorrelationSource {
  if (env.corr === undefined) throw new Error('the boolean kernels need a dealer connection');
  return env.corr;
}

/** This rank's shares of an AND triple over `words` 32-gate words. */
export async function andTriple(env: KernelEnv, words: number): Promise<AndTriple> {
  return unpack.and(await dealerOf(env).takeAll(KIND_AND, { words }), words);
}

/** Same correlation as andTriple (same PRG draws, same dealer traffic), split as in CorrelationSource.take. */
export function andTripleSplit(env: KernelEnv, words: number): SplitAndTriple {
  const src = dealerOf(env);
  const c = src.take(KIND_AND, { words });
  const ta = c.random.a!, tb = c.random.b!;
  let tc: RingTensor | undefined;
  return {
    a: asWords(ta, words),
    b: asWords(tb, words),
    c: c.derived.then((d) => asWords((tc = d.c!), words)),
    // c is a PRG draw (rank != 0) or the dealer's whole answer (rank 0): ours either way.
    release: () => src.pool.give(ta, tb, tc),
  };
}

/** Shares of a shared-input triple pair over `words` words (a: words; b, c: 2 words each). */
function sharedTripleSplit(env: KernelEnv, words: number): SplitAndTriple {
  const src = dealerOf(env);
  const c = src.take(KIND_AND_SHARED, { words });
  const ta = c.random.a!, tb = c.random.b!;
  let tc: RingTensor | undefined;
  return {
    a: asWords(ta, words),
    b: asWords(tb, 2 * words),
    c: c.derived.then((d) => asWords((tc = d.c!), 2 * words)),
    release: () => src.pool.give(ta, tb, tc),
  };
}

/** A random mask r of `p.n` elements with its low `p.k` bits (and `p.pairs` pair products) XOR-shared. */
export async function maskBits(env: KernelEnv, p: MaskBitsParams): Promise<MaskBits> {
  const params = p.pairs ? { n: p.n, k: p.k, pairs: p.pairs } : { n: p.n, k: p.k };
  return unpack.mask(await dealerOf(env).takeAll(KIND_MASK, params), p);
}

/** `p.n` random bits in both sharings. */
export async function bitPair(env: KernelEnv, p: BitPairParams): Promise<BitPair> {
  return unpack.bitPair(await dealerOf(env).takeAll(KIND_BITPAIR, { n: p.n }), p);
}
