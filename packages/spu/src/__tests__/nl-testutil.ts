// Test helpers for the non-linear library: run a jobs-style SPU program on shared float inputs
// and reconstruct the float result at the "receiver" (test only; not exported by the package).
import { toBytes } from '@sfw/ring';
import type { SpuConfig } from '../config.ts';
import type { SpuContext } from '../context.ts';
import { runLocal, shareInputs } from '../simulation.ts';
import type { LocalHub } from '../local-hub.ts';
import type { SecretTensor } from '../secret-tensor.ts';
import { reconstruct } from '../share.ts';

export const cfgOf = (protocol: 'SEMI2K' | 'REF2K', field: 'FM64' | 'FM128', fxpFractionBits = 0): SpuConfig => ({ protocol, field, fxpFractionBits, beaverType: 'TTP' });

export async function runFloat(
  cfg: SpuConfig,
  nRanks: number,
  inputs: { values: Float64Array; shape: number[] }[],
  program: (ctx: SpuContext, xs: SecretTensor[]) => Promise<SecretTensor>,
): Promise<{ out: Float64Array; shape: readonly number[]; hub: LocalHub }> {
  const shared = inputs.map((i) => shareInputs(cfg, i.values, i.shape, nRanks));
  const { results, hub } = await runLocal(cfg, nRanks, async (ctx) => {
    const y = await program(ctx, shared.map((s) => s[ctx.rank]!));
    return { bytes: toBytes(ctx.unwrap(y)).slice(), shape: y.shape };
  });
  const shape = results[0]!.shape;
  return { out: reconstruct(cfg, results.map((r) => r.bytes), shape), shape, hub };
}

export const maxErr = (a: Float64Array, b: ArrayLike<number>, rel = 0): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (rel > 0 ? Math.max(rel, Math.abs(b[i]!)) : 1);
    if (e > m || Number.isNaN(e)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
};
