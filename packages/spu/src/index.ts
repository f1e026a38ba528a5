// @sfw/spu: SEMI2K additive secret sharing over Z_2^64 / Z_2^128 with a dealer, and the REF2K
// plaintext reference protocol (docs/spu.md). Layers, bottom up: mpc/ (each protocol's kernels and
// correlations, one rank environment), protocol.ts (one record per protocol), numerics/ (fixed-point
// comparison, sigmoid, division, exp/log, sqrt, inverse, reductions), context.ts (the one class SPU
// programs see). Running a program on N ranks in one thread (runLocal, shareInputs) is the
// `@sfw/spu/simulation` subpath.

// Configuration and transport contract.
export { SpuError, resolveConfig, type BeaverType, type ProtocolKind, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
export { emptyStats, type Comm, type CommStats } from './comm.ts';
export { LocalHub, type TrafficCell } from './local-hub.ts';

// What SPU programs see.
export { SpuContext, createSpuContext, type Operand, type PrivateMatmulOptions, type PublicValues, type RowRange, type SpuContextOptions } from './context.ts';
export { PrivateTensor } from './private-tensor.ts';
export { SecretTensor, shareOf } from './secret-tensor.ts';
export { MaskedMatrix } from './mpc/masked-matrix.ts';
export { SIGMOID_TYPES, type SigmoidType } from './numerics/sigmoid.ts';
export type { ArgmaxOptions } from './numerics/reduce.ts';

// Owner, receiver and dealer sides (what a runtime hosting the protocol calls).
export { encodePrivate, exportShare, importPrivate, importShare, makeShares, reconstruct, reconstructRing } from './share.ts';
export { serveDealer, type DealerHandle } from './dealer.ts';
export { BufferPool, type BufferPoolOptions, type ScratchPool } from './pool.ts';
export { PROTOCOLS, protocolOf, type Protocol } from './protocol.ts';
// Share-level building block for programs that move share buffers themselves.
export { openAll } from './mpc/open.ts';

// Cost model of the kernels (rounds and bytes as functions of ring size and length).
export { semi2kCost, ref2kCost, type CostedKernel, type KernelCost, type RankPairCost } from './mpc/cost.ts';
export { eqzACost, msbACost, type NlCost } from './mpc/nonlinear-cost.ts';
export { maskedCost, type MaskedCost, type MaskedKernel } from './mpc/masked-cost.ts';
export { privateMatmulCost, type PrivateMatmulCost } from './mpc/private-product.ts';
export { privateDotCost, type PrivateDotCost } from './mpc/private-dot.ts';
export { privateGroupCost, type PrivateGroupCost } from './mpc/private-group.ts';
