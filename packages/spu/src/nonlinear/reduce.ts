// max / argmax along an axis by tree reduction (SPU's `argmax` lowers to the same pairwise
// tournament): ceil(log2 n) levels, each one batched comparison + one batched product over all
// surviving pairs, so rounds grow with log n and bytes with n. The index is carried as a secret
// fixed-point integer next to the value; a one-hot is produced at the end by n equality tests
// against public indices (n EQZ are far cheaper than carrying a one-hot through log n levels).
import { LIMBS, makeTensor, transpose, type RingTensor } from '@sfw/ring';
import { cat, type Fxp } from './fxp.ts';

/**
 * Max and argmax of each row of a [m, n] share (reduce along the last axis).
 * Returns the max [m] and the index [m] as a fixed-point integer. Pairing is column j against
 * column j + half (contiguous slices after a local transpose); among equal maxima the index
 * returned is one of them, not necessarily the first.
 */
export async function rowMaxArgmax(F: Fxp, x: RingTensor, m: number, n: number): Promise<{ max: RingTensor; index: RingTensor }> {
  const L = LIMBS[x.field];
  let V = transpose(makeTensor(x.field, [m, n], x.data)); // [n, m]: column j = rows j*m..(j+1)*m
  const idxPub = makeTensor(x.field, [n, m]);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) setConst(idxPub, j * m + i, F.enc(j), L);
  let I = F.ak.p2a(F.env, idxPub);
  let c = n;
  while (c > 1) {
    const half = c >> 1;
    const sl = (t: RingTensor, a: number, b: number): RingTensor => makeTensor(x.field, [(b - a) * m], t.data.subarray(a * m * L, b * m * L));
    const A = sl(V, 0, half), B = sl(V, half, 2 * half), IA = sl(I, 0, half), IB = sl(I, half, 2 * half);
    const b = await F.msb(F.sub(A, B)); // A < B -> take B
    const [dv, di] = await F.mulMany([[b, F.sub(B, A)], [b, F.sub(IB, IA)]], null);
    let nV = F.add(A, dv!), nI = F.add(IA, di!);
    if (c & 1) {
      nV = cat([nV, sl(V, c - 1, c)]);
      nI = cat([nI, sl(I, c - 1, c)]);
    }
    V = nV;
    I = nI;
    c = half + (c & 1);
  }
  return { max: makeTensor(x.field, [m], V.data.slice()), index: makeTensor(x.field, [m], I.data.slice()) };
}

/** One-hot [m, n] (fixed-point 0/1) of a fixed-point index [m]. */
export async function oneHot(F: Fxp, index: RingTensor, m: number, n: number): Promise<RingTensor> {
  const L = LIMBS[index.field];
  const rep = makeTensor(index.field, [m, n]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < L; l++) rep.data[(i * n + j) * L + l] = index.data[i * L + l]!;
  const pub = makeTensor(index.field, [m, n]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) setConst(pub, i * n + j, F.enc(-j), L);
  const diff = F.ak.addAP(F.env, rep, pub);
  return F.bitToFxp(await F.eqz(diff));
}

function setConst(t: RingTensor, i: number, v: bigint, L: number): void {
  const u = BigInt.asUintN(64 * L, v);
  t.data[i * L] = u;
  if (L === 2) t.data[i * L + 1] = u >> 64n;
}
