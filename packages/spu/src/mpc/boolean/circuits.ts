// Boolean circuits on bit-sliced XOR shares. Every circuit is written as layers of independent AND
// gates; one layer = one `andPlanes` call = one round. XOR/NOT and AND with a public plane are local.
// Costs below are per element, in AND gates; bytes on the wire per AND gate = 2 bits to each peer.
import type { KernelEnv } from '../types.ts';
import { andPlanes, andPlanesShared } from './core.ts';

export type Plane = Uint32Array;

export const xorP = (a: Plane, b: Plane): Plane => {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! ^ b[i]!;
  return o;
};
export const andPub = (a: Plane, pub: Plane): Plane => {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! & pub[i]!;
  return o;
};
/** XOR with a public plane: only rank 0 applies it (the XOR of all shares changes once). */
export const xorPub = (rank: number, a: Plane, pub: Plane): Plane => (rank === 0 ? xorP(a, pub) : a.slice());
/** NOT of a shared plane: rank 0 flips its share. */
export const notS = (rank: number, a: Plane): Plane => {
  if (rank !== 0) return a.slice();
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = ~a[i]!;
  return o;
};

/** One round of independent AND gates: zs[i] = xs[i] & ys[i]. */
export async function andLayer(env: KernelEnv, xs: Plane[], ys: Plane[]): Promise<Plane[]> {
  if (xs.length === 0) return [];
  const W = xs[0]!.length;
  const Z = await andPlanes(env, xs, ys, W);
  return xs.map((_, i) => Z.subarray(i * W, (i + 1) * W));
}

/** Generate/propagate pair of a carry segment; `fromZero` segments never need P again. */
export interface Seg {
  G: Plane;
  P: Plane;
  fromZero: boolean;
}

/**
 * Carry out of a binary tree of (G, P) segments (the last level of a parallel-prefix adder).
 * Combine (hi o lo) = (G_hi ^ P_hi & G_lo, P_hi & P_lo). G and P of one segment are never both 1,
 * so XOR acts as OR. ceil(log2 L) rounds, 2(L-1) - ceil(log2 L) AND gates; both ANDs of a combine
 * share P_hi, so they go through one shared-input triple (andPlanesShared: 3 plane openings per
 * combine, 2 for the combine with the segment reaching bit 0, which needs no P).
 */
async function carryTree(env: KernelEnv, segs: Seg[]): Promise<Plane> {
  return (await groupTree(env, segs)).G;
}

/** carryTree's whole (G, P) of the combined segment (P is meaningful unless a leaf reaches bit 0). */
export async function groupTree(env: KernelEnv, segs: Seg[]): Promise<Seg> {
  const W = segs[0]!.G.length;
  while (segs.length > 1) {
    const sx: Plane[] = [], sy: Plane[] = [], px: Plane[] = [], py1: Plane[] = [], py2: Plane[] = [];
    const pairs = segs.length >> 1;
    for (let j = 0; j < pairs; j++) {
      const lo = segs[2 * j]!, hi = segs[2 * j + 1]!;
      if (lo.fromZero) { sx.push(hi.P); sy.push(lo.G); } else { px.push(hi.P); py1.push(lo.G); py2.push(lo.P); }
    }
    const { z1, z2 } = await andPlanesShared(env, sx, sy, px, py1, py2, W);
    const next: Seg[] = [];
    const np = px.length;
    let s = 0, q = 0;
    for (let j = 0; j < pairs; j++) {
      const lo = segs[2 * j]!, hi = segs[2 * j + 1]!;
      // z1/z2 are this rank's own buffers: G_hi is XORed into them in place.
      let G: Plane, P: Plane;
      if (lo.fromZero) {
        G = z1.subarray(s * W, (s + 1) * W);
        P = hi.P; // never read again (the segment reaches bit 0)
        s++;
      } else {
        G = z2.subarray(q * W, (q + 1) * W);
        P = z2.subarray((np + q) * W, (np + q + 1) * W);
        q++;
      }
      const hg = hi.G;
      for (let w = 0; w < W; w++) G[w] = G[w]! ^ hg[w]!;
      next.push({ G, P, fromZero: lo.fromZero });
    }
    if (segs.length & 1) next.push(segs[segs.length - 1]!);
    segs = next;
  }
  return segs[0]!;
}

/**
 * Leaves of c - r = c + ~r + 1 for public c and shared r (bit i: G = c & ~r, P = c ^ ~r; the
 * +1 enters as carry-in: G_0 = c_0 | ~r_0).
 */
