// Newton-Schulz inverse of a small symmetric positive-definite matrix (SecretFlow ss_vif: A0 = I /
// trace(A), 20 iterations): X <- X (2I - A X). Converges when the spectrum of A X0 lies in (0, 2);
// with X0 = I / tr(A) it lies in (0, 1], and the error squares every step once
// ||I - A X|| < 1, i.e. after about log2(cond(A)) steps. Cost per iteration: two sequential
// fixed-point matmuls (Beaver matrix triples + truncation).
import { LIMBS, makeTensor, type RingTensor } from '@sfw/ring';
import type { Fxp } from './fxp.ts';
import { reciprocalPos } from './numeric.ts';

export async function inverseNewtonSchulz(F: Fxp, a: RingTensor, iters = 20): Promise<RingTensor> {
  const d = a.shape[0]!;
  if (a.shape.length !== 2 || a.shape[1] !== d) throw new RangeError('inverse needs a square matrix');
  const L = LIMBS[a.field];
  const tr = makeTensor(a.field, [1]);
  let acc = makeTensor(a.field, [1]);
  for (let i = 0; i < d; i++) {
    for (let l = 0; l < L; l++) tr.data[l] = a.data[(i * d + i) * L + l]!;
    acc = F.add(acc, tr);
  }
  const s = await reciprocalPos(F, acc);
  let x = makeTensor(a.field, [d, d]);
  for (let i = 0; i < d; i++) for (let l = 0; l < L; l++) x.data[(i * d + i) * L + l] = s.data[l]!;
  const twoI = makeTensor(a.field, [d, d]);
  const two = BigInt.asUintN(64 * L, F.enc(2));
  for (let i = 0; i < d; i++) {
    twoI.data[(i * d + i) * L] = two;
    if (L === 2) twoI.data[(i * d + i) * L + 1] = two >> 64n;
  }
  for (let it = 0; it < iters; it++) {
    const ax = await F.ak.matmulTruncAA(F.env, a, x, F.f);
    const t = F.ak.addAP(F.env, F.neg(ax), twoI);
    x = await F.ak.matmulTruncAA(F.env, x, t, F.f);
  }
  return x;
}
