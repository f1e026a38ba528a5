// Public training schedule, derived on the driver from public sizes and hyperparameters only:
// which rows form full batches (SecretFlow infeed blocks), the per-epoch learning rate, and the
// early-stop rescaling.

/** SecretFlow infeeds ceil(200000*200 / d) rows at a time, rounded up to a batch multiple. */
export function infeedRows(numFeatures: number, batchSize: number): number {
  const rows = Math.ceil((200000 * 200) / numFeatures);
  return Math.ceil(rows / batchSize) * batchSize;
}

/** First row of every full batch; rows past the last full batch of each block are not trained on. */
export function batchStarts(n: number, numFeatures: number, batchSize: number): number[] {
  const block = infeedRows(numFeatures, batchSize);
  const starts: number[] = [];
  for (let b0 = 0; b0 < n; b0 += block) {
    const rows = Math.min(block, n - b0);
    for (let k = 0; k < Math.floor(rows / batchSize); k++) starts.push(b0 + k * batchSize);
  }
  return starts;
}

export interface DecaySchedule {
  decayEpoch?: number | undefined;
  decayRate?: number | undefined;
  strategy: 'naive_sgd' | 'policy_sgd';
}

/** lr * rate^floor(epoch / decay_epoch); policy_sgd defaults to rate 0.5 every 5 epochs. */
export function epochLearningRate(lr: number, epoch: number, s: DecaySchedule): number {
  let rate = s.decayRate;
  let every = s.decayEpoch;
  if (s.strategy === 'policy_sgd' && rate === undefined) {
    rate = 0.5;
    every = 5;
  }
  if (rate === undefined || every === undefined) return lr;
  return lr * rate ** Math.floor(epoch / every);
}

/** SecretFlow's eps rescale: scale = 2^floor(-log2(eps)), normEps = eps * scale (in [0.5, 1)). */
export function epsRescale(eps: number): { epsScale: number; normEps: number } {
  const epsScale = 2 ** Math.floor(-Math.log2(eps));
  return { epsScale, normEps: eps * epsScale };
}