function subLeaves(rank: number, C: Plane[], R: Plane[], count: number): Seg[] {
  // One fused pass per bit (this runs on every comparison: avoid 4 temporaries per leaf).
  // Rank 0 holds ~r_i's share as ~R_i; other ranks' shares of ~r_i are R_i unchanged, and planes
  // are never mutated once made, so P can alias R_i there.
  const segs: Seg[] = [];
  for (let i = 0; i < count; i++) {
    const r = R[i]!, c = C[i]!;
    const W = r.length;
    const G = new Uint32Array(W);
    let P: Plane;
    if (rank === 0) {
      P = new Uint32Array(W);
      for (let w = 0; w < W; w++) {
        const nr = ~r[w]!;
        P[w] = nr ^ c[w]!;
        G[w] = nr & c[w]!;
      }
    } else {
      P = r;
      for (let w = 0; w < W; w++) G[w] = r[w]! & c[w]!;
    }
    // the +1 carry-in: G_0 = c_0 | ~r_0 = P ^ G (a | b = a ^ b ^ (a & b), with P = c ^ ~r)
    if (i === 0) for (let w = 0; w < W; w++) G[w] = G[w]! ^ P[w]!;
    segs.push({ G, P, fromZero: i === 0 });
  }
  return segs;
}

/**
 * Leaves of the same subtraction c - r over the low L bits, two bits per leaf: the (G, P) of bit
 * pair (2j, 2j+1) is the first carry-tree combine of its two bit leaves. With n = ~r and public c,
 *   G = c_hi n_hi ^ c_hi c_lo n_lo ^ c_lo (n_hi n_lo),   P = (c_hi ^ n_hi)(c_lo ^ n_lo),
 * i.e. linear in n_hi, n_lo and n_hi n_lo with public coefficients; the dealer deals the product
 * n_hi n_lo (M[j], `nl.maskBits` pairs), so the level that cost one AND round and ~2 AND gates per
 * pair is local. The lowest pair takes the +1 carry-in (G_0 = c_0 | n_0). An odd L ends with a
 * single-bit leaf. All leaves' planes live in one buffer (one allocation per comparison).
 */
function pairLeaves(rank: number, C: Plane[], R: Plane[], M: Plane[], L: number): Seg[] {
  if (L < 2) return subLeaves(rank, C, R, L);
  const W = C[0]!.length;
  const pairs = L >> 1;
  const buf = new Uint32Array((2 * pairs + 2) * W);
  const flip = rank === 0 ? -1 : 0; // rank 0 holds ~r's share as ~R; XOR-constants go to rank 0 only
  const segs: Seg[] = [];
  for (let j = 0; j < pairs; j++) {
    const cl = C[2 * j]!, ch = C[2 * j + 1]!, rl = R[2 * j]!, rh = R[2 * j + 1]!, m = M[j]!;
    const G = buf.subarray(2 * j * W, (2 * j + 1) * W);
    if (j === 0) {
      // G = G_1 ^ P_1 G_0 with G_0 = c_0 | n_0: c_1 n_1 ^ c_0 (c_1 ^ n_1) ^ ~c_0 (c_1 n_0 ^ n_1 n_0)
      for (let w = 0; w < W; w++) {
        const c0 = cl[w]!, c1 = ch[w]!;
        const nl = rl[w]! ^ flip, nh = rh[w]! ^ flip;
        G[w] = ((c1 ^ c0) & nh) ^ (~c0 & ((c1 & nl) ^ m[w]!)) ^ (c0 & c1 & flip);
      }
      segs.push({ G, P: G, fromZero: true }); // P of a segment reaching bit 0 is never read
      continue;
    }
    const P = buf.subarray((2 * j + 1) * W, (2 * j + 2) * W);
    pairLeaf(G, P, cl, ch, rl, rh, m, flip);
    segs.push({ G, P, fromZero: false });
  }
  if (L & 1) {
    const G = buf.subarray(2 * pairs * W, (2 * pairs + 1) * W), P = buf.subarray((2 * pairs + 1) * W);
    singleLeaf(G, P, C[L - 1]!, R[L - 1]!, flip);
    segs.push({ G, P, fromZero: false });
  }
  return segs;
}

/** (G, P) of the bit pair (c0 + ~r0, c1 + ~r1), made local by the dealt product m of the mask bits. */
function pairLeaf(G: Plane, P: Plane, cl: Plane, ch: Plane, rl: Plane, rh: Plane, m: Plane, flip: number): void {
  for (let w = 0; w < G.length; w++) {
    const c0 = cl[w]!, c1 = ch[w]!, mm = m[w]!;
    const nl = rl[w]! ^ flip, nh = rh[w]! ^ flip;
    G[w] = (c1 & nh) ^ (c0 & c1 & nl) ^ (c0 & mm);
    P[w] = (c1 & nl) ^ (c0 & nh) ^ mm ^ (c0 & c1 & flip);
  }
}

