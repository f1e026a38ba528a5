// Rounds and bytes of the fixed-mask kernels, per rank (same conventions as kernels/cost.ts:
// bytes each rank sends to EACH other rank; dealer bytes go to the adjust rank only).
import { ELEMENT_BYTES, type FieldType } from '@sfw/ring';

export type MaskedKernel = 'fixedMask' | 'maskedMatmul' | 'maskedMatmulT';

export interface MaskedCost {
  rounds: number;
  /** Bytes this rank sends to each other rank. */
  bytesPerPeer: number;
  /** Bytes the dealer sends to the adjust rank (rank 0). */
  dealerBytes: number;
  /** Requests rank 0 sends to the dealer. */
  dealerRequests: number;
}

/** fixedMask: dims [n, d]; maskedMatmul / maskedMatmulT: dims [b, d] or [b, d, k] (b rows used, k secret columns). */
export function maskedCost(kernel: MaskedKernel, dims: readonly number[], field: FieldType): MaskedCost {
  const eb = ELEMENT_BYTES[field];
  const [a, d, k = 1] = dims as [number, number, number?];
  switch (kernel) {
    case 'fixedMask':
      return { rounds: 1, bytesPerPeer: a * d * eb, dealerBytes: 0, dealerRequests: 1 };
    case 'maskedMatmul':
      // open F (d), then truncate the b outputs (b); dealer: Z (b) + truncation pair (2b).
      return { rounds: 2, bytesPerPeer: (d + a) * k * eb, dealerBytes: 3 * a * k * eb, dealerRequests: 2 };
    case 'maskedMatmulT':
      return { rounds: 2, bytesPerPeer: (a + d) * k * eb, dealerBytes: 3 * d * k * eb, dealerRequests: 2 };
  }
}
