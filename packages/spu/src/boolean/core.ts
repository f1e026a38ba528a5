// The rank-side machinery the boolean layer runs on: a Comm, the field, and a source of dealer
// correlations. Kept as a small interface so the same protocols run over the arithmetic engineer's
// SpuContext (via an adapter) and over the test/bench harness in `testing.ts`.
import { add, fromBytes, toBytes, type FieldType, type RingTensor } from '@sfw/ring';
import type { Comm } from '../comm.ts';
import type { CorrelationSource } from '../correlation-source.ts';
import { KIND_AND, KIND_BITPAIR, KIND_MASK, unpack, type AndTriple, type BitPair, type BitPairParams, type MaskBits, type MaskBitsParams } from './correlations.ts';

/** Where dealer correlations come from (SPMD: all ranks ask for the same kinds in the same order). */
export interface NlCorrelations {
  andTriple(words: number): Promise<AndTriple>;
  maskBits(p: MaskBitsParams): Promise<MaskBits>;
  bitPair(p: BitPairParams): Promise<BitPair>;
}

export interface NlCore {
  readonly comm: Comm;
  readonly field: FieldType;
  readonly fxpBits: number;
  readonly corr: NlCorrelations;
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

/** Opens an additively shared ring tensor to every rank: 1 round, (N-1) * n * k/8 bytes sent. */
export async function openRing(comm: Comm, share: RingTensor): Promise<RingTensor> {
  const all = await exchange(comm, toBytes(share));
  let acc = share;
  for (let p = 0; p < all.length; p++) if (p !== comm.rank) acc = add(acc, fromBytes(share.field, all[p]!, share.shape));
  return acc;
}

/** Opens XOR-shared words to every rank: 1 round, (N-1) * 4 * words.length bytes sent. */
export async function openBits(comm: Comm, share: Uint32Array): Promise<Uint32Array> {
  const all = await exchange(comm, new Uint8Array(share.buffer, share.byteOffset, share.byteLength));
  const out = share.slice();
  for (let p = 0; p < all.length; p++) {
    if (p === comm.rank) continue;
    const b = all[p]!;
    const w = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2) : new Uint32Array(b.slice().buffer);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ (w[i]!);
  }
  return out;
}

/**
 * Secure AND of XOR-shared words x, y (any number of independent gates side by side):
 * Beaver's trick over GF(2) (Beaver 1991; GMW as in ABY, Demmler et al. NDSS'15).
 *   1. take a triple (a, b, c = a&b);  2. open d = x^a, e = y^b (one round, 2 bits per gate to
 *   each peer);  3. z = c ^ (d&b) ^ (e&a) ^ [rank 0] (d&e).
 * d and e are one-time-padded by the uniformly random a and b, so a peer's view is independent of x, y.
 */
export async function andGates(core: NlCore, x: Uint32Array, y: Uint32Array): Promise<Uint32Array> {
  const m = x.length;
  const t = await core.corr.andTriple(m);
  const de = new Uint32Array(2 * m);
  for (let i = 0; i < m; i++) {
    de[i] = x[i]! ^ t.a[i]!;
    de[m + i] = y[i]! ^ t.b[i]!;
  }
  const D = await openBits(core.comm, de);
  const z = new Uint32Array(m);
  const r0 = core.comm.rank === 0;
  for (let i = 0; i < m; i++) {
    const d = D[i]!, e = D[m + i]!;
    z[i] = t.c[i]! ^ (d & t.b[i]!) ^ (e & t.a[i]!) ^ (r0 ? d & e : 0);
  }
  return z;
}


/** NlCorrelations over the SPU dealer connection (SEMI2K, TTP or TFP). */
export function dealerCorrelations(src: CorrelationSource): NlCorrelations {
  return {
    andTriple: async (words) => unpack.and(await src.takeAll(KIND_AND, { words }), words),
    maskBits: async (p) => unpack.mask(await src.takeAll(KIND_MASK, { n: p.n, k: p.k }), p),
    bitPair: async (p) => unpack.bitPair(await src.takeAll(KIND_BITPAIR, { n: p.n }), p),
  };
}