/** (G, P) of the single bit c + ~r. */
function singleLeaf(G: Plane, P: Plane, c: Plane, r: Plane, flip: number): void {
  for (let w = 0; w < G.length; w++) {
    const nr = r[w]! ^ flip;
    G[w] = c[w]! & nr;
    P[w] = (c[w]! & flip) ^ nr; // c ^ n, c added by rank 0 only
  }
}

/**
 * (G, P) leaves of c + ~r over bits lo..hi (no carry-in, lo > 0): a single-bit leaf where a pair
 * would start at an odd bit or end past hi, bit pairs (2j, 2j+1) otherwise, made local by the dealt
 * products M[j] as in pairLeaves. For the group generate/propagate of a high bit range.
 */
export function rangeLeaves(rank: number, C: Plane[], R: Plane[], M: Plane[], lo: number, hi: number): Seg[] {
  const flip = rank === 0 ? -1 : 0;
  const W = C[0]!.length;
  const segs: Seg[] = [];
  const single = (i: number): void => {
    const G = new Uint32Array(W), P = new Uint32Array(W);
    singleLeaf(G, P, C[i]!, R[i]!, flip);
    segs.push({ G, P, fromZero: false });
  };
  let i = lo;
  if (i & 1) single(i++);
  for (; i + 1 <= hi; i += 2) {
    const G = new Uint32Array(W), P = new Uint32Array(W);
    pairLeaf(G, P, C[i]!, C[i + 1]!, R[i]!, R[i + 1]!, M[i >> 1]!, flip);
    segs.push({ G, P, fromZero: false });
  }
  if (i === hi) single(i);
  return segs;
}

/** Leaves of rangeLeaves(lo, hi) and the pair products it needs (M up to index (hi - 1) >> 1). */
export function rangeLeafCount(lo: number, hi: number): number {
  const start = lo + (lo & 1);
  return (lo & 1) + ((hi - start + 1) >> 1) + ((hi - start + 1) & 1);
}

/** Number of low bit pairs whose products msbFromMasked takes from the dealer (ring bits k). */
export const msbPairs = (k: number): number => (k - 1) >> 1;

/**
 * MSB of x = c - r mod 2^k from public c and XOR-shared bits of r (the dealer-assisted variant of
 * the comparison in Catrina & de Hoogh, "Improved primitives for secure multiparty integer
 * computation", SCN 2010): msb = c_{k-1} ^ ~r_{k-1} ^ carry_{k-1}, the carry out of the low k-1
 * bits from a (G, P) tree whose leaves are bit pairs made local by the dealt pair products M
 * (msbPairs(k) planes, see pairLeaves). Cost: msbCost(k).
 */
export async function msbFromMasked(env: KernelEnv, C: Plane[], R: Plane[], M: Plane[], k: number): Promise<Plane> {
  const rank = env.comm.rank;
  const carry = await carryTree(env, pairLeaves(rank, C, R, M, k - 1));
  return xorP(xorPub(rank, notS(rank, R[k - 1]!), C[k - 1]!), carry);
}

/**
 * AND gates, rounds and opened planes of msbFromMasked for ring bits k (per element): a carry tree
 * over ceil((k-1)/2) leaves, ceil(log2 leaves) rounds, 2(leaves-1) - rounds ANDs (the combine with
 * the segment reaching bit 0 needs no P and costs one AND, once per level). Per level, `singles`
 * such one-AND combines (2 planes opened each) and `shared` two-AND combines (3 planes each).
 */
export function msbCost(k: number): { ands: number; rounds: number; opened: number; levels: { singles: number; shared: number }[] } {
  let segs = (k - 1 + 1) >> 1;
  const levels: { singles: number; shared: number }[] = [];
  while (segs > 1) {
    const pairs = segs >> 1;
    levels.push({ singles: 1, shared: pairs - 1 });
    segs = pairs + (segs & 1);
  }
  const ands = levels.reduce((a, l) => a + l.singles + 2 * l.shared, 0);
  const opened = levels.reduce((a, l) => a + 2 * l.singles + 3 * l.shared, 0);
  return { ands, rounds: levels.length, opened, levels };
}

/** AND of all planes by a balanced tree: ceil(log2 L) rounds, L-1 ANDs. */
export async function andAll(env: KernelEnv, ps: Plane[]): Promise<Plane> {
  while (ps.length > 1) {
    const half = ps.length >> 1;
    const z = await andLayer(env, ps.slice(0, half), ps.slice(half, 2 * half));
    ps = ps.length & 1 ? [...z, ps[ps.length - 1]!] : z;
  }
  return ps[0]!;
}

