// The eval device functions release aggregates only: a thinned ROC without thresholds.
import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTable, writeCsv } from '@sfw/data';
import type { PyuContext } from '@sfw/runtime';
import evalModule from './device.ts';
import type { PublicBiclassification } from './device.ts';

describe('eval device module', () => {
  it('biclassification returns at most 200 ROC points and no thresholds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sfw-eval-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const n = 2000;
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const p = Float64Array.from(y, (v, i) => 0.3 * v + ((i * 7919) % 1000) / 1500);
    await writeCsv(join(dir, 'p.csv'), makeTable(['y', 'pred'], { y, pred: p }));
    const fn = evalModule.pyu!['biclassification'] as unknown as (ctx: PyuContext, input: unknown, params: unknown) => Promise<PublicBiclassification>;
    const r = await fn({} as PyuContext, { path: join(dir, 'p.csv'), label: 'y', prediction: 'pred' }, { bucketSize: 10, minItemCntPerBucket: 5 });
    expect(r.roc.fpr.length).toBeLessThanOrEqual(200);
    expect(Object.keys(r.roc).sort()).toEqual(['fpr', 'tpr']);
    expect(r.summary.total_samples).toBe(n);
    const bad = evalModule.pyu!['biclassification'] as unknown as (ctx: PyuContext, input: unknown, params: unknown) => Promise<unknown>;
    await writeCsv(join(dir, 'q.csv'), makeTable(['y', 'pred'], { y: Float64Array.of(0, 2), pred: Float64Array.of(0.1, 0.2) }));
    await expect(bad({} as PyuContext, { path: join(dir, 'q.csv'), label: 'y', prediction: 'pred' }, { bucketSize: 10, minItemCntPerBucket: 5 })).rejects.toThrow(/0\/1/);
  });
});
