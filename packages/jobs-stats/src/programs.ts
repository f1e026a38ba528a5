// The SPU programs of the statistics jobs, SPMD on every rank. Inputs are secret-shared by the
// parties that own them; outputs stay secret until the driver reveals exactly what the job reports.
import type { SecretTensor, SpuContext } from '@sfw/runtime/device';
import { blockedCrossProduct, blockedMatVec, diagonal, inverseDiagonal, scalePublic } from './spu-linalg.ts';

export interface CorrPub {
  /** Columns per party block, in block order. */
  dims: number[];
  rows: number;
  blockRows: number;
}

/**
 * The correlation matrix R (d x d, secret). Inputs: each party's own block G_p = Z_p^T Z_p / n
 * (computed by that party on its own standardized columns, so only the cross blocks need a secure
 * product), then each party's Z_p (n x d_p). Cross blocks Z_p^T Z_q / n by blocked Beaver matmuls.
 */
export async function correlationProgram(spu: SpuContext, inputs: SecretTensor[], pub: CorrPub): Promise<SecretTensor> {
  const P = pub.dims.length;
  const own = inputs.slice(0, P);
  const zs = inputs.slice(P, 2 * P);
  const cross = new Map<string, SecretTensor>();
  for (let p = 0; p < P; p++) {
    for (let q = p + 1; q < P; q++) {
      const sum = await blockedCrossProduct(spu, zs[p]!, zs[q]!, pub.blockRows);
      // |sum of z_p z_q| <= n for standardized columns (Cauchy-Schwarz).
      cross.set(`${p},${q}`, await scalePublic(spu, sum, 1 / pub.rows, pub.rows));
    }
  }
  const rows = own.map((g, p) => {
    const parts = own.map((_, q) => (q === p ? g : q > p ? cross.get(`${p},${q}`)! : spu.transpose(cross.get(`${q},${p}`)!)));
    return parts.length === 1 ? parts[0]! : spu.concat(parts, 1);
  });
  return rows.length === 1 ? rows[0]! : spu.concat(rows, 0);
}

export const corr = async (spu: SpuContext, inputs: SecretTensor[], pub: CorrPub): Promise<SecretTensor[]> => [await correlationProgram(spu, inputs, pub)];

export interface VifPub extends CorrPub {
  iters: number;
}

/** VIF_j = [R^-1]_jj from the same secret R; only the d diagonal entries leave the SPU. */
export const vif = async (spu: SpuContext, inputs: SecretTensor[], pub: VifPub): Promise<SecretTensor[]> => {
  const r = await correlationProgram(spu, inputs, pub);
  return [diagonal(spu, await spu.inverse(r, pub.iters))];
};

export interface WaldPub {
  regType: 'logistic' | 'linear';
  rows: number;
  blockRows: number;
  iters: number;
  /** Bound on |H| / n entries' numerator scale: |H_jk| <= hBound (n for standardized features). */
  hBound: number;
}

/**
 * Squared Wald statistics of every coefficient (p x 1). Inputs: [w (p x 1), y (n x 1, linear only),
 * ...feature blocks (the intercept column is in the last block)]. H = X^T A X (A = diag(s(1 - s)),
 * s = sigmoid(X w), logistic) or X^T X (linear) and its inverse stay secret:
 *   logistic: z_j^2 = w_j^2 / [H^-1]_jj
 *   linear:   t_j^2 = w_j^2 / (sigma^2 [H^-1]_jj), sigma^2 = RSS / (n - p).
 * H / n is inverted (unit-scale entries), so [H^-1]_jj = v_j / n with v = diag((H/n)^-1).
 */
export const wald = async (spu: SpuContext, inputs: SecretTensor[], pub: WaldPub): Promise<SecretTensor[]> => {
  const w = inputs[0]!;
  const y = pub.regType === 'linear' ? inputs[1]! : undefined;
  const blocks = inputs.slice(pub.regType === 'linear' ? 2 : 1);
  const x = blocks.length === 1 ? blocks[0]! : spu.concat(blocks, 1);
  const n = pub.rows;
  const p = x.shape[1]!;
  const xw = await blockedMatVec(spu, x, w, pub.blockRows);
  let h: SecretTensor;
  let sigma2: SecretTensor | undefined;
  if (pub.regType === 'logistic') {
    const s = await spu.sigmoid(xw, 'real');
    const a = await spu.mul(s, spu.publicSub(1, s));
    // Row weights broadcast across the p columns (a . 1^T), then (X * a)^T X.
    const xa = await spu.mul(x, await spu.matmulPublic(a, new Float64Array(p).fill(1), [1, p]));
    h = await blockedCrossProduct(spu, xa, x, pub.blockRows);
  } else {
    h = await blockedCrossProduct(spu, x, x, pub.blockRows);
    const r = spu.sub(y!, xw);
    const rss = await blockedCrossProduct(spu, r, r, pub.blockRows);
    sigma2 = await scalePublic(spu, rss, 1 / (n - p), 2 ** 30);
  }
  const hn = await scalePublic(spu, h, 1 / n, pub.hBound);
  const v = await inverseDiagonal(spu, hn, pub.iters);
  const num = spu.mulPublicInt(await spu.mul(w, w), n);
  let den = v;
  if (sigma2 !== undefined) den = await spu.mul(v, spu.transpose(await spu.matmulPublic(sigma2, new Float64Array(p).fill(1), [1, p])));
  return [await spu.div(num, den)];
};

