// The driver's epoch loop, independent of where the programs run: on the cluster each step is one
// `spu.run` (features stay in the ranks' stores between epochs), in tests it can run the same
// programs on plaintext. Only public values drive it: sizes, hyperparameters, the revealed flag.
import type { ConvergedPub, EpochPub } from './program.ts';
import type { SigmoidType } from '@sfw/runtime';
import { batchStarts, epochLearningRate, epsRescale } from './schedule.ts';

export interface TrainHyper {
  epochs: number;
  learningRate: number;
  batchSize: number;
  sigType: SigmoidType;
  regType: 'logistic' | 'linear';
  penalty: 'None' | 'l2';
  l2Norm: number;
  eps: number;
  decayEpoch?: number | undefined;
  decayRate?: number | undefined;
  strategy: 'naive_sgd' | 'policy_sgd';
}

/** How the loop reaches the programs; H is a handle to a secret value (SpuObject, or a plain matrix). */
export interface TrainExec<H> {
  epoch(w: H, dk: H | undefined, pub: EpochPub): Promise<{ w: H; dk?: H | undefined }>;
  /** Runs the convergence program and reveals its flag. */
  converged(old: H, w: H, pub: ConvergedPub): Promise<boolean>;
}

export interface TrainOutcome<H> {
  w: H;
  epochsRun: number;
  earlyStopped: boolean;
  batchesPerEpoch: number;
}

export async function trainLoop<H>(
  exec: TrainExec<H>,
  w0: H,
  n: number,
  numFeatures: number,
  p: TrainHyper,
  onEpoch?: (epoch: number, epochs: number) => void,
  signal?: AbortSignal,
): Promise<TrainOutcome<H>> {
  const starts = batchStarts(n, numFeatures, p.batchSize);
  if (starts.length === 0) throw new RangeError(`batch_size ${p.batchSize} exceeds the ${n} training rows: no full batch to train on`);
  let w = w0;
  let dk: H | undefined;
  let epochsRun = 0;
  let earlyStopped = false;
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    signal?.throwIfAborted();
    const old = w;
    const out = await exec.epoch(w, dk, {
      learningRate: epochLearningRate(p.learningRate, epoch, p),
      batchSize: p.batchSize,
      batchStarts: starts,
      sigType: p.sigType,
      regType: p.regType,
      penalty: p.penalty,
      l2Norm: p.l2Norm,
      strategy: p.strategy,
      computeDk: p.strategy === 'policy_sgd' && epoch === 0,
    });
    w = out.w;
    if (out.dk !== undefined) dk = out.dk;
    epochsRun = epoch + 1;
    onEpoch?.(epochsRun, p.epochs);
    if (p.eps > 0 && epoch > 0 && (await exec.converged(old, w, epsRescale(p.eps)))) {
      earlyStopped = true;
      break;
    }
  }
  return { w, epochsRun, earlyStopped, batchesPerEpoch: starts.length };
}
