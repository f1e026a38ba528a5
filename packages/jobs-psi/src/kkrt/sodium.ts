// The libsodium functions the OT-based PSI uses, from sodium-native (a dependency of this package
// already, for ECDH-PSI): edwards25519 group operations for the base OTs and BLAKE2b for hashing.
import { createRequire } from 'node:module';

export interface SodiumOt {
  crypto_core_ed25519_scalar_random(r: Buffer): void;
  crypto_scalarmult_ed25519_base_noclamp(q: Buffer, n: Buffer): void;
  crypto_scalarmult_ed25519_noclamp(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_core_ed25519_add(r: Buffer, p: Buffer, q: Buffer): void;
  crypto_core_ed25519_sub(r: Buffer, p: Buffer, q: Buffer): void;
  crypto_core_ed25519_is_valid_point(p: Buffer): boolean;
  crypto_generichash(out: Buffer, input: Buffer, key?: Buffer): void;
}

let cached: SodiumOt | undefined;

/** sodium-native, or a clear error where its prebuilt addon does not load. */
export function sodium(): SodiumOt {
  if (!cached) {
    try {
      cached = createRequire(import.meta.url)('sodium-native') as SodiumOt;
    } catch (err) {
      throw new Error('PROTOCOL_KKRT needs sodium-native (libsodium) for its base OTs', { cause: err });
    }
  }
  return cached;
}
