import { describe, expect, it } from 'vitest';
import { createCurveEngine } from './engine.ts';
import { memoryLinkPair } from './link.ts';
import type { PsiLink } from './link.ts';
import { ecdhPsiBucket, COMPARE_BYTES } from './protocol.ts';
import { newSecretScalar, POINT_BYTES } from './curve.ts';
import { packStrings } from './packed-keys.ts';

function tap(link: PsiLink, log: Uint8Array[]): PsiLink {
  return { send: (d) => (log.push(d), link.send(d)), recv: () => link.recv() };
}

describe('ecdhPsiBucket', () => {
  const A = Array.from({ length: 50 }, (_, i) => `user-${i * 2}`); // even
  const B = Array.from({ length: 40 }, (_, i) => `user-${i * 3}`); // multiples of 3
  const expectedA = A.map((k) => B.includes(k));
  const expectedB = B.map((k) => A.includes(k));

  it('finds exactly the plaintext intersection; the wire carries only blinded points of the stated sizes', async () => {
    const [la, lb] = memoryLinkPair();
    const wireA: Uint8Array[] = [];
    const wireB: Uint8Array[] = [];
    const opt = { selfReceives: true, peerReceives: true, batchSize: 16, expectCounts: false } as const;
    const [ra, rb] = await Promise.all([
      ecdhPsiBucket(tap(la, wireA), createCurveEngine(newSecretScalar(), { threads: 0 }), packStrings(A), opt),
      ecdhPsiBucket(tap(lb, wireB), createCurveEngine(newSecretScalar(), { threads: 0 }), packStrings(B), opt),
    ]);
    expect(Array.from(ra.matched!, Boolean)).toEqual(expectedA);
    expect(Array.from(rb.matched!, Boolean)).toEqual(expectedB);
    expect(ra.peerSize).toBe(40);
    // alice sent: size header, 50 blinded points (32 B), 40 double-blinded values (16 B) back.
    const body = wireA.slice(1).reduce((s, m) => s + m.length - 1, 0);
    expect(body).toBe(50 * POINT_BYTES + 40 * COMPARE_BYTES);
    // No key text and no bare hash-to-point value crosses the link.
    const all = Buffer.concat(wireA.concat(wireB));
    for (const k of [...A, ...B]) expect(all.includes(Buffer.from(k))).toBe(false);
  });

  it('a receiver-only run: the non-receiver gets nothing back, the receiver still matches', async () => {
    const [la, lb] = memoryLinkPair();
    const [ra, rb] = await Promise.all([
      ecdhPsiBucket(la, createCurveEngine(newSecretScalar(), { threads: 0 }), packStrings(A), { selfReceives: true, peerReceives: false, batchSize: 7, expectCounts: false }),
      ecdhPsiBucket(lb, createCurveEngine(newSecretScalar(), { threads: 0 }), packStrings(B), { selfReceives: false, peerReceives: true, batchSize: 7, expectCounts: false }),
    ]);
    expect(Array.from(ra.matched!, Boolean)).toEqual(expectedA);
    expect(rb.matched).toBeNull();
  });

  it('the match depends on the double blinding: a party re-blinding with a different scalar finds nothing', async () => {
    // A party that multiplies by an unrelated scalar in step 2 breaks the match: the result really
    // depends on the double blinding, not on some shortcut comparison of keys.
    const [la, lb] = memoryLinkPair();
    const sa = createCurveEngine(newSecretScalar(), { threads: 0 });
    const other = createCurveEngine(newSecretScalar(), { threads: 0 });
    const sb = createCurveEngine(newSecretScalar(), { threads: 0 });
    const bobEngine = { blindKeys: sb.blindKeys, mul: other.mul, close: sb.close };
    const opt = { selfReceives: true, peerReceives: true, batchSize: 16, expectCounts: false } as const;
    const [ra] = await Promise.all([ecdhPsiBucket(la, sa, packStrings(A), opt), ecdhPsiBucket(lb, bobEngine, packStrings(B), opt)]);
    expect(Array.from(ra.matched!).every((m) => m === 0)).toBe(true);
  });
});
