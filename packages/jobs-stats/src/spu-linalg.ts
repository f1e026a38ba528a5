// Small SPU building blocks for the statistics programs, on the runtime's typed SPU context only.
import type { SecretTensor, SpuContext } from '@sfw/runtime/device';

const FIELD_BITS = { FM64: 64, FM128: 128 } as const;

/**
 * x * c for a public c > 0 with about 2^-m relative error, where a fixed-point `mulPublic` would
 * encode c itself with f fraction bits (1/n for n = 10^5 has 2 significant bits at f = 18). The
 * product is formed with the integer round(c 2^t) (m + 1 significant bits) and divided by 2^t in one
 * truncation; m is as large as the ring allows for |x| <= maxAbs (the truncation's range 2^(k-2)).
 */
export async function scalePublic(spu: SpuContext, x: SecretTensor, c: number, maxAbs: number): Promise<SecretTensor> {
  if (!(c > 0) || !Number.isFinite(c)) throw new RangeError('scalePublic needs a finite c > 0');
  const k = FIELD_BITS[spu.cfg.field];
  const f = spu.cfg.fxpBits;
  const used = f + Math.ceil(Math.log2(Math.max(maxAbs, 1) + 1));
  const m = Math.min(50, k - 4 - used);
  if (m < 8) throw new RangeError('scalePublic: the ring has too little headroom for this value range');
  const e = Math.floor(Math.log2(c));
  const t = m - e;
  if (t < 0 || t > k - 2) throw new RangeError('scalePublic: scale out of range');
  const mult = Math.round(c * 2 ** t);
  return spu.truncate(spu.mulPublicInt(x, mult), t);
}

/** The diagonal of a d x d secret as d x 1 (local: a reshape and d one-row slices). */
export function diagonal(spu: SpuContext, a: SecretTensor): SecretTensor {
  const d = a.shape[0]!;
  const flat = spu.reshape(a, [d * d, 1]);
  const parts: SecretTensor[] = [];
  for (let i = 0; i < d; i++) parts.push(spu.slice(flat, i * (d + 1), i * (d + 1) + 1));
  return spu.concat(parts, 0);
}

/** sum over row blocks of A_b^T B_b for row-aligned A (n x p), B (n x q): p x q, one matmul per block. */
export async function blockedCrossProduct(spu: SpuContext, a: SecretTensor, b: SecretTensor, blockRows: number): Promise<SecretTensor> {
  const n = a.shape[0]!;
  let acc: SecretTensor | undefined;
  for (let r0 = 0; r0 < n; r0 += blockRows) {
    const r1 = Math.min(n, r0 + blockRows);
    const prod = await spu.matmul(spu.transpose(spu.slice(a, r0, r1)), spu.slice(b, r0, r1));
    acc = acc === undefined ? prod : spu.add(acc, prod);
  }
  if (acc === undefined) throw new RangeError('no rows');
  return acc;
}

/** X w for X (n x p), w (p x 1) in row blocks. */
export async function blockedMatVec(spu: SpuContext, x: SecretTensor, w: SecretTensor, blockRows: number): Promise<SecretTensor> {
  const n = x.shape[0]!;
  const parts: SecretTensor[] = [];
  for (let r0 = 0; r0 < n; r0 += blockRows) parts.push(await spu.matmul(spu.slice(x, r0, Math.min(n, r0 + blockRows)), w));
  return parts.length === 1 ? parts[0]! : spu.concat(parts, 0);
}

/**
 * diag(A^-1) for a symmetric positive-definite secret A, with Jacobi scaling: C = D A D for
 * D = diag(A)^-1/2 has a unit diagonal (so Newton-Schulz starts from I/d and its conditioning does
 * not depend on the columns' scales), and diag(A^-1) = diag(C^-1) * diag(A)^-1.
 */
export async function inverseDiagonal(spu: SpuContext, a: SecretTensor, iters: number): Promise<SecretTensor> {
  const dg = diagonal(spu, a);
  const dInv = await spu.rsqrt(dg);
  const outer = await spu.matmul(dInv, spu.transpose(dInv));
  const c = await spu.mul(a, outer);
  const inv = await spu.inverse(c, iters);
  return spu.mul(diagonal(spu, inv), await spu.mul(dInv, dInv));
}
