// A rank/dealer harness for the boolean and non-linear layer: LocalHub endpoints, the SPU dealer
// (serveDealer) and one CorrelationSource per rank. Used by unit tests and the bench.
import type { FieldType } from '@sfw/ring';
import { resolveConfig, type ResolvedSpuConfig } from '../config.ts';
import { CorrelationSource } from '../correlation-source.ts';
import { serveDealer } from '../dealer.ts';
import { LocalHub } from '../local-hub.ts';
import { dealerCorrelations, type NlCore } from './core.ts';
import './correlations.ts';

export interface NlRunEnv extends NlCore {
  readonly cfg: ResolvedSpuConfig;
  readonly source: CorrelationSource;
}

/** Runs `fn` SPMD on `n` SEMI2K ranks over a LocalHub with a TTP dealer; returns each rank's result. */
export async function runNl<T>(
  n: number,
  field: FieldType,
  fxpBits: number,
  fn: (core: NlRunEnv) => Promise<T>,
  hub = new LocalHub(n),
): Promise<{ results: T[]; hub: LocalHub }> {
  const cfg = resolveConfig({ protocol: 'SEMI2K', field, fxpFractionBits: fxpBits, beaverType: 'TTP' });
  const dealer = serveDealer(cfg, hub.endpoint(n));
  try {
    const results = await Promise.all(
      Array.from({ length: n }, async (_, r) => {
        const comm = hub.endpoint(r);
        const source = new CorrelationSource(cfg, comm);
        try {
          return await fn({ comm, field, fxpBits: cfg.fxpBits, corr: dealerCorrelations(source), pool: source.pool, cfg, source });
        } finally {
          source.close();
        }
      }),
    );
    return { results, hub };
  } finally {
    dealer.stop();
    await dealer.done;
  }
}
