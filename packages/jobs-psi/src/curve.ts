// X25519 arithmetic for ECDH-PSI (HFH99: Huberman, Franklin, Hogg, "Enhancing privacy and trust
// in electronic communities", EC'99), RFC 7748 X25519.
//
// Implementation choice (measured on the 2-core dev box, CPU time per scalar mult, docs/psi.md):
//   sodium-native 5 (libsodium, prebuilt N-API addon)      40 us   <- used when it loads
//   Node crypto.diffieHellman + JWK import of the point    63 us   <- fallback
//   libsodium-wrappers (WASM)                              114 us
//   @noble/curves x25519 (pure JS BigInt)                ~1500 us
// libsodium's crypto_scalarmult works on raw 32-byte buffers, so it skips the per-point key import
// and EVP context set-up that cost Node/OpenSSL 3 a third of each operation.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PackedKeys } from './packed-keys.ts';

export const POINT_BYTES = 32;
/** Domain separation for the hash-to-point, so PSI points are never reused across protocols. */
const HASH_DOMAIN = Buffer.from('sfw-psi/ecdh-x25519/v1\0', 'utf8');
const ZERO_X = Buffer.alloc(32).toString('base64url');

export type X25519BackendName = 'sodium-native' | 'node-openssl';

interface SodiumNative {
  crypto_scalarmult(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_hash_sha256(out: Buffer, input: Buffer): void;
}

let sodiumCache: SodiumNative | null | undefined;
function loadSodium(): SodiumNative | null {
  if (sodiumCache === undefined) {
    try {
      sodiumCache = createRequire(import.meta.url)('sodium-native') as SodiumNative;
    } catch {
      sodiumCache = null; // no prebuilt addon for this platform: use Node's OpenSSL
    }
  }
  return sodiumCache;
}

/** The backend `auto` picks on this machine. */
export function defaultX25519Backend(): X25519BackendName {
  return loadSodium() ? 'sodium-native' : 'node-openssl';
}

/** A fresh secret scalar: 32 bytes from the OS CSPRNG (RFC 7748 clamps it inside X25519). */
export function newSecretScalar(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/**
 * Hash-to-point: SHA-256(domain || UTF-8(key)) read as a Montgomery u-coordinate (RFC 7748 §5
 * masks the top bit). This is SecretFlow's CURVE_25519 hash (psi/cryptor/ecc_cryptor.cc:
 * `HashToCurve = Sha256`): the u lands on Curve25519 or on its quadratic twist, each about half the
 * time. Both have a large prime-order subgroup (twist order 4*p', p' ~ 2^253, the reason
 * Curve25519 is called twist-secure), X25519's clamped scalar (a multiple of 8) clears both
 * cofactors, and the Montgomery ladder multiplies on whichever curve u belongs to, so
 * X25519(a, X25519(b, u)) = X25519(b, X25519(a, u)) holds for every u. RFC 9380 Elligator 2
 * (which always lands on the curve) costs one field exponentiation per key: ~2k/s in @noble/curves,
 * which would dominate the run, see docs/psi.md.
 */
export function hashToPoint(key: string, out: Uint8Array, offset: number): void {
  const b = Buffer.from(key, 'utf8');
  hashBytesToPoint(b, 0, b.length, out, offset);
}

/** hashToPoint of the key bytes src[from..to) (its UTF-8 for a text key). */
export function hashBytesToPoint(src: Uint8Array, from: number, to: number, out: Uint8Array, offset: number): void {
  const sodium = loadSodium();
  if (sodium) {
    // Same SHA-256, without a Hash object per key (createHash costs several us per call). The
    // domain prefix stays in the scratch buffer, and the input view for each length is made once:
    // nothing is allocated per key.
    const len = HASH_DOMAIN.length + to - from;
    if (len > hashScratch.length) {
      hashScratch = Buffer.alloc(2 * len);
      HASH_DOMAIN.copy(hashScratch, 0);
      hashViews = [];
    }
    for (let q = from, p = HASH_DOMAIN.length; q < to; q += 1, p += 1) hashScratch[p] = src[q]!;
    const input = (hashViews[len] ??= hashScratch.subarray(0, len));
    sodium.crypto_hash_sha256(hashDigest, input);
    for (let k = 0; k < 32; k += 1) out[offset + k] = hashDigest[k]!;
    return;
  }
  const h = createHash('sha256').update(HASH_DOMAIN).update(src.subarray(from, to)).digest();
  out.set(h, offset);
}
let hashScratch = Buffer.alloc(1024);
HASH_DOMAIN.copy(hashScratch, 0);
/** Views of hashScratch by input length (domain + key bytes). */
let hashViews: Buffer[] = [];
const hashDigest = Buffer.alloc(32);

/** Multiplication by one party's secret scalar, the "blinding" of ECDH-PSI. */
export class X25519Scalar {
  readonly backend: X25519BackendName;
  readonly #mulOne: (u: Buffer) => Buffer;
  readonly #in = Buffer.alloc(POINT_BYTES);

  constructor(secret: Uint8Array, backend: X25519BackendName | 'auto' = 'auto') {
    if (secret.length !== 32) throw new RangeError('an X25519 scalar is 32 bytes');
    this.backend = backend === 'auto' ? defaultX25519Backend() : backend;
    if (this.backend === 'sodium-native') {
      const sodium = loadSodium();
      if (!sodium) throw new Error('sodium-native is not available on this platform');
      const n = Buffer.from(secret);
      const q = Buffer.alloc(POINT_BYTES);
      // crypto_scalarmult clamps n (RFC 7748 decodeScalar25519) and throws on an all-zero result.
      this.#mulOne = (u) => {
        sodium.crypto_scalarmult(q, n, u);
        return q;
      };
    } else {
      // Node 20 requires `x` on a private OKP JWK but ignores it; a zero placeholder avoids
      // deriving (and exporting) the public key, which is not needed here.
      const key: KeyObject = createPrivateKey({
        key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(secret).toString('base64url'), x: ZERO_X },
        format: 'jwk',
      });
      // JWK, not DER: ~8x cheaper to import (perf-anchors §3). OpenSSL rejects an all-zero result.
      this.#mulOne = (u) =>
        diffieHellman({
          privateKey: key,
          publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: u.toString('base64url') }, format: 'jwk' }),
        });
    }
  }

  /**
   * For each 32-byte u in `points`, computes X25519(secret, u) and keeps its first `outBytes`
   * bytes. Throws if a result is the all-zero point (a low-order input): for hashed keys that has
   * probability ~2^-250; for peer-supplied points it means the peer misbehaved.
   */
  mul(points: Uint8Array, outBytes: number = POINT_BYTES): Uint8Array {
    if (points.length % POINT_BYTES !== 0) throw new RangeError('points must be 32-byte u-coordinates');
    const n = points.length / POINT_BYTES;
    const out = new Uint8Array(n * outBytes);
    // Byte loops through one scratch input instead of a Buffer view per point in and out: no
    // allocation per point (4 x 2^20 of them per job at 2^20).
    const u = this.#in;
    for (let i = 0; i < n; i += 1) {
      const at = i * POINT_BYTES;
      for (let k = 0; k < POINT_BYTES; k += 1) u[k] = points[at + k]!;
      const shared = this.#mulOne(u);
      const to = i * outBytes;
      for (let k = 0; k < outBytes; k += 1) out[to + k] = shared[k]!;
    }
    return out;
  }

  /** Hash-to-point then blind: the first ECDH-PSI message for the party's own keys (text or packed bytes). */
  blindKeys(keys: readonly string[] | PackedKeys): Uint8Array {
    if (isPacked(keys)) {
      const pts = new Uint8Array(keys.count * POINT_BYTES);
      for (let i = 0; i < keys.count; i += 1) hashBytesToPoint(keys.bytes, keys.start[i]!, keys.start[i + 1]!, pts, i * POINT_BYTES);
      return this.mul(pts);
    }
    const pts = new Uint8Array(keys.length * POINT_BYTES);
    keys.forEach((k, i) => hashToPoint(k, pts, i * POINT_BYTES));
    return this.mul(pts);
  }
}

function isPacked(keys: readonly string[] | PackedKeys): keys is PackedKeys {
  return !Array.isArray(keys);
}
