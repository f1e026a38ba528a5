import { describe, expect, it } from 'vitest';
import { summarize, timeIt } from './suite.ts';

describe('timeIt / summarize', () => {
  it('runs warmup + reps and reports ordered percentiles', async () => {
    let calls = 0;
    const t = await timeIt(() => {
      calls++;
    }, { reps: 7, warmup: 2 });
    expect(calls).toBe(9);
    expect(t.reps).toBe(7);
    expect(t.p10_ms).toBeLessThanOrEqual(t.median_ms);
    expect(t.median_ms).toBeLessThanOrEqual(t.p90_ms);
  });

  it('awaits async functions', async () => {
    let done = 0;
    await timeIt(async () => {
      await new Promise((r) => setTimeout(r, 1));
      done++;
    }, { reps: 2, warmup: 0 });
    expect(done).toBe(2);
  });

  it('summarize takes nearest-rank percentiles', () => {
    const s = summarize([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(s).toEqual({ median_ms: 5, p10_ms: 1, p90_ms: 9, reps: 10 });
  });
});
