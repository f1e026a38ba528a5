// Ring parameters shared by every kernel. SPU names its rings FM32/FM64/FM128; this project uses the
// two that SEMI2K/REF2K run on here. Defaults for fixed-point fraction bits follow SPU
// (`libspu/core/config.cc`: 18 for FM64, 26 for FM128).

export type FieldType = 'FM64' | 'FM128';

export const FIELD_BITS: Readonly<Record<FieldType, number>> = { FM64: 64, FM128: 128 };

export const DEFAULT_FXP_BITS: Readonly<Record<FieldType, number>> = { FM64: 18, FM128: 26 };

/** Number of u64 limbs per element: FM64 one, FM128 two (little-endian: low limb first). */
export const LIMBS: Readonly<Record<FieldType, 1 | 2>> = { FM64: 1, FM128: 2 };

/** Bytes per element on the wire and in memory. */
export const ELEMENT_BYTES: Readonly<Record<FieldType, number>> = { FM64: 8, FM128: 16 };

export function isFieldType(x: unknown): x is FieldType {
  return x === 'FM64' || x === 'FM128';
}

/** 2^k - 1 as a bigint (for reference math and masks). */
export function ringMask(field: FieldType): bigint {
  return (1n << BigInt(FIELD_BITS[field])) - 1n;
}
