// Test helper: SS-LR on the real SPU protocol with N ranks in ONE thread (@sfw/spu LocalHub and
// dealer), for accuracy tests without starting a cluster. Reveals the weights at the end (tests only).
import { LocalHub } from '@sfw/spu';
import { runLocal, shareInputs } from '@sfw/spu/simulation';
import type { SecretTensor, SpuConfig } from '@sfw/spu';
import { spuLrOps } from '../spu-adapter.ts';
import { convergedProgram, epochProgram, predictProgram } from '../program.ts';
import { trainLoop } from '../train-loop.ts';
import type { TrainHyper } from '../train-loop.ts';

export interface SecureRun {
  weights: Float64Array;
  scores: Float64Array;
  epochsRun: number;
  bytesSent: number;
  /** Bytes rank 0 sent to rank 1 (seen by rank 0, whose ops run in step with rank 1's) during the epochs (after the one-time fixedMask), and for fixedMask. */
  trainBytesRank0: number;
  maskBytesRank0: number;
  /** Rank 0's own share of w, decoded as if it were the value (must look nothing like w). */
  rank0ShareDecoded: Float64Array;
  /** Rank 0's raw ring share of w (FM64 limbs). */
  rank0ShareRing: BigUint64Array;
}

/** blocks: row-major party feature blocks (the last one already holds the constant-1 column). */
export async function secureTrain(cfg: SpuConfig, nRanks: number, blocks: Array<{ data: Float64Array; cols: number }>, y: Float64Array, p: TrainHyper): Promise<SecureRun> {
  const n = y.length;
  const sharedBlocks = blocks.map((b) => shareInputs(cfg, b.data, [n, b.cols], nRanks));
  const sharedY = shareInputs(cfg, y, [n, 1], nRanks);
  const d = blocks.reduce((a, b) => a + b.cols, 0) - 1;
  // Rank-to-rank bytes only (rank 0 -> rank 1), not the requests to the dealer.
  const toPeer = (): number => hub.traffic(0, 1).bytes;
  const hub = new LocalHub(nRanks);
  const { results } = await runLocal(cfg, nRanks, async (c) => {
    const ctx = c;
    const ops = spuLrOps(ctx);
    const x = ctx.concat(sharedBlocks.map((s) => s[c.rank]!), 1);
    const yv = sharedY[c.rank]!;
    const s0 = toPeer();
    const xm = await ops.fixedMask(x);
    const s1 = toPeer();
    const out = await trainLoop<SecretTensor>(
      {
        async epoch(w, dk, pub) {
          const [w2, dk2] = await epochProgram(ops, xm, dk === undefined ? [yv, w] : [yv, w, dk], pub);
          return { w: w2!, dk: dk2 };
        },
        async converged(old, w, pub) {
          const [f] = await convergedProgram(ops, [old, w], pub);
          return (await c.revealToAll(f!))[0]! > 0;
        },
      },
      ctx.fromPublic(new Float64Array(d + 1), [d + 1, 1]),
      n,
      d,
      p,
    );
    const s2 = toPeer();
    await ops.releaseMasked(xm);
    const [scores] = await predictProgram(ops, [x, out.w], { sigType: p.sigType, regType: p.regType, chunkRows: 4096 });
    const share = ctx.unwrap(out.w);
    const own = Float64Array.from(share.data, (v) => Number(BigInt.asIntN(64, v)) / 2 ** c.cfg.fxpBits);
    return {
      weights: await c.revealToAll(out.w),
      scores: await c.revealToAll(scores!),
      epochsRun: out.epochsRun,
      own,
      ring: Array.from(share.data),
      trainBytes: s2 - s1,
      maskBytes: s1 - s0,
    };
  }, hub);
  const r0 = results[0]!;
  let bytes = 0;
  for (let r = 0; r < nRanks; r++) bytes += hub.endpoint(r).stats.bytesSent;
  return { weights: r0.weights, scores: r0.scores, epochsRun: r0.epochsRun, bytesSent: bytes, rank0ShareDecoded: r0.own, rank0ShareRing: BigUint64Array.from(r0.ring), trainBytesRank0: r0.trainBytes, maskBytesRank0: r0.maskBytes };
}
