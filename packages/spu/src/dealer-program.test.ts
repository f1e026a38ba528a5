// The dealer's program path (an elementwise kind's deriveProgram run as one ring block program on
// the PRG streams, split over kernel threads) against its block path with derive() (taken when the
// kernels cannot run programs: the BigInt reference backend): the answers are byte-identical for the
// kinds without a dealer-only part (their answer is a function of the ranks' seeds alone), on one
// and on two kernel threads, and the streams stay in step afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { helperJobs, jsKernels, kernels, randomSeed, setKernelThreads, setKernels, wasmKernels } from '@sfw/ring';
import { DealerCore } from './mpc/dealer/core.ts';
import { SEMI2K } from './protocol.ts';

const initial = kernels();
afterAll(() => {
  setKernelThreads(1);
  setKernels(initial);
});

function answers(seeds: Uint8Array[], field: 'FM64' | 'FM128', n: number): Uint8Array[] {
  const core = new DealerCore(field, seeds, SEMI2K.correlations!);
  return [
    core.generate('beaver', { shape: [n] }),
    core.generate('truncPr', { shape: [n], bits: 18 }),
    core.generate('square', { shape: [n] }),
    core.generate('truncPr', { shape: [33], bits: 5 }), // whole-tensor path after the program ones
  ];
}

describe('dealer block programs', () => {
  for (const field of ['FM64', 'FM128'] as const)
    for (const [parties, threads] of [[2, 1], [2, 2], [3, 2]] as const)
      it(`${field}, ${parties} ranks, ${threads} kernel thread(s): the program path deals the block path's bytes`, () => {
        const n = (1 << 16) + 8192 + 77; // splits over 2 threads, whole blocks and a tail
        const seeds = Array.from({ length: parties }, () => randomSeed());
        setKernels(jsKernels);
        const ref = answers(seeds, field, n);
        setKernels(wasmKernels);
        setKernelThreads(threads);
        const j0 = helperJobs();
        const got = answers(seeds, field, n);
        if (threads > 1) expect(helperJobs()).toBeGreaterThan(j0);
        setKernelThreads(1);
        got.forEach((g, i) => expect(Buffer.from(g).equals(Buffer.from(ref[i]!))).toBe(true));
      }, 120_000);
});
