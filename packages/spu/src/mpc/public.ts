// Helpers for public operands shared by both protocols.
import { FIELD_BITS, addPublicVec, addScalar, mulPublicVec, mulScalar, type RingTensor } from '@sfw/ring';

export function addPublic(x: RingTensor, p: RingTensor | bigint): RingTensor {
  return typeof p === 'bigint' ? addScalar(x, p) : addPublicVec(x, p);
}

export function mulPublic(x: RingTensor, p: RingTensor | bigint): RingTensor {
  return typeof p === 'bigint' ? mulScalar(x, p) : mulPublicVec(x, p);
}

/** 2^e as a ring constant. */
export function pow2(field: RingTensor['field'], e: number): bigint {
  return BigInt.asUintN(FIELD_BITS[field], 1n << BigInt(e));
}
