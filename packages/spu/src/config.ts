// SPU runtime configuration (docs/contracts.md "spu"): the public shape is SpuConfig; inside the
// package everything works on ResolvedSpuConfig (defaults applied once, validated once).
import { DEFAULT_FXP_BITS, FIELD_BITS, type FieldType } from '@sfw/ring';

/** The protocols this package implements (one record each in protocol.ts). */
export const PROTOCOL_KINDS = ['SEMI2K', 'REF2K'] as const;
export type ProtocolKind = (typeof PROTOCOL_KINDS)[number];
export type BeaverType = 'TTP' | 'TFP';

export interface SpuConfig {
  protocol: ProtocolKind;
  field: FieldType;
  /** 0 selects the SPU default for the field (18 for FM64, 26 for FM128). */
  fxpFractionBits: number;
  /** TTP: a dealer endpoint that holds no party data. TFP: rank 0 deals (insecure, opt-in only). */
  beaverType: BeaverType;
  /**
   * Receives security warnings (e.g. "TFP is insecure"). Packages never import a logger; the
   * runtime passes its logger here. Messages never contain data, shares or seeds.
   */
  onWarning?: (message: string) => void;
}

export interface ResolvedSpuConfig {
  readonly protocol: ProtocolKind;
  readonly field: FieldType;
  readonly fxpBits: number;
  readonly beaverType: BeaverType;
  readonly onWarning: (message: string) => void;
}

export class SpuError extends Error {
  override readonly name = 'SpuError';
}

export function resolveConfig(cfg: SpuConfig | ResolvedSpuConfig): ResolvedSpuConfig {
  if ('fxpBits' in cfg) return cfg;
  if (!(PROTOCOL_KINDS as readonly string[]).includes(cfg.protocol)) throw new SpuError(`spu config: protocol must be one of ${PROTOCOL_KINDS.join(', ')}`);
  if (cfg.field !== 'FM64' && cfg.field !== 'FM128') throw new SpuError(`spu config: field must be FM64 or FM128`);
  if (cfg.beaverType !== 'TTP' && cfg.beaverType !== 'TFP') throw new SpuError(`spu config: beaverType must be TTP or TFP`);
  const k = FIELD_BITS[cfg.field];
  const f = cfg.fxpFractionBits === 0 ? DEFAULT_FXP_BITS[cfg.field] : cfg.fxpFractionBits;
  // Fixed-point products are formed before truncation, so 2f bits of fraction plus sign and the
  // truncation headroom (|x| < 2^(k-2)) must fit in k bits.
  if (!Number.isInteger(f) || f < 1 || 2 * f > k - 4) throw new SpuError(`spu config: fxpFractionBits must be an integer in [1, ${(k - 4) >> 1}] for ${cfg.field}`);
  return {
    protocol: cfg.protocol,
    field: cfg.field,
    fxpBits: f,
    beaverType: cfg.beaverType,
    onWarning: cfg.onWarning ?? (() => undefined),
  };
}
