// Conversions between additive (A) and XOR (B) sharing, and the masked-opening step every
// dealer-assisted circuit starts with.
import { FIELD_BITS, LIMBS, add, addScalar, fromBytes, makeTensor, mul, mulScalar, neg, sub, type RingTensor } from '@sfw/ring';
import { fromPlanes, plane, planeWords, toPlanes } from './bitslice.ts';
import { addShared, bitsFromMasked, eqzFromMasked, msbFromMasked, msbPairs, type Plane } from './circuits.ts';
import type { BitTerm, KernelEnv } from '../types.ts';
import { bitPair, maskBits, openBitsInPlace, openRing } from './core.ts';
import { KIND_BITMUL, unpack } from './correlations.ts';

export interface Masked {
  C: Plane[];
  R: Plane[];
  /** shares of ~r_2j & ~r_2j+1 for the low bit pairs requested (empty when none) */
  M: Plane[];
  n: number;
}

/**
 * Opens c = x + r for a dealer mask r whose low `k` bits the ranks also hold XOR-shared.
 * c is uniform in Z_2^k whatever x is (one-time pad), so opening it leaks nothing.
 * 1 round, (N-1) * n * kbits/8 bytes per rank.
 */
export async function maskAndOpen(env: KernelEnv, x: RingTensor, k: number, pairs = 0): Promise<Masked> {
  const mb = await maskBits(env, { n: x.size, k, pairs });
  // mb.r is this rank's own memory and only masks x: the masked value and the opening reuse it.
  const c = await openRing(env.comm, add(x, mb.r, mb.r), true);
  const Cp = toPlanes(env.cfg.field, c.data, x.size, k);
  env.pool.give(c);
  const C: Plane[] = [], R: Plane[] = [];
  for (let j = 0; j < k; j++) { C.push(plane(Cp, j)); R.push(plane(mb.bits, j)); }
  const M: Plane[] = [];
  const W = mb.bits.W;
  for (let j = 0; j < pairs; j++) M.push(mb.pairs!.subarray(j * W, (j + 1) * W));
  return { C, R, M, n: x.size };
}

/** XOR share of msb(x) (x < 0 in two's complement). */
export async function msbA2B(env: KernelEnv, x: RingTensor): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  const m = await maskAndOpen(env, x, k, msbPairs(k));
  return msbFromMasked(env, m.C, m.R, m.M, k);
}

/**
 * XOR shares of msb(x - o_j) for public ring offsets o_0..o_{J-1} of one secret x, from ONE masked
 * opening: c = x + r is opened once and x - o_j = (c - o_j) - r, so every comparison is the same
 * carry circuit on a different public addend (c - o_j) and the same shared mask bits. The J circuits
 * run side by side (planes of J*W words: block j = comparison j). Revealing nothing more than one
 * msbA: the only ring opening is c (uniform), the rest are AND-gate openings under fresh triples.
 * Saves, against J separate msbA, J-1 masks (dealer: n ring elements + k planes each), J-1 openings
 * of n*k/8 bytes and J-1 bit-slicing passes.
 *
 * `low` = j > 0 (even) drops the low j bits from the circuit: over bits j..k-1 it computes the top
 * bit of floor((c - o)/2^j) - floor(r/2^j) = (x - o + r_lo - c_lo)/2^j (mod 2^(k-j)), where
 * r_lo - c_lo lies in (-2^j, 2^j): negative for x - o < -2^j, non-negative for x - o >= 0, either
 * in between (and within 2^j of the ring's ends, where the window's top bit can wrap). The mask and its pair products are dealt as for the full width (the pairs used are
 * those of bits j and up); the view is the same uniform c and fewer AND openings.
 */
export async function msbOffsetsA2B(env: KernelEnv, x: RingTensor, offsets: readonly bigint[], low = 0): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  if (low < 0 || low & 1 || low > k - 8) throw new RangeError(`msbOffsets: low ${low} must be even and in [0, ${k - 8}]`);
  const kk = k - low; // circuit width: ring bits low..k-1
  const n = x.size;
  const W = planeWords(n);
  const J = offsets.length;
  const pairs = msbPairs(kk);
  const mb = await maskBits(env, { n, k, pairs: msbPairs(k) });
  const c = await openRing(env.comm, add(x, mb.r, mb.r), true);
  const C: Plane[] = [], R: Plane[] = [], M: Plane[] = [];
  for (let i = 0; i < kk; i++) { C.push(new Uint32Array(J * W)); R.push(new Uint32Array(J * W)); }
  for (let i = 0; i < pairs; i++) {
    const m = new Uint32Array(J * W);
    const src = mb.pairs!.subarray((i + low / 2) * W, (i + low / 2 + 1) * W);
    for (let j = 0; j < J; j++) m.set(src, j * W);
    M.push(m);
  }
  const cj = env.pool.take(env.cfg.field, [n]);
  offsets.forEach((o, j) => {
    addScalar(c, -o, cj);
    const Cp = toPlanes(env.cfg.field, cj.data, n, k);
    for (let i = 0; i < kk; i++) {
      C[i]!.set(plane(Cp, i + low), j * W);
      R[i]!.set(plane(mb.bits, i + low), j * W);
    }
  });
  env.pool.give(c, cj);
  return msbFromMasked(env, C, R, M, kk);
}

