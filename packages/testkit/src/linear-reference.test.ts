import { describe, expect, it, vi } from 'vitest';

// Python (sklearn/numpy) start-up is slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });
import { runPythonJson } from './python.ts';
import { syntheticLinearData } from './rng.ts';
import { SIG_TYPES, sigmoidRef } from './sigmoid.ts';
import { trainLinearSgdRef, LINEAR_SGD_DEFAULTS } from './linear-reference.ts';
import type { LinearSgdParams } from './linear-reference.ts';

// An independent numpy transcription of SecretFlow's _batch_update_w / fit loop and sigmoid.py,
// so the TS reference is checked against a second implementation, not against itself.
const NUMPY_SGD = `
import json, sys, math
import numpy as np
a = json.load(sys.stdin)
def sig(x, t):
    if t == 't1': return np.clip(0.5 + 0.25*x, 0, 1)
    if t == 't3':
        r = 0.5 + 0.25*x - x**3/48
        return np.select([x < -2, x > 2], [0, 1], r)
    if t == 't5': return np.clip(0.5 + 0.25*x - x**3/48 + x**5/480, 0, 1)
    if t == 'df': return 0.5*(x/(1+np.abs(x)))+0.5
    if t == 'sr': return 0.5*(x/np.sqrt(1+x*x))+0.5
    if t == 'mix':
        c = [5.00052959e-01, 2.35176260e-01, -3.97212202e-05, -1.23407424e-02, 4.04588962e-06, 3.94330487e-04, -9.74060972e-08, -4.74674505e-06]
        ls7 = sum(c[k]*x**k for k in range(8))
        sr = 0.5*(x/np.sqrt(1+x*x))+0.5
        return np.select([x < -4, x > 4], [sr, sr], ls7)
    return 1/(1+np.exp(-x))
if 'sig_probe' in a:
    xs = np.array(a['sig_probe'])
    print(json.dumps({t: sig(xs, t).tolist() for t in ['t1','t3','t5','df','sr','mix','real']}))
    sys.exit(0)
n, d = a['n'], a['d']
x = np.array(a['x']).reshape(n, d); y = np.array(a['y']).reshape(n, 1)
p = a['p']
bs = p['batchSize']; w = np.zeros((d+1, 1))
dr, de = p.get('decayRate'), p.get('decayEpoch')
if p['strategy'] == 'policy_sgd' and dr is None: dr, de = 0.5, 5
dk = []
for ep in range(p['epochs']):
    lr = p['learningRate'] * (dr ** math.floor(ep/de) if dr is not None else 1)
    old = w.copy()
    for b in range(n // bs):
        xs = np.concatenate((x[b*bs:(b+1)*bs], np.ones((bs, 1))), axis=1)
        pred = xs @ w
        if p['regType'] == 'logistic': pred = sig(pred, p['sigType'])
        g = xs.T @ (pred - y[b*bs:(b+1)*bs]) / bs
        s = 1
        if p['strategy'] == 'policy_sgd':
            if ep == 0: dk.append(1/math.sqrt(float(np.sum(g*g)) + 1e-4))
            s = dk[b]
        step = lr * s * g
        if p['penalty'] == 'l2':
            wz = np.concatenate((w[:-1], np.zeros((1,1))))
            step = step + wz * p['l2Norm'] * lr / bs
        w = w - step
    if p['eps'] > 0 and ep > 0 and np.max(np.abs(w-old)) / np.max(np.abs(w)) < p['eps']:
        break
print(json.dumps(w[:,0].tolist()))
`;

describe('sigmoidRef', () => {
  it('matches a numpy transcription of secretflow/utils/sigmoid.py', async () => {
    const probe = [-6, -4.5, -4, -3, -2.5, -2, -1.2, -0.3, 0, 0.1, 1, 1.9, 2, 2.1, 3.7, 4, 5, 9];
    const ref = await runPythonJson<Record<string, number[]>>(NUMPY_SGD, { sig_probe: probe });
    for (const t of SIG_TYPES) {
      probe.forEach((x, i) => expect(sigmoidRef(x, t)).toBeCloseTo(ref[t]![i]!, 12));
    }
  });
});

describe('trainLinearSgdRef', () => {
  const data = syntheticLinearData({ n: 530, d: 6, seed: 'ref-sgd', kind: 'logistic' });
  const cases: Array<Partial<LinearSgdParams>> = [
    { epochs: 3, learningRate: 0.3, batchSize: 128, sigType: 't1', penalty: 'l2', l2Norm: 0.05 },
    { epochs: 8, batchSize: 100, sigType: 'sr', strategy: 'policy_sgd' },
    { epochs: 6, batchSize: 64, regType: 'linear', decayEpoch: 2, decayRate: 0.5, eps: 0 },
    { epochs: 30, batchSize: 50, sigType: 'real', eps: 0.01 },
  ];
  for (const c of cases) {
    it(`matches numpy SecretFlow SGD for ${JSON.stringify(c)}`, async () => {
      const p: LinearSgdParams = { ...LINEAR_SGD_DEFAULTS, ...c };
      const ours = trainLinearSgdRef(data.x, data.y, data.n, data.d, p);
      const ref = await runPythonJson<number[]>(NUMPY_SGD, { n: data.n, d: data.d, x: Array.from(data.x), y: Array.from(data.y), p });
      expect(ref.length).toBe(data.d + 1);
      ref.forEach((v, j) => expect(ours.weights[j]).toBeCloseTo(v, 10));
      // A model that learned something: weights are not all zero.
      expect(Math.max(...Array.from(ours.weights, Math.abs))).toBeGreaterThan(0.01);
    });
  }
});
