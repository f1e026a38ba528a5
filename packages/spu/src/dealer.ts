// The dealer side of a session, as a runtime hosts it: the protocol record says whether there is
// anything to serve (REF2K needs no randomness; in TFP mode rank 0 deals itself) and which
// correlation table the ranks will ask from.
import type { Comm } from './comm.ts';
import { resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import type { CorrelationTable } from './mpc/correlation.ts';
import { serveCorrelations, type DealerHandle } from './mpc/dealer/serve.ts';
import { protocolOf } from './protocol.ts';

export type { DealerHandle };

export interface DealerOptions {
  /** A table to serve instead of the protocol's (the ranks must be given the same one). */
  correlations?: CorrelationTable;
}

export function serveDealer(config: SpuConfig | ResolvedSpuConfig, comm: Comm, options: DealerOptions = {}): DealerHandle {
  const cfg = resolveConfig(config);
  const table = protocolOf(cfg).correlations;
  if (table === undefined || cfg.beaverType === 'TFP') return { done: Promise.resolve(), stop: () => undefined };
  return serveCorrelations(cfg, comm, options.correlations ?? table);
}
