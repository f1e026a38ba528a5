// Float64 reference of SecretFlow's SS-SGD (secretflow/ml/linear/ss_sgd/model.py), step for step:
// w starts at 0 with the intercept LAST; data is infed in blocks of ceil(40e6 / d) rows rounded up to
// a batch multiple, and inside a block only floor(rows / batch) full batches train (leftovers are
// dropped); policy_sgd scales each batch step by 1/sqrt(||g||^2 + 1e-4) computed in epoch 0 and
// reused; L2 adds w (bias zeroed) * l2 * lr / batch; lr decays as lr * rate^floor(epoch/decay_epoch);
// early stop after epoch > 0 when max|dw| / max|w| < eps.
import { sigmoidRef } from './sigmoid.ts';
import type { SigType } from './sigmoid.ts';

export interface LinearSgdParams {
  epochs: number;
  learningRate: number;
  batchSize: number;
  sigType: SigType;
  regType: 'logistic' | 'linear';
  penalty: 'None' | 'l2';
  l2Norm: number;
  eps: number;
  decayEpoch?: number;
  decayRate?: number;
  strategy: 'naive_sgd' | 'policy_sgd';
}

export const LINEAR_SGD_DEFAULTS: LinearSgdParams = {
  epochs: 10,
  learningRate: 0.1,
  batchSize: 1024,
  sigType: 't1',
  regType: 'logistic',
  penalty: 'None',
  l2Norm: 0.5,
  eps: 0.001,
  strategy: 'naive_sgd',
};

export interface LinearSgdResult {
  /** d + 1 weights, intercept last. */
  readonly weights: Float64Array;
  /** Epochs actually run (early stop may end sooner). */
  readonly epochsRun: number;
}

export function infeedRows(d: number, batchSize: number): number {
  const rows = Math.ceil((200000 * 200) / d);
  return Math.ceil(rows / batchSize) * batchSize;
}

/** Trains on a row-major n x d matrix `x` with labels `y`. */
export function trainLinearSgdRef(x: Float64Array, y: Float64Array, n: number, d: number, p: LinearSgdParams): LinearSgdResult {
  let decayRate = p.decayRate;
  let decayEpoch = p.decayEpoch;
  if (p.strategy === 'policy_sgd' && decayRate === undefined) {
    decayRate = 0.5;
    decayEpoch = 5;
  }
  const block = infeedRows(d, p.batchSize);
  const nBlocks = Math.ceil(n / block);
  const w = new Float64Array(d + 1);
  const dk = new Map<string, number>();
  const pred = new Float64Array(p.batchSize);
  const grad = new Float64Array(d + 1);
  let epochsRun = 0;
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    const lr = decayRate !== undefined && decayEpoch !== undefined ? p.learningRate * decayRate ** Math.floor(epoch / decayEpoch) : p.learningRate;
    const old = Float64Array.from(w);
    for (let blk = 0; blk < nBlocks; blk++) {
      const begin = blk * block;
      const rows = Math.min(block, n - begin);
      const batches = Math.floor(rows / p.batchSize);
      for (let b = 0; b < batches; b++) {
        const r0 = begin + b * p.batchSize;
        for (let i = 0; i < p.batchSize; i++) {
          let z = w[d]!;
          const off = (r0 + i) * d;
          for (let j = 0; j < d; j++) z += x[off + j]! * w[j]!;
          pred[i] = (p.regType === 'logistic' ? sigmoidRef(z, p.sigType) : z) - y[r0 + i]!;
        }
        grad.fill(0);
        for (let i = 0; i < p.batchSize; i++) {
          const e = pred[i]!;
          const off = (r0 + i) * d;
          for (let j = 0; j < d; j++) grad[j] = grad[j]! + x[off + j]! * e;
          grad[d] = grad[d]! + e;
        }
        for (let j = 0; j <= d; j++) grad[j] = grad[j]! / p.batchSize;
        let scale = 1;
        if (p.strategy === 'policy_sgd') {
          const key = `${blk}:${b}`;
          if (epoch === 0) {
            let ss = 0;
            for (const g of grad) ss += g * g;
            dk.set(key, 1 / Math.sqrt(ss + 1e-4));
          }
          scale = dk.get(key)!;
        }
        // L2 uses the weights BEFORE this step (bias excluded), as SecretFlow does.
        for (let j = 0; j <= d; j++) {
          let step = lr * scale * grad[j]!;
          if (p.penalty === 'l2' && j < d) step += (w[j]! * p.l2Norm * lr) / p.batchSize;
          w[j] = w[j]! - step;
        }
      }
    }
    epochsRun = epoch + 1;
    if (p.eps > 0 && epoch > 0) {
      let maxDelta = 0;
      let maxW = 0;
      for (let j = 0; j <= d; j++) {
        maxDelta = Math.max(maxDelta, Math.abs(w[j]! - old[j]!));
        maxW = Math.max(maxW, Math.abs(w[j]!));
      }
      if (maxDelta / maxW < p.eps) break;
    }
  }
  return { weights: w, epochsRun };
}

/** Scores X w[:-1] + w[-1], through the same sigmoid for logistic models. */
export function predictLinearRef(
  x: Float64Array,
  n: number,
  d: number,
  weights: Float64Array,
  regType: 'logistic' | 'linear',
  sigType: SigType,
): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = weights[d]!;
    for (let j = 0; j < d; j++) z += x[i * d + j]! * weights[j]!;
    out[i] = regType === 'logistic' ? sigmoidRef(z, sigType) : z;
  }
  return out;
}
