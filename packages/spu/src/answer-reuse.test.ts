// The dealer writes a later answer into the memory of one the adjust rank has released (dealer
// core.ts reusableAnswer, wire.ts trailer). Safe only because no result lives in a released answer:
// a caller that keeps results across later operations sees them unchanged (TTP on one and on two
// kernel threads, TFP), while the answers really are reused.
import { afterAll, describe, expect, it } from 'vitest';
import { randomSeed, setKernelThreads } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { DealerCore, answerReuses } from './mpc/dealer/core.ts';
import { SEMI2K } from './protocol.ts';
import type { SecretTensor } from './secret-tensor.ts';
import { exportShare } from './share.ts';
import { runLocal, shareInputs } from './simulation.ts';

afterAll(() => setKernelThreads(1));

describe('dealer answer reuse', () => {
  it('answers are whole buffers unless the transport shares them', () => {
    const seeds = [randomSeed(), randomSeed()];
    const n = 1 << 17;
    const whole = (b: Uint8Array) => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
    expect(whole(new DealerCore('FM64', seeds, SEMI2K.correlations!).generate('beaverTrunc', { shape: [n], bits: 18 }))).toBe(true);
    const shared = new DealerCore('FM64', seeds, SEMI2K.correlations!, { reuseAnswers: true }).generate('beaverTrunc', { shape: [n], bits: 18 });
    expect(shared.byteLength).toBe(3 * n * 8); // the bytes sent: the trailer lies behind them
    expect(whole(shared)).toBe(false);
  });

  for (const [threads, beaverType] of [[1, 'TTP'], [2, 'TTP'], [1, 'TFP']] as const)
    it(`results kept across later operations stay unchanged (${beaverType}, ${threads} kernel thread(s))`, async () => {
      setKernelThreads(threads);
      const cfg: SpuConfig = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 0, beaverType };
      const n = (1 << 17) + 3; // answers of >= 1 MiB are reused
      const ulp = 2 ** -18;
      const xs = Float64Array.from({ length: n }, (_, i) => (((i * 7919) % 4001) - 2000) / 37);
      const ys = Float64Array.from({ length: n }, (_, i) => (((i * 104729) % 3001) - 1500) / 53);
      const X = shareInputs(cfg, xs, [n], 2), Y = shareInputs(cfg, ys, [n], 2);
      const r0 = answerReuses();
      const { results } = await runLocal(cfg, 2, async (ctx) => {
        const x = X[ctx.rank]!, y = Y[ctx.rank]!;
        const kept: SecretTensor[] = [await ctx.mul(x, y), await ctx.square(x), await ctx.truncate(x)];
        const before = kept.map((t) => exportShare(t).slice());
        // Later operations of the same kinds and sizes (their answers reuse the released ones).
        for (let i = 0; i < 3; i++) {
          await ctx.mul(y, x);
          await ctx.square(y);
          await ctx.truncate(y);
        }
        const after = kept.map((t) => exportShare(t));
        return { same: before.every((b, i) => Buffer.from(b).equals(Buffer.from(after[i]!))), values: [await ctx.revealToAll(kept[0]!)] };
      });
      setKernelThreads(1);
      expect(answerReuses()).toBeGreaterThan(r0);
      for (const r of results) expect(r.same).toBe(true);
      const z = results[0]!.values[0]!;
      let worst = 0;
      xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(z[i]! - x * ys[i]!) / (ulp * (1.25 + (Math.abs(x) + Math.abs(ys[i]!)) / 2)))));
      expect(worst).toBeLessThanOrEqual(1);
    }, 120_000);
});
