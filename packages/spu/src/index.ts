// @sfw/spu: SEMI2K additive secret sharing over Z_2^64 / Z_2^128 with a dealer, and the REF2K
// plaintext reference protocol. See docs/spu.md.
import './correlations.ts';
// The boolean/non-linear library (src/nonlinear, another owner): importing it here registers its
// correlation kinds on every endpoint that loads the package (ranks AND the dealer thread) and
// installs its SpuContext methods.
import './nonlinear/index.ts';

export type { Comm, CommStats } from './comm.ts';
export { dealerRank, emptyStats } from './comm.ts';
export { LocalHub, type TrafficCell } from './local-hub.ts';
export { SpuError, resolveConfig, type BeaverType, type ProtocolKind, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
export {
  asRecord,
  getCorrelation,
  parseBits,
  parseDims,
  registerCorrelation,
  registeredCorrelations,
  type CorrelationSpec,
  type PartLayout,
  type Parts,
  type Sharing,
} from './correlation.ts';
export { CorrelationSource, type Correlation } from './correlation-source.ts';
export { ADJUST_RANK } from './dealer-core.ts';
export { serveDealer, type DealerHandle } from './dealer.ts';
export { SecretTensor, shareOf } from './secret-tensor.ts';
export { exportShare, importShare, makeShares, reconstruct, reconstructRing } from './share.ts';
export { SpuContext, createSpuContext, type Operand, type PublicValues, type RowRange, type SpuContextOptions } from './context.ts';
export { BufferPool, type BufferPoolOptions, type ScratchPool } from './pool.ts';
export type { ArithProtocol, KernelEnv } from './kernels/types.ts';
export { holdsConstants } from './kernels/types.ts';
export { openAll, broadcastShare } from './kernels/open.ts';
export { semi2k } from './kernels/semi2k.ts';
export { ref2k } from './kernels/ref2k.ts';
export { semi2kCost, ref2kCost, type CostedKernel, type KernelCost } from './kernels/cost.ts';
export { runKernelLocal, runLocal, shareInputs, type LocalRun } from './harness.ts';
export * from './nonlinear/index.ts';
import './masked/index.ts';
export * from './masked/index.ts';
