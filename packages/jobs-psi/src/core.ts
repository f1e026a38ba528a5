// The swappable PSI core: what maps one bucket's unique keys to "which of them are in the
// intersection". party.ts owns everything around it (reading, buckets, duplicates, joins, output)
// and is the same for every protocol.
import { createCurveEngine } from './engine.ts';
import type { CurveEngineOptions } from './engine.ts';
import { newSecretScalar } from './curve.ts';
import { kkrtPsiBucket } from './kkrt/bucket.ts';
import type { PsiLink } from './link.ts';
import type { PackedKeys } from './packed-keys.ts';
import { ecdhPsiBucket } from './protocol.ts';
import type { BucketOptions, BucketResult } from './protocol.ts';

/** `PROTOCOL_ECDH` -> 'ecdh', `PROTOCOL_KKRT` -> 'kkrt'. */
export type PsiProtocol = 'ecdh' | 'kkrt';

export interface PsiCore {
  /** One bucket's unique keys, packed (packed-keys.ts) or as strings. */
  bucket(link: PsiLink, keys: readonly string[] | PackedKeys, opt: BucketOptions): Promise<BucketResult>;
  close(): Promise<void>;
}

export interface PsiCoreOptions {
  /** This party holds input_ds1 (KKRT: the OPRF receiver when both parties receive). */
  readonly selfIsDs1: boolean;
  /** ECDH curve-engine threads. */
  readonly curve?: CurveEngineOptions;
}

export function createPsiCore(protocol: PsiProtocol, o: PsiCoreOptions): PsiCore {
  switch (protocol) {
    case 'ecdh': {
      // One secret scalar per run, shared by all buckets (the ECDH bucket protocol is stateless otherwise).
      const engine = createCurveEngine(newSecretScalar(), o.curve ?? {});
      return {
        bucket: (link, keys, opt) => ecdhPsiBucket(link, engine, keys, opt),
        close: () => engine.close(),
      };
    }
    case 'kkrt':
      // Each bucket runs its own base OTs and OT extension (kkrt/bucket.ts): no state across buckets.
      return {
        bucket: (link, keys, opt) => kkrtPsiBucket(link, keys, { ...opt, selfIsDs1: o.selfIsDs1 }),
        close: () => Promise.resolve(),
      };
  }
}
