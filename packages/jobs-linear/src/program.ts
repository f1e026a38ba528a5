// The SS-LR programs, SPMD on every SPU rank, following SecretFlow's ss_sgd model.py step for step
// (secretflow/ml/linear/ss_sgd/model.py: _batch_update_w, _convergence, _predict). Features, label
// and weights stay secret-shared; the only value revealed is the early-stop flag, which SecretFlow
// reveals too (the number of epochs run is public).
import type { LrOps } from './ops.ts';
import type { SigmoidType } from '@sfw/runtime';

export interface EpochPub {
  /** Learning rate for this epoch (decay applied by the driver: lr * rate^floor(epoch/decay_epoch)). */
  learningRate: number;
  batchSize: number;
  /** First row of every full batch, block by block (leftover rows of a block are not trained on). */
  batchStarts: number[];
  sigType: SigmoidType;
  regType: 'logistic' | 'linear';
  penalty: 'None' | 'l2';
  l2Norm: number;
  strategy: 'naive_sgd' | 'policy_sgd';
  /** policy_sgd: compute the per-batch scale factors (epoch 0) instead of reading them. */
  computeDk: boolean;
}

/**
 * One epoch. `xm` is the fixed-mask handle of X (n x (d+1), the last column is the constant 1 for
 * the intercept), made once per training by `ops.fixedMask(x)`. Inputs: y (n x 1), w ((d+1) x 1)
 * and, for policy_sgd after epoch 0, dk (batches x 1). Outputs: [w] or [w, dk].
 */
export async function epochProgram<T, M>(ops: LrOps<T, M>, xm: M, inputs: T[], pub: EpochPub): Promise<T[]> {
  const [y, w0, dkIn] = inputs as [T, T, T | undefined];
  const d1 = ops.shape(w0)[0]!;
  const bs = pub.batchSize;
  let w = w0;
  const dks: T[] = [];
  // L2 pulls every weight but the intercept toward 0: step += w * (l2 * lr / batch), bias zeroed.
  const l2Vec = new Float64Array(d1).fill((pub.l2Norm * pub.learningRate) / bs);
  l2Vec[d1 - 1] = 0;
  for (const [k, r0] of pub.batchStarts.entries()) {
    const yb = ops.sliceRows(y, r0, r0 + bs);
    // pred = X_b w (then the chosen sigmoid approximation for logistic regression). Fixed-mask
    // product: only w - V (d+1 elements) is opened, X_b's mask was opened once at setup.
    let pred: T;
    if (pub.regType === 'logistic' && pub.sigType === 't1') {
      // t1 = clip(0.5 + x/4, 0, 1) (SecretFlow): the x/4 joins the product's truncation, which
      // saves the sigmoid's own truncation round.
      pred = await ops.clip(ops.addPublic(await ops.maskedMatmul(xm, r0, r0 + bs, w, 2), 0.5), 0, 1);
    } else {
      pred = await ops.maskedMatmul(xm, r0, r0 + bs, w);
      if (pub.regType === 'logistic') pred = await ops.sigmoid(pred, pub.sigType);
    }
    const err = ops.sub(pred, yb);
    // grad * batch = X_b^T (pred - y_b) with the same mask of X (b elements opened). Folding 1/batch
    // into the step keeps one truncation.
    const gradSum = await ops.maskedMatmulT(xm, r0, r0 + bs, err);
    let step: T;
    if (pub.strategy === 'policy_sgd') {
      const grad = await ops.mulPublic(gradSum, 1 / bs);
      let dk: T;
      if (pub.computeDk) {
        // 1 / sqrt(||grad||^2 + 1e-4), computed once in epoch 0 and reused (SecretFlow policy_sgd).
        dk = await ops.rsqrt(ops.addPublic(ops.sumAll(await ops.mul(grad, grad)), 1e-4));
        dks.push(dk);
      } else {
        dk = ops.sliceRows(dkIn!, k, k + 1);
      }
      step = await ops.matmul(await ops.mulPublic(grad, pub.learningRate), dk);
    } else {
      step = await ops.mulPublic(gradSum, pub.learningRate / bs);
    }
    if (pub.penalty === 'l2') step = ops.add(step, await ops.mulPublic(w, l2Vec));
    w = ops.sub(w, step);
  }
  if (pub.strategy === 'policy_sgd' && pub.computeDk) return dks.length > 0 ? [w, ops.concat(dks, 0)] : [w];
  return pub.strategy === 'policy_sgd' ? [w, dkIn!] : [w];
}

export interface ConvergedPub {
  /** 2^floor(-log2(eps)): rescales the comparison so fixed point keeps its precision (SecretFlow). */
  epsScale: number;
  /** eps * epsScale. */
  normEps: number;
}

/** Early-stop test: max|w - w_old| * scale < normEps * max|w|, as a secret 0/1 the driver reveals. */
export async function convergedProgram<T>(ops: LrOps<T>, inputs: T[], pub: ConvergedPub): Promise<T[]> {
  const [old, w] = inputs as [T, T];
  const maxDelta = await ops.maxAll(await ops.abs(ops.sub(w, old)));
  const maxW = await ops.maxAll(await ops.abs(w));
  // Division-free form of (max_delta * scale / max_w) < norm_eps (max_w > 0 once training moved).
  return [await ops.less(await ops.mulPublic(maxDelta, pub.epsScale), await ops.mulPublic(maxW, pub.normEps))];
}

export interface PredictPub {
  sigType: SigmoidType;
  regType: 'logistic' | 'linear';
  /** Rows per matmul (bounds the Beaver triple size). */
  chunkRows: number;
}

/** Scores = X w (X carries the constant-1 column), through the training sigmoid for logistic models. */
export async function predictProgram<T>(ops: LrOps<T>, inputs: T[], pub: PredictPub): Promise<T[]> {
  const [x, w] = inputs as [T, T];
  const n = ops.shape(x)[0]!;
  // One chunk covering every row (the common case: chunks hold ~400k rows at 100 features) is X
  // itself: slicing it would only copy both shares.
  return scoreChunks(ops, n, pub, (r0, r1) => ops.matmul(r0 === 0 && r1 === n ? x : ops.sliceRows(x, r0, r1), w));
}

/**
 * The scoring loop of predictProgram over any product: `product(r0, r1)` = X[r0:r1] w, in chunks of
 * `pub.chunkRows` rows, each through the training sigmoid for logistic models. The job's SPU
 * program passes the private-block product (the parties' blocks stay at their own ranks).
 */
export async function scoreChunks<T>(ops: LrOps<T>, n: number, pub: PredictPub, product: (r0: number, r1: number) => Promise<T>): Promise<T[]> {
  const parts: T[] = [];
  for (let r0 = 0; r0 < n; r0 += pub.chunkRows) {
    const r1 = Math.min(n, r0 + pub.chunkRows);
    let z = await product(r0, r1);
    if (pub.regType === 'logistic') z = await ops.sigmoid(z, pub.sigType);
    parts.push(z);
  }
  return [parts.length === 1 ? parts[0]! : ops.concat(parts, 0)];
}

/** Concatenates the parties' feature blocks column-wise (alice's columns first, ones last). */
export function concatFeaturesProgram<T>(ops: LrOps<T>, inputs: T[]): T[] {
  return [inputs.length === 1 ? inputs[0]! : ops.concat(inputs, 1)];
}
