// `@sfw/spu/simulation`: runs an SPU program SPMD on N ranks inside one thread (LocalHub endpoints,
// a dealer endpoint when the protocol has one, one SpuContext per rank), as SPU's simulator does.
// Used by tests, the conformance suite and the bench; the runtime runs the same programs over
// threads instead.
import { toBytes, type RingTensor } from '@sfw/ring';
import { resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import { createSpuContext, type SpuContext } from './context.ts';
import { serveDealer } from './dealer.ts';
import type { Comm } from './comm.ts';
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

/** Wraps a rank's Comm and keeps a copy of everything it sends to and receives from peers. */
export class RecordingComm implements Comm {
  /** Every message received, the dealer's included. */
  readonly received: Uint8Array[] = [];
  /** Messages received from other ranks only. */
  readonly fromPeers: Uint8Array[] = [];
  /** Messages sent to other ranks (not to the dealer). */
  readonly sent: Uint8Array[] = [];
  constructor(readonly inner: Comm) {}
  get rank(): number { return this.inner.rank; }
  get worldSize(): number { return this.inner.worldSize; }
  get stats(): Comm['stats'] { return this.inner.stats; }
  send(to: number, data: Uint8Array): void {
    if (to < this.worldSize) this.sent.push(data.slice());
    this.inner.send(to, data);
  }
  async recv(from: number): Promise<Uint8Array> {
    const d = await this.inner.recv(from);
    this.received.push(d.slice());
    if (from < this.worldSize) this.fromPeers.push(d.slice());
    return d;
  }
}
