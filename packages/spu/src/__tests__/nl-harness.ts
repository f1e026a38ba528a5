// A rank/dealer harness for the boolean layer: LocalHub endpoints, the SEMI2K dealer and one
// KernelEnv per rank (the same environment the context gives every kernel). Test-only.
import type { FieldType } from '@sfw/ring';
import { resolveConfig } from '../config.ts';
import { serveDealer } from '../dealer.ts';
import { CorrelationSource } from '../mpc/dealer/source.ts';
import type { KernelEnv } from '../mpc/types.ts';
import { LocalHub } from '../local-hub.ts';
import { SEMI2K } from '../protocol.ts';

export interface NlRunEnv extends KernelEnv {
  readonly source: CorrelationSource;
}

/** Runs `fn` SPMD on `n` SEMI2K ranks over a LocalHub with a TTP dealer; returns each rank's result. */
export async function runNl<T>(
  n: number,
  field: FieldType,
  fxpBits: number,
  fn: (env: NlRunEnv) => Promise<T>,
  hub = new LocalHub(n),
): Promise<{ results: T[]; hub: LocalHub }> {
  const cfg = resolveConfig({ protocol: 'SEMI2K', field, fxpFractionBits: fxpBits, beaverType: 'TTP' });
  const dealer = serveDealer(cfg, hub.endpoint(n));
  try {
    const results = await Promise.all(
      Array.from({ length: n }, async (_, r) => {
        const comm = hub.endpoint(r);
        const source = new CorrelationSource(cfg, comm, SEMI2K.correlations!);
        try {
          return await fn({ cfg, comm, corr: source, pool: source.pool, source });
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
