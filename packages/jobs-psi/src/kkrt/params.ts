// Parameters of the KKRT16 PSI (docs/psi.md "PROTOCOL_KKRT"): statistical security 40 bits,
// a 512-bit pseudorandom code, stash-less 3-way cuckoo hashing with the bin count of the PSZ18
// fit, and an output length that bounds false positives by 2^-40.
//
// Byte order: bit matrices, code words and hash inputs are read through Uint32Array views, i.e. in
// the host's byte order; the protocol is defined little-endian (bit i of a row = byte i/8, bit i%8)
// and refuses to run on a big-endian host rather than disagree with its peer.
import { endianness } from 'node:os';

export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('PROTOCOL_KKRT needs a little-endian host');
}

/** Statistical security parameter: cuckoo failure and false-positive bounds are 2^-LAMBDA. */
export const LAMBDA = 40;
/** Code width W in bits: four AES blocks (KKRT16 §4 asks for >= 424 bits at 2^20 for 128-bit security). */
export const CODE_BITS = 512;
export const CODE_BYTES = CODE_BITS / 8;
export const CODE_WORDS = CODE_BITS / 32;
/** Cuckoo hash functions. */
export const HASHES = 3;
/** Bins are processed (PRG, transpose, one link message) in slices of this many. */
export const BIN_BATCH = 1 << 15;
/** Eviction rounds before the cuckoo table reports failure. */
export const MAX_EVICTIONS = 512;

/**
 * Expansion factor e = m / n for 3 hashes and no stash, from the linear fit of Pinkas-Schneider-
 * Zohner (eprint 2016/930) that libPSI and SecretFlow use: failure probability 2^-lambda with
 * lambda = 240 e - log2 n - 256, i.e. e = (lambda + log2 n + 256) / 240 (1.317 at 2^20).
 * `kkrt/cuckoo.test.ts` re-measures the slope for this implementation's insertion.
 */
export function expansion(n: number, lambda = LAMBDA): number {
  return (lambda + Math.log2(Math.max(n, 2)) + 256) / 240;
}

/** Bins for n receiver items: ceil(e n), at least 128, rounded up to a multiple of 128 (transposes, AES blocks). */
export function binCount(n: number): number {
  const m = Math.max(128, Math.ceil(expansion(n) * n));
  return Math.ceil(m / 128) * 128;
}

/**
 * Bytes kept of each OPRF value. The receiver compares each of the sender's 3 n_S values against
 * the receiver values filed under the same hash index only, so there are at most n_R n_S
 * comparisons of independent-looking values: P[false positive] <= n_R n_S 2^-8l <= 2^-40.
 */
export function outputBytes(nReceiver: number, nSender: number): number {
  const bits = LAMBDA + Math.log2(Math.max(nReceiver, 1)) + Math.log2(Math.max(nSender, 1));
  return Math.min(16, Math.ceil(bits / 8));
}
