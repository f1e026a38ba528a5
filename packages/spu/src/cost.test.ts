// Traffic accounting: every communicating kernel runs on a LocalHub, and the bytes, messages and
// rounds the hub counted must equal the kernel's cost formula (kernels/cost.ts), per rank pair.
import { describe, expect, it } from 'vitest';
import { FIELD_BITS, fromBigInts, type FieldType, type RingTensor } from '@sfw/ring';
import type { SpuConfig } from './config.ts';
import { runKernelLocal } from './simulation.ts';
import { semi2kCost, type CostedKernel } from './mpc/cost.ts';
import type { SpuContext } from './context.ts';
import { LocalHub } from './local-hub.ts';
import { barrier } from './__tests__/barrier.ts';


type Case = { kernel: CostedKernel; dims: number[]; inputs: (f: FieldType) => RingTensor[]; run: (c: SpuContext, s: RingTensor[]) => Promise<RingTensor> | RingTensor };
const vec = (f: FieldType, n: number, shape?: number[]) => fromBigInts(f, Array.from({ length: n }, (_, i) => BigInt(i * 7 - 3)), shape);

const CASES: Case[] = [
  { kernel: 'a2p', dims: [37], inputs: (f) => [vec(f, 37)], run: (c, [x]) => c.kernels.a2p(c.env, x!) },
  { kernel: 'mulAA', dims: [37], inputs: (f) => [vec(f, 37), vec(f, 37)], run: (c, [x, y]) => c.kernels.mulAA(c.env, x!, y!) },
  { kernel: 'squareA', dims: [37], inputs: (f) => [vec(f, 37)], run: (c, [x]) => c.kernels.squareA(c.env, x!) },
  { kernel: 'squareTruncA', dims: [37], inputs: (f) => [vec(f, 37)], run: (c, [x]) => c.kernels.squareTruncA(c.env, x!, 13) },
  { kernel: 'matmulAA', dims: [3, 5, 4], inputs: (f) => [vec(f, 15, [3, 5]), vec(f, 20, [5, 4])], run: (c, [x, y]) => c.kernels.matmulAA(c.env, x!, y!) },
  { kernel: 'truncA', dims: [37], inputs: (f) => [vec(f, 37)], run: (c, [x]) => c.kernels.truncA(c.env, x!, 13) },
  { kernel: 'mulTruncAA', dims: [37], inputs: (f) => [vec(f, 37), vec(f, 37)], run: (c, [x, y]) => c.kernels.mulTruncAA(c.env, x!, y!, 13) },
  { kernel: 'matmulTruncAA', dims: [3, 5, 4], inputs: (f) => [vec(f, 15, [3, 5]), vec(f, 20, [5, 4])], run: (c, [x, y]) => c.kernels.matmulTruncAA(c.env, x!, y!, 13) },
  { kernel: 'local', dims: [37], inputs: (f) => [vec(f, 37), vec(f, 37)], run: (c, [x, y]) => c.kernels.mulAP(c.env, c.kernels.addAA(c.env, x!, y!), 5n) },
];

for (const beaverType of ['TTP', 'TFP'] as const)
  for (const field of ['FM64', 'FM128'] as const)
    for (const parties of [2, 3])
      describe(`SEMI2K/${beaverType} ${field} ${parties} parties: counted traffic = cost model`, () => {
        const cfg: SpuConfig = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType };
        for (const c of CASES)
          it(c.kernel, async () => {
            const hub = new LocalHub(parties);
            const sync = barrier(parties, () => hub.resetCounters());
            const dealer = parties;
            await runKernelLocal(
              cfg,
              parties,
              c.inputs(field),
              async (ctx, shares) => {
                await ctx.kernels.a2p(ctx.env, shares[0]!); // warm-up: session setup traffic settles
                await sync();
                return c.run(ctx, shares);
              },
              hub,
            );
            const want = semi2kCost(c.kernel, c.dims, field, parties);
            expect(hub.rounds()).toBe(want.rounds);
            for (let i = 0; i < parties; i++) {
              let sent = 0;
              for (let j = 0; j < parties; j++) {
                if (i === j) continue;
                const t = hub.traffic(i, j);
                expect(t.bytes).toBe(want.bytesSent / (parties - 1));
                expect(t.messages).toBe(want.rounds === 0 ? 0 : want.rounds); // one message per peer per round
                sent += t.bytes;
              }
              expect(sent).toBe(want.bytesSent);
            }
            const ttp = beaverType === 'TTP';
            expect(hub.traffic(dealer, 0).bytes).toBe(ttp ? want.dealerBytes : 0);
            // rank 0 -> dealer: one request per correlation, plus the END message of ctx.close()
            expect(hub.traffic(0, dealer).messages).toBe(ttp ? want.dealerRequests + 1 : 0);
            for (let j = 1; j < parties; j++) {
              expect(hub.traffic(dealer, j).bytes).toBe(0);
              expect(hub.traffic(j, dealer).messages).toBe(0);
            }
            expect(hub.pending()).toBe(0);
            expect(FIELD_BITS[field]).toBeGreaterThan(0);
          });
      });

describe('REF2K communicates nothing', () => {
  it('mul, matmul, trunc, a2p', async () => {
    const cfg: SpuConfig = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 0, beaverType: 'TTP' };
    const hub = new LocalHub(3);
    await runKernelLocal(cfg, 3, [vec('FM64', 16, [4, 4]), vec('FM64', 16, [4, 4])], async (c, [x, y]) => {
      const z = await c.kernels.matmulTruncAA(c.env, await c.kernels.mulTruncAA(c.env, x!, y!, 3), y!, 3);
      return c.kernels.a2p(c.env, await c.kernels.truncA(c.env, z, 2));
    }, hub);
    for (let i = 0; i <= 3; i++) for (let j = 0; j <= 3; j++) if (i !== j) expect(hub.traffic(i, j).messages).toBe(0);
  });
});
