// Program logic on the float64 mirror against the independent float64 reference of SecretFlow's
// SGD (testkit). This checks the algorithm's bookkeeping (batches, policy, L2, decay, early stop);
// the secure runs are checked separately against the same reference (sslr.mp.test.ts).
import { describe, expect, it } from 'vitest';
import { LINEAR_SGD_DEFAULTS, syntheticLinearData, trainLinearSgdRef } from '@sfw/testkit';
import type { LinearSgdParams } from '@sfw/testkit';
import { plainOps } from './plain-ops.ts';
import type { PlainMatrix } from './plain-ops.ts';
import { convergedProgram, epochProgram, predictProgram } from './program.ts';
import { trainLoop } from './train-loop.ts';
import type { TrainExec } from './train-loop.ts';

function withOnes(x: Float64Array, n: number, d: number): PlainMatrix {
  const out = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    out.set(x.subarray(i * d, (i + 1) * d), i * (d + 1));
    out[i * (d + 1) + d] = 1;
  }
  return { data: out, shape: [n, d + 1] };
}

describe('SS-LR programs on the float64 mirror', () => {
  const data = syntheticLinearData({ n: 600, d: 7, seed: 'prog', kind: 'logistic' });
  const cases: Array<Partial<LinearSgdParams>> = [
    { epochs: 5, batchSize: 128, learningRate: 0.3, penalty: 'l2', l2Norm: 0.05 },
    { epochs: 12, batchSize: 100, sigType: 'sr', strategy: 'policy_sgd' },
    { epochs: 7, batchSize: 64, regType: 'linear', decayEpoch: 2, decayRate: 0.5 },
    { epochs: 40, batchSize: 50, sigType: 'real', eps: 0.02 },
  ];
  for (const c of cases) {
    it(`matches the reference for ${JSON.stringify(c)}`, async () => {
      const p: LinearSgdParams = { ...LINEAR_SGD_DEFAULTS, ...c };
      const x = withOnes(data.x, data.n, data.d);
      const y: PlainMatrix = { data: data.y, shape: [data.n, 1] };
      const exec: TrainExec<PlainMatrix> = {
        async epoch(w, dk, pub) {
          const [w2, dk2] = await epochProgram(plainOps, x, dk === undefined ? [y, w] : [y, w, dk], pub);
          return { w: w2!, dk: dk2 };
        },
        async converged(old, w, pub) {
          const [f] = await convergedProgram(plainOps, [old, w], pub);
          return f!.data[0] === 1;
        },
      };
      const out = await trainLoop(exec, { data: new Float64Array(data.d + 1), shape: [data.d + 1, 1] }, data.n, data.d, p);
      const ref = trainLinearSgdRef(data.x, data.y, data.n, data.d, p);
      expect(out.epochsRun).toBe(ref.epochsRun);
      ref.weights.forEach((v, j) => expect(out.w.data[j]).toBeCloseTo(v, 9));
      const [scores] = await predictProgram(plainOps, [x, out.w], { sigType: p.sigType, regType: p.regType, chunkRows: 256 });
      expect(scores!.shape).toEqual([data.n, 1]);
    });
  }
});
