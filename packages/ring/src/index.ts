// @sfw/ring: Z_2^64 / Z_2^128 tensors and kernels, fixed-point codec, AES-CTR PRG.
// See docs/ring.md for the representation, costs and what is missing.
import { registerKernelLoader } from './backend.ts';
import { loadKernels } from './load.ts';

registerKernelLoader(loadKernels);

export { DEFAULT_FXP_BITS, ELEMENT_BYTES, FIELD_BITS, LIMBS, isFieldType, ringMask, type FieldType } from './field.ts';
export {
  RingError,
  clone,
  fill,
  fromBigInts,
  fromBytes,
  getBigInt,
  makeTensor,
  reshape,
  shapeSize,
  toBigInts,
  toBytes,
  zeros,
  type RingTensor,
} from './tensor.ts';
export { add, addPublicVec, addScalar, and, mul, mulAdd, mulPublicVec, mulScalar, neg, not, or, sub, xor } from './elementwise.ts';
export { bitAt, bitsAt, extractBits, lshr, msb, shl, shr } from './shift.ts';
export { WINOGRAD_MIN, matmul, matmulAdd, sum, transpose } from './linalg.ts';
export { beaverCombine, beaverMask, truncFinish, truncPair, type BeaverMaskOptions } from './fused.ts';
export { decode, encode, fxpRange } from './fxp.ts';
export { Prg, randomSeed, randomTensor } from './prg.ts';
export { BlockProgram, type KeyStream } from './programs.ts';
export { RingArena } from './arena.ts';
export { kernels, setKernels, type RingKernels } from './backend.ts';
export { jsKernels } from './js-kernels.ts';
export { wasmKernels, wipeRingScratch } from './wasm.ts';
export { allocLimbs, helperJobs, kernelThreads, setKernelThreads } from './threads.ts';
