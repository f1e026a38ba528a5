// Public face of the non-linear library (issue 4). Importing this module registers the boolean
// correlation kinds (dealer and ranks must both import it) and installs the SpuContext methods.
import '../boolean/correlations.ts';

export type { ArgmaxOptions } from './reduce.ts';
export { SIGMOID_TYPES, type SigmoidType } from './sigmoid.ts';
export { eqzACost, msbACost, type NlCost } from './costs.ts';
export { divQuotientMax, normDomainMax } from './numeric.ts';
export { ref2kNl, semi2kNl, type NlKernels } from './kernels.ts';
export * as spuBoolean from '../boolean/index.ts';
