// Fixed-mask products (Mohassel & Zhang, SecureML, IEEE S&P 2017, section 4.1). Setup opens
// E = X - U once (U uniform, from the dealer correlation masked.fixedMatrix). Then, for rows
// b = [r0, r1) of X and a secret vector w with a fresh dealer pair (V, Z = U_b V):
//   open F = w - V (uniform: V is fresh and uniform), and
//   X_b w = (E_b + U_b)(F + V) = E_b F + E_b V + U_b F + Z,
// so rank i holds y_i = E_b (V_i + [i = 0] F) + U_b,i F + Z_i (the public E_b F is folded into
// rank 0's term). The transposed product X_b^T r is the same with U_b^T, V' [b, 1], Z' = U_b^T V'.
// The ring product carries 2f fraction bits; truncA (pair-based, docs/spu.md) brings it back to f.
import { add, makeTensor, matmul, sub, type RingTensor } from '@sfw/ring';
import { randomUUID } from 'node:crypto';
import { SpuError } from '../config.ts';
import { openAll } from './open.ts';
import { holdsConstants, type KernelEnv, type MaskedKernels } from './types.ts';
import { matvecT, rowsView } from './masked-correlations.ts';
import type { MaskedState } from './masked-matrix.ts';

function corr(env: KernelEnv) {
  if (env.corr === undefined) throw new SpuError('fixed-mask products need a dealer (SEMI2K)');
  return env.corr;
}

/** Setup: open E = X - U. 1 round, (N-1) n d elements per rank, no dealer bytes (U is PRG-drawn). */
export async function fixedMaskA(env: KernelEnv, x: RingTensor): Promise<MaskedState> {
  if (x.shape.length !== 2) throw new RangeError(`fixedMask needs a 2-D matrix, got [${x.shape.join(',')}]`);
  // A fresh public label per matrix; it names U in the dealer's table, it carries no data.
  const handle = randomUUID();
  const c = corr(env).take('masked.fixedMatrix', { handle, shape: [...x.shape] });
  const u = c.random.u!;
  // E_i = X_i - U_i is sent: it lives in its own buffer (openAll consumes it).
  const e = sub(x, u, makeTensor(x.field, x.shape));
  const [, opened] = await Promise.all([c.derived, openAll(env.comm, e)]);
  return { e: opened, u, handle, released: false };
}

export function fixedMaskRef(x: RingTensor): MaskedState {
  if (x.shape.length !== 2) throw new RangeError(`fixedMask needs a 2-D matrix, got [${x.shape.join(',')}]`);
  return { e: makeTensor(x.field, x.shape, x.data.slice()), u: undefined, handle: randomUUID(), released: false };
}

function checkRows(m: MaskedState, r0: number, r1: number, vecLen: number, want: number): void {
  const n = m.e.shape[0]!;
  if (!Number.isInteger(r0) || !Number.isInteger(r1) || r0 < 0 || r1 > n || r1 <= r0) throw new RangeError(`rows [${r0}, ${r1}) outside the ${n} masked rows`);
  if (vecLen !== want) throw new RangeError(`operand of ${vecLen} elements does not fit (need ${want})`);
}

/** Columns of the secret operand: [rows, k] (k vectors against the same mask), 1 for a vector. */
const colsOf = (w: RingTensor): number => (w.shape.length === 2 ? w.shape[1]! : 1);

/**
 * Ring product (2f fraction bits for fixed point) of X[r0:r1] . w ('right', w [d, k]) or
 * X[r0:r1]^T . w ('left', w [b, k]). 1 round; (N-1)(d or b) k elements per rank; dealer -> rank 0:
 * b k or d k elements. k > 1 shares the pass over E and U between the k columns.
 */
export async function maskedMatvecA(env: KernelEnv, m: MaskedState, r0: number, r1: number, w: RingTensor, side: 'right' | 'left'): Promise<RingTensor> {
  const d = m.e.shape[1]!;
  const k = colsOf(w);
  checkRows(m, r0, r1, w.size, (side === 'right' ? d : r1 - r0) * k);
  // k = 1 keeps the correlation's original parameters (a dealer without `k` still serves it).
  const params = { handle: m.handle, cols: [d], rows: [r0, r1], side, ...(k > 1 ? { k } : {}) };
  const t = corr(env).take('masked.vecTriple', params);
  const v = t.random.v!;
  const f = sub(makeTensor(w.field, v.shape, w.data), v, makeTensor(w.field, v.shape));
  const [{ z }, fo] = await Promise.all([t.derived, openAll(env.comm, f, env.pool)]);
  // rank 0: V_0 + F, so E_b (V_0 + F) contributes the public E_b F once.
  if (holdsConstants(env)) add(v, fo, v);
  const eb = rowsView(m.e, r0, r1);
  const ub = rowsView(m.u!, r0, r1);
  const y = side === 'right' ? matmul(eb, v) : matvecT(eb, v);
  const uf = side === 'right' ? matmul(ub, fo) : matvecT(ub, fo);
  add(y, uf, y);
  add(y, z!, y);
  env.pool.give(v, fo, z);
  return y;
}

/** REF2K: the plain ring product (every rank holds X and w in the clear). */
export function maskedMatvecRef(m: MaskedState, r0: number, r1: number, w: RingTensor, side: 'right' | 'left'): RingTensor {
  const d = m.e.shape[1]!;
  const k = colsOf(w);
  checkRows(m, r0, r1, w.size, (side === 'right' ? d : r1 - r0) * k);
  const xb = rowsView(m.e, r0, r1);
  return side === 'right' ? matmul(xb, makeTensor(w.field, [d, k], w.data)) : matvecT(xb, makeTensor(w.field, [r1 - r0, k], w.data));
}

/** Tells the dealer to drop U (SEMI2K; the adjust rank sends one request, no bytes come back). */
export async function releaseA(env: KernelEnv, m: MaskedState): Promise<void> {
  await corr(env).take('masked.release', { handle: m.handle }).derived;
}

/** SEMI2K: E opened once, products from dealer vector triples. */
export const semi2kMasked: MaskedKernels = {
  fixedMask: fixedMaskA,
  matvec: maskedMatvecA,
  release: releaseA,
};

/** REF2K: every rank holds X in the clear; no dealer, nothing to release. */
export const ref2kMasked: MaskedKernels = {
  fixedMask: (_env, x) => Promise.resolve(fixedMaskRef(x)),
  matvec: (_env, m, r0, r1, w, side) => Promise.resolve(maskedMatvecRef(m, r0, r1, w, side)),
  release: () => Promise.resolve(),
};
