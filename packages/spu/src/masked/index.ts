// Fixed-mask (SecureML section 4.1) matrix products. Importing this module registers the
// masked.* correlation kinds (ranks and the dealer thread) and installs the SpuContext methods.
import './correlations.ts';

export { MaskedMatrix } from './masked-matrix.ts';
export { maskedCost, type MaskedCost, type MaskedKernel } from './costs.ts';
export { MAX_MASKED_MATRICES, dealerMaskedCount } from './correlations.ts';