export interface GroupbyPub {
  /** Rows per group, in row order (rows were sorted by group before sharing). */
  sizes: number[];
  /** Per value column (input i): which aggregations to compute. */
  columns: Array<{ fns: Array<'SUM' | 'MEAN' | 'VAR' | 'MIN' | 'MAX' | 'COUNT'> }>;
}

/** Per-group sums of a column (G x 1): local (sums of public row ranges of the sorted column). */
function segmentSum(spu: SpuContext, v: SecretTensor, sizes: readonly number[]): SecretTensor {
  const parts: SecretTensor[] = [];
  let s = 0;
  for (const m of sizes) {
    parts.push(spu.reshape(spu.sum(spu.slice(v, s, s + m)), [1, 1]));
    s += m;
  }
  return spu.concat(parts, 0);
}

/** Per-group maxima (G x 1): one batched comparison round set per level of a tournament inside every group. */
async function segmentMax(spu: SpuContext, v: SecretTensor, sizes: readonly number[]): Promise<SecretTensor> {
  let x = v;
  let lens = [...sizes];
  while (lens.some((m) => m > 1)) {
    const left: SecretTensor[] = [];
    const right: SecretTensor[] = [];
    let s = 0;
    for (const m of lens) {
      const h = Math.floor(m / 2);
      if (h > 0) {
        left.push(spu.slice(x, s, s + h));
        right.push(spu.slice(x, s + h, s + 2 * h));
      }
      s += m;
    }
    const mx = await spu.max(spu.concat(left, 0), spu.concat(right, 0));
    const pieces: SecretTensor[] = [];
    let off = 0;
    s = 0;
    const next: number[] = [];
    for (const m of lens) {
      const h = Math.floor(m / 2);
      if (h > 0) pieces.push(spu.slice(mx, off, off + h));
      off += h;
      if (m % 2 === 1) pieces.push(spu.slice(x, s + 2 * h, s + m));
      next.push(h + (m % 2));
      s += m;
    }
    x = spu.concat(pieces, 0);
    lens = next;
  }
  return x;
}

/**
 * Aggregates over public, contiguous groups. Input i is value column i as a 4 x n matrix of rows
 * [value (missing -> 0), present (0/1), value (missing -> +big), value (missing -> -big)], its rows
 * already in group order. Outputs per column: COUNT always (the receiver needs it to mark groups with
 * no value, as pandas gives NaN there), then the requested functions in `fns` order.
 */
export const groupby = async (spu: SpuContext, inputs: SecretTensor[], pub: GroupbyPub): Promise<SecretTensor[]> => {
  const out: SecretTensor[] = [];
  for (const [i, col] of pub.columns.entries()) {
    const m = inputs[i]!;
    const row = (k: number): SecretTensor => spu.transpose(spu.slice(m, k, k + 1));
    const v = row(0);
    const count = segmentSum(spu, row(1), pub.sizes);
    out.push(count);
    const sum = segmentSum(spu, v, pub.sizes);
    const safeCount = await spu.max(count, spu.fromPublic(new Float64Array(count.shape[0]!).fill(1), count.shape));
    for (const fn of col.fns) {
      switch (fn) {
        case 'COUNT':
          out.push(count);
          break;
        case 'SUM':
          out.push(sum);
          break;
        case 'MEAN':
          out.push(await spu.div(sum, safeCount));
          break;
        case 'VAR': {
          // (sum of squares - sum * mean) / (count - 1), pandas' ddof 1.
          const sq = segmentSum(spu, await spu.square(v), pub.sizes);
          const mean = await spu.div(sum, safeCount);
          const ss = spu.sub(sq, await spu.mul(sum, mean));
          const dof = await spu.max(spu.addPublic(count, -1), spu.fromPublic(new Float64Array(count.shape[0]!).fill(1), count.shape));
          out.push(await spu.div(ss, dof));
          break;
        }
        case 'MIN':
          out.push(spu.neg(await segmentMax(spu, spu.neg(row(2)), pub.sizes)));
          break;
        case 'MAX':
          out.push(await segmentMax(spu, row(3), pub.sizes));
          break;
      }
    }
  }
  return out;
};
