// `@sfw/spu/simulation`: runs an SPU program SPMD on N ranks inside one thread (LocalHub endpoints,
// a dealer endpoint when the protocol has one, one SpuContext per rank), as SPU's simulator does.
// Used by tests, the conformance suite and the bench; the runtime runs the same programs over
// threads instead.
import { toBytes, type RingTensor } from '@sfw/ring';
import { resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import { createSpuContext, type SpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import { LocalHub } from './local-hub.ts';
import type { CorrelationTable } from './mpc/correlation.ts';
import { importShare, makeShares, reconstructRing } from './share.ts';
import type { SecretTensor } from './secret-tensor.ts';

export interface LocalRunOptions {
  /** A correlation table for ranks and dealer instead of the protocol's (extra kinds in tests). */
  correlations?: CorrelationTable;
}

export interface LocalRun<T> {
  readonly results: T[];
  readonly hub: LocalHub;
}

export async function runLocal<T>(
  config: SpuConfig | ResolvedSpuConfig,
  nRanks: number,
  program: (ctx: SpuContext) => Promise<T>,
  hub: LocalHub = new LocalHub(nRanks),
  options: LocalRunOptions = {},
): Promise<LocalRun<T>> {
  const cfg = resolveConfig(config);
  const dealer = serveDealer(cfg, hub.endpoint(nRanks), options);
  const ctxs = Array.from({ length: nRanks }, (_, r) => createSpuContext(cfg, hub.endpoint(r), options));
  try {
    const results = await Promise.all(ctxs.map((c) => program(c)));
    return { results, hub };
  } finally {
    for (const c of ctxs) c.close();
    dealer.stop();
    await dealer.done;
  }
}

/** Share values as an owner would and hand each rank its SecretTensor: result[rank]. */
export function shareInputs(config: SpuConfig | ResolvedSpuConfig, values: Float64Array | RingTensor, shape: readonly number[], nRanks: number): SecretTensor[] {
  const cfg = resolveConfig(config);
  return makeShares(cfg, values, shape, nRanks).map((b) => importShare(cfg, b, shape));
}

/**
 * Share plaintext ring inputs, run `kernel` SPMD on every rank, and return the reconstructed ring
 * result plus every rank's output share (tests compare the result with a plaintext reference).
 */
export async function runKernelLocal(
  config: SpuConfig | ResolvedSpuConfig,
  nRanks: number,
  inputs: readonly RingTensor[],
  kernel: (ctx: SpuContext, shares: RingTensor[]) => Promise<RingTensor> | RingTensor,
  hub: LocalHub = new LocalHub(nRanks),
): Promise<{ result: RingTensor; shares: RingTensor[]; hub: LocalHub }> {
  const cfg = resolveConfig(config);
  const perInput = inputs.map((t) => shareInputs(cfg, t, t.shape, nRanks));
  const { results } = await runLocal(
    cfg,
    nRanks,
    async (ctx) => kernel(ctx, perInput.map((s) => ctx.unwrap(s[ctx.rank]!))),
    hub,
  );
  const shape = results[0]!.shape;
  const result = reconstructRing(cfg, results.map((r) => toBytes(r)), shape);
  return { result, shares: results, hub };
}