/** [c - r == 0] = AND_i ~(c_i ^ r_i): the dealer-masked equality test (Catrina-de Hoogh EQZ). */
export async function eqzFromMasked(env: KernelEnv, C: Plane[], R: Plane[], k: number): Promise<Plane> {
  const rank = env.comm.rank;
  const leaves: Plane[] = [];
  for (let i = 0; i < k; i++) leaves.push(notS(rank, xorPub(rank, R[i]!, C[i]!)));
  return andAll(env, leaves);
}

/**
 * Sklansky parallel prefix over (G, P) leaves (Sklansky 1960; the "divide and conquer" adder):
 * returns G of every prefix [0..i]. ceil(log2 L) rounds, <= (L/2) log2 L combines. Both ANDs of a
 * combine share P_i (P_i & G_j, P_i & P_j), so they go through one shared-input triple (3 plane
 * openings instead of 4); a combine with a group reaching bit 0 needs G only (one AND, 2 openings).
 */
async function sklansky(env: KernelEnv, segs: Seg[]): Promise<Plane[]> {
  const L = segs.length;
  const W = segs[0]!.G.length;
  const G = segs.map((s) => s.G), P = segs.map((s) => s.P);
  const lo = segs.map((s) => (s.fromZero ? 0 : 1)); // 0 = group reaches bit 0
  for (let l = 0; 1 << l < L; l++) {
    const sx: Plane[] = [], sy: Plane[] = [], px: Plane[] = [], py1: Plane[] = [], py2: Plane[] = [];
    const singles: number[] = [], shared: [number, number][] = [];
    for (let i = 0; i < L; i++) {
      if (((i >> l) & 1) === 0) continue;
      const j = ((i >> l) << l) - 1; // bit l of j is clear: j is not updated on this level
      if (lo[j] === 0) { sx.push(P[i]!); sy.push(G[j]!); singles.push(i); } else { px.push(P[i]!); py1.push(G[j]!); py2.push(P[j]!); shared.push([i, j]); }
    }
    const { z1, z2 } = await andPlanesShared(env, sx, sy, px, py1, py2, W);
    singles.forEach((i, q) => {
      G[i] = xorP(G[i]!, z1.subarray(q * W, (q + 1) * W));
      lo[i] = 0;
    });
    const np = shared.length;
    shared.forEach(([i, j], q) => {
      G[i] = xorP(G[i]!, z2.subarray(q * W, (q + 1) * W));
      P[i] = z2.subarray((np + q) * W, (np + q + 1) * W);
      lo[i] = lo[j]!;
    });
  }
  return G;
}

/**
 * G of every prefix [0..t], t < L, of c - r from bit-pair leaves (the dealt products M, see
 * pairLeaves): Sklansky over the ceil(L/2) pair leaves gives the odd t (and t = L-1 for odd L),
 * one more AND layer the even t = 2j >= 2 as g_2j ^ p_2j G_{2j-1}; t = 0 is local (c_0 | ~r_0).
 * Against Sklansky over L bit leaves: about half the ANDs (FM64, L = 43: 89 instead of 174) in
 * the same number of rounds.
 */
async function pairPrefix(env: KernelEnv, C: Plane[], R: Plane[], M: Plane[], L: number): Promise<Plane[]> {
  const rank = env.comm.rank;
  const S = await sklansky(env, pairLeaves(rank, C, R, M, L));
  const out: Plane[] = new Array<Plane>(L);
  out[0] = subLeaves(rank, C, R, 1)[0]!.G;
  S.forEach((g, j) => { out[Math.min(2 * j + 1, L - 1)] = g; });
  const xs: Plane[] = [], ys: Plane[] = [], gs: Plane[] = [], ts: number[] = [];
  for (let t = 2; t < L; t += 2) {
    if (out[t] !== undefined) continue; // t = L-1 for odd L: the single leaf's prefix
    // bit leaf t of c + ~r: g = c & ~r, p = c ^ ~r (rank 0 holds ~r's share as ~R)
    const c = C[t]!, r = R[t]!, W = c.length;
    const g = new Uint32Array(W), p = new Uint32Array(W);
    const flip = rank === 0 ? -1 : 0;
    for (let w = 0; w < W; w++) {
      const nr = r[w]! ^ flip;
      g[w] = c[w]! & nr;
      p[w] = (c[w]! & flip) ^ nr;
    }
    xs.push(p); ys.push(out[t - 1]!); gs.push(g); ts.push(t);
  }
  const z = await andLayer(env, xs, ys);
  ts.forEach((t, q) => { out[t] = xorP(gs[q]!, z[q]!); });
  return out;
}

