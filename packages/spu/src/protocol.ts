// One record per protocol, assembled here and nowhere else (as SPU's regSemi2kProtocol registers a
// protocol's kernels once). A context, a dealer and the owner-side sharing look the record up once,
// from the config, and from then on only call through it: no other file compares protocol names.
// A new protocol is a new set of kernels under mpc/ and one more record below.
import type { ProtocolKind, ResolvedSpuConfig } from './config.ts';
import { ARITH_KINDS } from './mpc/arith-correlations.ts';
import { BOOLEAN_KINDS } from './mpc/boolean/correlations.ts';
import { CorrelationTable } from './mpc/correlation.ts';
import { ref2kCost, semi2kCost, type CostedKernel, type KernelCost } from './mpc/cost.ts';
import { MASKED_KINDS } from './mpc/masked-correlations.ts';
import { ref2kMasked, semi2kMasked } from './mpc/masked.ts';
import { ref2kNl, semi2kNl } from './mpc/nonlinear.ts';
import { PRIVATE_KINDS, ref2kPrivate, semi2kPrivate, type PrivateKernels } from './mpc/private-product.ts';
import { DOT_KINDS, ref2kDot, semi2kDot, type PrivateDotKernels } from './mpc/private-dot.ts';
import { GROUP_KINDS, ref2kGroup, semi2kGroup, type PrivateGroupKernels } from './mpc/private-group.ts';
import { ref2k } from './mpc/ref2k.ts';
import { semi2k } from './mpc/semi2k.ts';
import { additiveSharing, plainSharing, type ShareScheme } from './mpc/sharing.ts';
import type { ArithProtocol, MaskedKernels, NlKernels } from './mpc/types.ts';
import type { FieldType } from '@sfw/ring';

export interface Protocol {
  readonly name: ProtocolKind;
  /** Arithmetic kernels on additive shares (mul, matmul, truncation, opening). */
  readonly arith: ArithProtocol;
  /** The non-linear core (msb, eqz, top-bit lookup) the fixed-point numerics are written over. */
  readonly nonlinear: NlKernels;
  /** Fixed-mask matrix products. */
  readonly masked: MaskedKernels;
  /** Products of rank-held plaintext blocks with a secret (private-product.ts). */
  readonly privateProduct: PrivateKernels;
  /** Row-wise products of two rank-held plaintext blocks (private-dot.ts). */
  readonly privateDot: PrivateDotKernels;
  /** Grouped sums of one rank's block by another rank's codes, learnt by the first (private-group.ts). */
  readonly privateGroup: PrivateGroupKernels;
  /** How owners split values and receivers combine shares. */
  readonly sharing: ShareScheme;
  /**
   * The correlated randomness the kernels ask a dealer for; undefined when the protocol needs no
   * dealer. Ranks and dealer use this same table.
   */
  readonly correlations: CorrelationTable | undefined;
  /** Rounds and bytes of a kernel as a function of its dimensions, field and party count. */
  cost(kernel: CostedKernel, dims: readonly number[], field: FieldType, parties: number): KernelCost;
}

export const SEMI2K: Protocol = {
  name: 'SEMI2K',
  arith: semi2k,
  nonlinear: semi2kNl,
  masked: semi2kMasked,
  privateProduct: semi2kPrivate,
  privateDot: semi2kDot,
  privateGroup: semi2kGroup,
  sharing: additiveSharing,
  correlations: new CorrelationTable([...ARITH_KINDS, ...BOOLEAN_KINDS, ...MASKED_KINDS, ...PRIVATE_KINDS, ...DOT_KINDS, ...GROUP_KINDS]),
  cost: semi2kCost,
};

export const REF2K: Protocol = {
  name: 'REF2K',
  arith: ref2k,
  nonlinear: ref2kNl,
  masked: ref2kMasked,
  privateProduct: ref2kPrivate,
  privateDot: ref2kDot,
  privateGroup: ref2kGroup,
  sharing: plainSharing,
  correlations: undefined,
  cost: () => ref2kCost(),
};

export const PROTOCOLS: Readonly<Record<ProtocolKind, Protocol>> = { SEMI2K, REF2K };

/** The record of the configured protocol (config.ts has already checked the name). */
export function protocolOf(cfg: Pick<ResolvedSpuConfig, 'protocol'>): Protocol {
  return PROTOCOLS[cfg.protocol];
}
