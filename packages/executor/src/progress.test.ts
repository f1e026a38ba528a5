import { describe, it, expect } from 'vitest';
import { throttledProgress, scaledProgress } from './progress.ts';
import type { ProgressUpdate } from './progress.ts';
import { StageTimer } from './metrics.ts';

describe('throttledProgress', () => {
  it('drops updates inside the interval but always passes the first and the 100 % one', () => {
    let t = 0;
    const out: ProgressUpdate[] = [];
    const p = throttledProgress((u) => out.push(u), 500, () => t);
    p(1); t = 100; p(2); t = 200; p(3); t = 600; p(4, 'x', { epoch: 3, weights: [1, 2] }); t = 650; p(100);
    expect(out.map((u) => u.percent)).toEqual([1, 4, 100]);
    expect(out[1]).toEqual({ percent: 4, message: 'x', extra: { epoch: 3 } });
  });

  it('clamps and scales sub-progress into the parent range', () => {
    const out: [number, string | undefined][] = [];
    const sub = scaledProgress((pc, m) => out.push([pc, m]), 50, 75, 'train');
    sub(0); sub(50, 'epoch 1'); sub(200);
    expect(out).toEqual([[50, 'train'], [62.5, 'train: epoch 1'], [75, 'train']]);
  });
});

describe('StageTimer', () => {
  it('times stages (also when they throw) and ratios are shares of the total', async () => {
    const t = new StageTimer();
    await t.time('cluster_init', () => new Promise((r) => setTimeout(r, 30)));
    await expect(t.time('algorithm', async () => { await new Promise((r) => setTimeout(r, 20)); throw new Error('x'); })).rejects.toThrow('x');
    const m = t.finish(false);
    expect(m.cluster_init_time_ms).toBeGreaterThanOrEqual(25);
    expect(m.algorithm_time_ms).toBeGreaterThanOrEqual(15);
    expect(m.total_time_ms).toBeGreaterThanOrEqual(m.cluster_init_time_ms + m.algorithm_time_ms);
    const sum = Object.values(m.stage_ratios).reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(1.0001);
    expect(m.stage_ratios.cluster_init).toBeCloseTo(m.cluster_init_time_ms / m.total_time_ms, 3);
  });
});