/** AND gates, rounds and opened planes of pairPrefix over L bits (L >= 3). */
export function pairPrefixCost(L: number): { ands: number; rounds: number; opened: number; levels: { singles: number; shared: number }[] } {
  const s = sklanskyCost(Math.ceil(L / 2));
  const even = ((L - 1) >> 1) - (L & 1);
  return { ands: s.ands + even, rounds: s.rounds + (even > 0 ? 1 : 0), opened: s.opened + 2 * even, levels: even > 0 ? [...s.levels, { singles: even, shared: 0 }] : s.levels };
}

/**
 * Low `kk` bits of x = c - r (public c, shared bits of r): bit decomposition after masking. With
 * the mask's pair products M (at least (kk-1) >> 1 planes) the carries come from pair leaves
 * (pairPrefix), otherwise from Sklansky over bit leaves.
 */
export async function bitsFromMasked(env: KernelEnv, C: Plane[], R: Plane[], kk: number, M?: Plane[]): Promise<Plane[]> {
  const rank = env.comm.rank;
  const carries = kk > 3 && M !== undefined ? await pairPrefix(env, C, R, M, kk - 1) : kk > 1 ? await sklansky(env, subLeaves(rank, C, R, kk - 1)) : [];
  const out: Plane[] = [];
  for (let i = 0; i < kk; i++) {
    const s = xorPub(rank, notS(rank, R[i]!), C[i]!);
    out.push(i === 0 ? notS(rank, s) : xorP(s, carries[i - 1]!)); // carry_0 = 1
  }
  return out;
}

/** Sum bits of two shared k-bit values (mod 2^k): k-1 + Sklansky ANDs, 1 + ceil(log2(k-1)) rounds. */
export async function addShared(env: KernelEnv, A: Plane[], B: Plane[], k: number): Promise<Plane[]> {
  const gs = await andLayer(env, A.slice(0, k - 1), B.slice(0, k - 1));
  const segs: Seg[] = gs.map((G, i) => ({ G, P: xorP(A[i]!, B[i]!), fromZero: i === 0 }));
  const carries = await sklansky(env, segs);
  const out: Plane[] = [];
  for (let i = 0; i < k; i++) {
    const s = xorP(A[i]!, B[i]!);
    out.push(i === 0 ? s : xorP(s, carries[i - 1]!));
  }
  return out;
}

/**
 * Prefix-AND from the top: out[j] = AND_{i >= j} ps[i] (Sklansky on the reversed list, one AND per
 * combine). ceil(log2 L) rounds.
 */
export async function suffixAnd(env: KernelEnv, ps: Plane[]): Promise<Plane[]> {
  const L = ps.length;
  const A = [...ps].reverse();
  for (let l = 0; 1 << l < L; l++) {
    const xs: Plane[] = [], ys: Plane[] = [], who: number[] = [];
    for (let i = 0; i < L; i++) {
      if (((i >> l) & 1) === 0) continue;
      xs.push(A[i]!); ys.push(A[((i >> l) << l) - 1]!); who.push(i);
    }
    const z = await andLayer(env, xs, ys);
    who.forEach((i, q) => { A[i] = z[q]!; });
  }
  return A.reverse();
}

/**
 * AND gates, rounds and opened planes of the Sklansky prefix over L leaves whose first leaf reaches
 * bit 0; per level, `singles` one-AND combines (2 planes opened each) and `shared` two-AND combines
 * (3 planes each, one shared-input triple).
 */
export function sklanskyCost(L: number): { ands: number; rounds: number; opened: number; levels: { singles: number; shared: number }[] } {
  const lo = Array.from({ length: L }, (_, i) => (i === 0 ? 0 : 1));
  const levels: { singles: number; shared: number }[] = [];
  for (let l = 0; 1 << l < L; l++) {
    const upd: [number, number][] = [];
    let singles = 0, shared = 0;
    for (let i = 0; i < L; i++) {
      if (((i >> l) & 1) === 0) continue;
      const j = ((i >> l) << l) - 1;
      if (lo[j] !== 0) shared++; else singles++;
      upd.push([i, j]);
    }
    for (const [i, j] of upd) lo[i] = lo[j]!;
    levels.push({ singles, shared });
  }
  const ands = levels.reduce((a, l) => a + l.singles + 2 * l.shared, 0);
  const opened = levels.reduce((a, l) => a + 2 * l.singles + 3 * l.shared, 0);
  return { ands, rounds: levels.length, opened, levels };
}
