import '../../spu/src/nonlinear/install.ts';
import { it } from 'vitest';
import { syntheticLinearData, LINEAR_SGD_DEFAULTS } from '@sfw/testkit';
import { secureTrain } from './__tests__/secure-harness.ts';
it('perf probe', async () => {
  const n = 10240, d = 100;
  const s = syntheticLinearData({ n, d, seed: 'perf', kind: 'logistic' });
  const a = new Float64Array(n * 50), b = new Float64Array(n * 51);
  for (let i = 0; i < n; i++) { for (let j = 0; j < 50; j++) { a[i*50+j] = s.x[i*d+j]!; b[i*51+j] = s.x[i*d+50+j]!; } b[i*51+50] = 1; }
  for (const sig of ['t1'] as const) {
    const t0 = performance.now();
    const r = await secureTrain({ protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' }, 2, [{ data: a, cols: 50 }, { data: b, cols: 51 }], s.y, { ...LINEAR_SGD_DEFAULTS, epochs: 1, batchSize: 1024, sigType: sig, eps: 0 });
    console.log(sig, 'ms for 10 batches + predict', performance.now() - t0, 'bytes', r.bytesSent);
  }
}, 200000);
