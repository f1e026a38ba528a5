// Cost model: rounds and bytes each kernel costs, per rank, as a function of size, ring and number
// of ranks N. `bytesSent` is what EVERY rank sends to the other ranks (SEMI2K openings are
// symmetric); `dealerBytes` is what the dealer sends to the adjust rank (rank 0) in TTP mode, in
// addition to one small request message (kind + shapes as JSON) from rank 0 per correlation.
// Rounds count rank-to-rank message dependencies only: dealer traffic depends on no data and
// overlaps the opening. cost.test.ts runs every kernel on LocalHub and compares with these.
import { ELEMENT_BYTES, FIELD_BITS, type FieldType } from '@sfw/ring';

export interface KernelCost {
  readonly rounds: number;
  readonly bytesSent: number;
  readonly dealerBytes: number;
  /** Correlation requests rank 0 sends the dealer (TTP). */
  readonly dealerRequests: number;
}

/**
 * Cost of a kernel whose ranks send each other different amounts (the private kernels, where the
 * two data owners play different parts): `bytes[i][j]` is what rank i sends to rank j.
 */
export interface RankPairCost {
  readonly rounds: number;
  /** bytes[i][j]: what rank i sends to rank j. */
  readonly bytes: readonly (readonly number[])[];
  /** Bytes the dealer sends to the adjust rank (rank 0). */
  readonly dealerBytes: number;
  /** Requests rank 0 sends to the dealer. */
  readonly dealerRequests: number;
}

export type CostedKernel = 'a2p' | 'mulAA' | 'squareA' | 'squareTruncA' | 'matmulAA' | 'truncA' | 'mulTruncAA' | 'matmulTruncAA' | 'local';

/**
 * dims: [n] for elementwise kernels (n elements), [m, k, n] for matmul kernels.
 * parties: number of SPU ranks.
 */
export function semi2kCost(kernel: CostedKernel, dims: readonly number[], field: FieldType, parties: number): KernelCost {
  const eb = ELEMENT_BYTES[field];
  const peers = parties - 1;
  const [d0 = 0, d1 = 0, d2 = 0] = dims;
  switch (kernel) {
    case 'local':
      return { rounds: 0, bytesSent: 0, dealerBytes: 0, dealerRequests: 0 };
    case 'a2p': // send own share to every peer
      return { rounds: 1, bytesSent: peers * d0 * eb, dealerBytes: 0, dealerRequests: 0 };
    case 'mulAA': // open e and f (2n); dealer sends c (n)
      return { rounds: 1, bytesSent: peers * 2 * d0 * eb, dealerBytes: d0 * eb, dealerRequests: 1 };
    case 'squareA': // open e (n); dealer sends c (n)
      return { rounds: 1, bytesSent: peers * d0 * eb, dealerBytes: d0 * eb, dealerRequests: 1 };
    case 'squareTruncA': // open e, then c = x^2 + r (2n); one fused request, dealer sends c, d, rTop (3n)
      return { rounds: 2, bytesSent: peers * 2 * d0 * eb, dealerBytes: 3 * d0 * eb, dealerRequests: 1 };
    case 'matmulAA': // open E (m*k) and F (k*n); dealer sends C (m*n)
      return { rounds: 1, bytesSent: peers * (d0 * d1 + d1 * d2) * eb, dealerBytes: d0 * d2 * eb, dealerRequests: 1 };
    case 'truncA': // open c = x + r (n); dealer sends d and rTop (2n)
      return { rounds: 1, bytesSent: peers * d0 * eb, dealerBytes: 2 * d0 * eb, dealerRequests: 1 };
    case 'mulTruncAA': // open e, f, then c = xy + r (3n); one fused request, dealer sends c, d, rTop (3n)
      return { rounds: 2, bytesSent: peers * 3 * d0 * eb, dealerBytes: 3 * d0 * eb, dealerRequests: 1 };
    case 'matmulTruncAA':
      return {
        rounds: 2,
        bytesSent: peers * (d0 * d1 + d1 * d2 + d0 * d2) * eb,
        dealerBytes: 3 * d0 * d2 * eb,
        dealerRequests: 2,
      };
  }
}

/** REF2K communicates nothing. */
export function ref2kCost(): KernelCost {
  return { rounds: 0, bytesSent: 0, dealerBytes: 0, dealerRequests: 0 };
}

/** Ring bits, re-exported for docs and the bench. */
export function ringBits(field: FieldType): number {
  return FIELD_BITS[field];
}
