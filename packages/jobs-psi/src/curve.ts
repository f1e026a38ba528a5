// X25519 arithmetic for ECDH-PSI (HFH99: Huberman, Franklin, Hogg, "Enhancing privacy and trust
// in electronic communities", EC'99), on Node's OpenSSL X25519 (RFC 7748).
//
// Implementation choice (measured on the 2-core dev box, see docs/psi.md): Node's
// `crypto.diffieHellman` with the peer point imported as a JWK does ~16.7k scalar mults/s per
// core; @noble/curves' pure-JS `x25519` does ~0.66k/s (25x slower); DER/SPKI import is ~8x
// slower than JWK. So points go through JWK, and the private scalar is a KeyObject built once.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const POINT_BYTES = 32;
/** Domain separation for the hash-to-point, so PSI points are never reused across protocols. */
const HASH_DOMAIN = Buffer.from('sfw-psi/ecdh-x25519/v1\0', 'utf8');
const ZERO_X = Buffer.alloc(32).toString('base64url');

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
  const h = createHash('sha256').update(HASH_DOMAIN).update(key, 'utf8').digest();
  out.set(h, offset);
}

/** Multiplication by one party's secret scalar, the "blinding" of ECDH-PSI. */
export class X25519Scalar {
  readonly #key: KeyObject;

  constructor(secret: Uint8Array) {
    if (secret.length !== 32) throw new RangeError('an X25519 scalar is 32 bytes');
    // Node 20 requires `x` on a private OKP JWK but ignores it; a zero placeholder avoids
    // deriving (and exporting) the public key, which is not needed here.
    this.#key = createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(secret).toString('base64url'), x: ZERO_X },
      format: 'jwk',
    });
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
    const pts = Buffer.from(points.buffer, points.byteOffset, points.byteLength);
    for (let i = 0; i < n; i += 1) {
      const x = pts.toString('base64url', i * POINT_BYTES, (i + 1) * POINT_BYTES);
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
      const shared = diffieHellman({ privateKey: this.#key, publicKey });
      out.set(outBytes === POINT_BYTES ? shared : shared.subarray(0, outBytes), i * outBytes);
    }
    return out;
  }

  /** Hash-to-point then blind: the first ECDH-PSI message for the party's own keys. */
  blindKeys(keys: readonly string[]): Uint8Array {
    const pts = new Uint8Array(keys.length * POINT_BYTES);
    keys.forEach((k, i) => hashToPoint(k, pts, i * POINT_BYTES));
    return this.mul(pts);
  }
}
