import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { x25519 } from '@noble/curves/ed25519.js';
import { X25519Scalar, defaultX25519Backend, hashToPoint, newSecretScalar, POINT_BYTES } from './curve.ts';

describe('X25519 blinding (Node OpenSSL) against an independent implementation (@noble/curves)', () => {
  it('sodium-native loads on this platform (the fast backend is the one tested and benchmarked)', () => {
    expect(defaultX25519Backend()).toBe('sodium-native');
  });

  for (const backend of ['sodium-native', 'node-openssl'] as const) {
    it(`${backend}: mul equals noble x25519 for random scalars and hashed points, on curve and twist`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ unit: 'grapheme' }), (sk, key) => {
          const pt = new Uint8Array(POINT_BYTES);
          hashToPoint(key, pt, 0);
          const ours = new X25519Scalar(sk, backend).mul(pt);
          expect(Buffer.from(ours)).toEqual(Buffer.from(x25519.getSharedSecret(sk, pt)));
        }),
        { numRuns: 40 },
      );
    });

    it(`${backend}: rejects low-order input points (all-zero shared secret)`, () => {
      expect(() => new X25519Scalar(newSecretScalar(), backend).mul(new Uint8Array(32))).toThrow();
    });
  }

  it('blinding commutes: a*(b*H(x)) = b*(a*H(x)), and differs from H(x) and from a*H(x)', () => {
    const a = new X25519Scalar(newSecretScalar());
    const b = new X25519Scalar(newSecretScalar());
    const keys = ['alice', 'u100283', '日本', ''];
    const ab = a.mul(b.blindKeys(keys));
    const ba = b.mul(a.blindKeys(keys));
    expect(Buffer.from(ab)).toEqual(Buffer.from(ba));
    expect(Buffer.from(ab)).not.toEqual(Buffer.from(a.blindKeys(keys)));
  });

  it('hashToPoint is SHA-256 with a domain prefix over UTF-8 (no normalisation)', () => {
    const pt = new Uint8Array(32);
    hashToPoint('émile', pt, 0);
    const expected = createHash('sha256').update('sfw-psi/ecdh-x25519/v1\0').update(Buffer.from('émile', 'utf8')).digest();
    expect(Buffer.from(pt)).toEqual(expected);
    const nfd = new Uint8Array(32);
    hashToPoint('e\u0301mile', nfd, 0);
    expect(Buffer.from(nfd)).not.toEqual(expected);
  });

  it('hashToPoint matches createHash for keys of every length in any order, including past the scratch size', () => {
    // Lengths repeat and grow past the 1 KiB scratch buffer, so cached input views are reused and replaced.
    const keys = ['', 'a', 'ab', 'a'.repeat(3000), 'b', 'ba', 'x'.repeat(1001), 'é'.repeat(700), 'cd', ''];
    const pts = new Uint8Array(32 * keys.length + 5);
    keys.forEach((k, i) => hashToPoint(k, pts, 5 + 32 * i));
    keys.forEach((k, i) => {
      const expected = createHash('sha256').update('sfw-psi/ecdh-x25519/v1\0').update(k, 'utf8').digest();
      expect(Buffer.from(pts.subarray(5 + 32 * i, 37 + 32 * i))).toEqual(expected);
    });
  });

  it('truncates to outBytes', () => {
    const s = new X25519Scalar(newSecretScalar());
    const pts = s.blindKeys(['a', 'b']);
    const full = s.mul(pts);
    const short = s.mul(pts, 16);
    expect(short.length).toBe(32);
    expect(Buffer.from(short.subarray(0, 16))).toEqual(Buffer.from(full.subarray(0, 16)));
  });
});