/** XOR share of [x == 0]. */
export async function eqzA2B(env: KernelEnv, x: RingTensor): Promise<Plane> {
  const k = FIELD_BITS[env.cfg.field];
  const m = await maskAndOpen(env, x, k);
  return eqzFromMasked(env, m.C, m.R, k);
}

/** A2B: XOR shares of the low `kk` bits of x (bit decomposition). */
export async function a2b(env: KernelEnv, x: RingTensor, kk = FIELD_BITS[env.cfg.field]): Promise<Plane[]> {
  const m = await maskAndOpen(env, x, kk);
  return bitsFromMasked(env, m.C, m.R, kk);
}

/**
 * B2A of single bits with a dealer bit pair (b in both sharings): open m = x ^ b (1 round, 1 bit
 * per element to each peer), then x = m + b - 2mb is linear in b's arithmetic share.
 * Returns shares of the integer 0/1 (multiply by `scale` for fixed point).
 */
export async function b2aBit(env: KernelEnv, x: Plane, n: number, scale = 1n): Promise<RingTensor> {
  const bp = await bitPair(env, { n });
  const mw = new Uint32Array(planeWords(n));
  for (let i = 0; i < mw.length; i++) mw[i] = x[i]! ^ bp.bool[i]!;
  const m = await openBitsInPlace(env.comm, mw); // mw is our own scratch
  // x = m + b - 2mb: b where m = 0 and c - b where m = 1 (c = 1 on rank 0, 0 elsewhere; m is
  // public). One branch-free pass over b's share in place (this rank's own draw or the dealer's
  // answer): c - b = ~b + 1 + c, carried across the element's u32 words.
  const out = bp.arith;
  const wpe = 2 * LIMBS[env.cfg.field];
  const u = new Uint32Array(out.data.buffer, out.data.byteOffset, n * wpe);
  const add1 = env.comm.rank === 0 ? 2 : 1;
  if (wpe === 2) {
    // FM64, unrolled: 32 elements per opened word
    for (let w = 0; w * 32 < n; w++) {
      const mw = m[w]!, top = Math.min(32, n - w * 32);
      for (let e = 0, o = w * 64; e < top; e++, o += 2) {
        const bit = (mw >>> e) & 1, flip = -bit;
        const lo = ((u[o]! ^ flip) >>> 0) + bit * add1;
        u[o] = lo;
        u[o + 1] = (u[o + 1]! ^ flip) + (lo > 0xffffffff ? 1 : 0);
      }
    }
    return scale === 1n ? out : mulScalar(out, scale, out);
  }
  for (let i = 0, o = 0; i < n; i++, o += wpe) {
    const bit = (m[i >>> 5]! >>> (i & 31)) & 1;
    const flip = -bit; // 0 or all ones
    let carry = bit * add1;
    for (let j = 0; j < wpe; j++) {
      const s = ((u[o + j]! ^ flip) >>> 0) + carry;
      u[o + j] = s;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }
  return scale === 1n ? out : mulScalar(out, scale, out);
}

/**
 * B2A of a full k-bit XOR-shared value: a boolean adder computes u = x + r for a dealer mask r
 * (held in both sharings), u is opened (it is one-time-padded by r), and x = u - r.
 * Rounds: 1 + ceil(log2(k-1)) + 1; ANDs: (k-1) + Sklansky(k-1).
 */
export async function b2a(env: KernelEnv, X: Plane[], n: number): Promise<RingTensor> {
  const k = FIELD_BITS[env.cfg.field];
  const mb = await maskBits(env, { n, k });
  const R: Plane[] = [];
  for (let j = 0; j < k; j++) R.push(plane(mb.bits, j));
  const U = await addShared(env, X, R, k);
  const W = planeWords(n);
  const flat = new Uint32Array(k * W);
  U.forEach((p, j) => flat.set(p, j * W));
  const u = await openBitsInPlace(env.comm, flat); // flat is our own scratch
  const uRing = makeTensor(env.cfg.field, [n], fromPlanes(env.cfg.field, { k, n, W, words: u }));
  return env.comm.rank === 0 ? sub(uRing, mb.r) : neg(mb.r);
}

/**
 * b_q (v + t_q) for XOR-shared bits b_q (each the XOR of plane blocks of `bits`, W words per
 * block, n elements) and ONE additively shared value v, t_q public: a bit times a value in one
 * round, without first converting the bit to arithmetic shares (a bit injection, with the dealer
 * supplying the correlation). The dealer deals, per term, a random bit r_q in both sharings and the
 * shares of r_q a for one random ring mask a common to all terms (nl.bitMul). The ranks open, in one
 * message, m_q = b_q ^ r_q (one bit per element and term) and e = v - a (one ring element per
 * element, once for all terms): both are one-time-padded by the uniform r_q and a. Then, with
 * w = v + t_q = e + t_q + a and s = r_q w = r_q (e + t_q) + r_q a (local: e, t_q public):
 *   b_q w = (m ^ r_q) w = s where m = 0, and w - s where m = 1.
 * Against B2A then a Beaver product: one round instead of two, and n k/8 bytes fewer (e is opened
 * once, the bit's mask travels with it; a Beaver product opens both factors).
 */
export async function bitMulA(env: KernelEnv, bits: Plane, n: number, v: RingTensor, terms: readonly BitTerm[]): Promise<RingTensor[]> {
  if (env.corr === undefined) throw new Error('the boolean kernels need a dealer connection');
  if (v.size !== n) throw new RangeError('bitMulA: the value and the bits must have the same element count');
  const field = env.cfg.field;
  const W = planeWords(n);
  const J = terms.length;
  const L = LIMBS[field];
  const eb = FIELD_BITS[field] / 8;
  const corr = env.corr.take(KIND_BITMUL, { n, J });
  const { bool, a } = unpack.bitMul(corr.random, { n, J });
  // payload [e = v - a (n ring elements) | m (J W plane words)]: one message to each peer, in a
  // pooled buffer that is sent (transferred to the last peer, so never given back); this rank keeps
  // its own m (J W words) and recomputes e when summing (cheaper than copying the payload).
  const padEls = Math.ceil((4 * J * W) / eb);
  const buf = env.pool.take(field, [n + padEls]);
  const payload = new Uint8Array(buf.data.buffer, buf.data.byteOffset, n * eb + 4 * J * W);
  sub(v, a, makeTensor(field, v.shape, buf.data.subarray(0, n * L)));
  const pm = new Uint32Array(buf.data.buffer, buf.data.byteOffset + n * eb, J * W);
  terms.forEach((t, q) => {
    // the term's bit (XOR of its blocks: local) masked by r_q
    const mq = pm.subarray(q * W, (q + 1) * W);
    mq.set(bool.subarray(q * W, (q + 1) * W));
    for (const blk of t.blocks) {
      const src = bits.subarray(blk * W, (blk + 1) * W);
      for (let w = 0; w < W; w++) mq[w] = mq[w]! ^ src[w]!;
    }
  });
  const m = pm.slice();
  const recvs: Promise<Uint8Array>[] = [];
  const peers: number[] = [];
  for (let p = 0; p < env.comm.worldSize; p++) if (p !== env.comm.rank) { peers.push(p); recvs.push(env.comm.recv(p)); }
  peers.forEach((p, i) => env.comm.send(p, i === peers.length - 1 ? payload : payload.slice()));
  // Both awaited together: a failure of either surfaces here, never as an unhandled rejection.
  const [d, got] = await Promise.all([corr.derived, Promise.all(recvs)]);
  const e = sub(v, a, env.pool.take(field, v.shape));
  for (const peer of got) {
    add(e, fromBytes(field, peer.subarray(0, n * eb), v.shape), e);
    const po = peer.subarray(n * eb);
    const pw = po.byteOffset % 4 === 0 ? new Uint32Array(po.buffer, po.byteOffset, J * W) : new Uint32Array(po.slice().buffer);
    for (let i = 0; i < J * W; i++) m[i] = m[i]! ^ pw[i]!;
  }
  const r0 = env.comm.rank === 0;
  const wpe = 2 * L;
  const out: RingTensor[] = [];
  const et = env.pool.take(field, v.shape);
  terms.forEach((t, q) => {
    const rq = makeTensor(field, v.shape, d.r!.data.subarray(q * n * L, (q + 1) * n * L));
    const cq = makeTensor(field, v.shape, d.c!.data.subarray(q * n * L, (q + 1) * n * L));
    const res = env.pool.take(field, v.shape); // fully written below; handed to the caller
    // s = r_q (e + t_q) + r_q a; where the opened bit is 1 the share is w - s = v + t_q - s (t_q at
    // rank 0 only): whole-tensor kernels, then a copy of the selected elements
    add(mul(t.shift === 0n ? e : addScalar(e, t.shift, et), rq, res), cq, res);
    sub(v, res, et);
    if (r0 && t.shift !== 0n) addScalar(et, t.shift, et);
    copySelected(u32(res), u32(et), m.subarray(q * W, (q + 1) * W), n, wpe);
    out.push(res);
  });
  env.pool.give(et, e, a, d.r, d.c, corr.random.bool);
  return out;
}

const u32 = (t: RingTensor): Uint32Array => new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length * 2);

/** dst element i <- src element i where bit i of m is set (elements of wpe u32 words). */
function copySelected(dst: Uint32Array, src: Uint32Array, m: Uint32Array, n: number, wpe: number): void {
  for (let w = 0; w * 32 < n; w++) {
    let mw = m[w]!;
    const left = n - w * 32;
    if (left < 32) mw &= (1 << left) - 1; // padding bits past n
    while (mw !== 0) {
      const low = mw & -mw;
      mw ^= low;
      const o = (w * 32 + 31 - Math.clz32(low)) * wpe;
      for (let k = 0; k < wpe; k++) dst[o + k] = src[o + k]!;
    }
  }
}
