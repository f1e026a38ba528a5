// One ECDH-PSI round over a set of unique keys (one bucket), HFH99 with both parties symmetric:
//
//   1. Each party P with secret scalar s_P hashes its keys to points H(x) (curve.ts) and sends
//      X25519(s_P, H(x)) in a fresh random order (shuffle.ts), in batches as they are computed.
//   2. Each party multiplies every received point by its own scalar: D(y) = s_P * s_Q * H(y).
//      Scalar multiplication commutes, so D is the same for a key on both sides. D is truncated to
//      COMPARE_BYTES; for a receiving peer these are sent back in the order received.
//   3. A receiver compares the returned D(x) of its own keys with the D(y) it computed for the
//      peer's points (a hash map): equal values = intersection.
//
// What each side sees: the peer's unique-key count for the bucket and random-looking points
// (DDH on Curve25519 and its twist); a receiver additionally learns which of its keys match and
// the shuffled position of the matching peer element (used only to look up duplicate counts).
// The messages of a round, byte by byte: docs/psi-wire.md.
import type { CurveEngine } from './engine.ts';
import { Tag, recvJson, recvTagged, sendJson, sendTagged, sendCounts, recvCounts } from './link.ts';
import type { PsiLink } from './link.ts';
import { POINT_BYTES } from './curve.ts';
import { randomPermutation } from './shuffle.ts';
import { CompareTable } from './match-table.ts';
import { asPacked, gatherKeys } from './packed-keys.ts';
import type { PackedKeys } from './packed-keys.ts';

/**
 * Bytes of the double-blinded point kept for comparison. 128 bits: a false match between any of
 * n1*n2 pairs has probability <= n1*n2 / 2^128 (< 2^-80 for 2^24 x 2^24); SecretFlow keeps 96.
 */
export const COMPARE_BYTES = 16;

export interface BucketOptions {
  readonly selfReceives: boolean;
  readonly peerReceives: boolean;
  /** Keys per batch sent to the curve engine and over the link. */
  readonly batchSize: number;
  /**
   * Own duplicate counts (indexed like `keys`), sent in shuffled order so a receiving peer can
   * expand duplicates without learning which keys they belong to. Only when the peer receives and
   * we do not (otherwise counts are exchanged for intersection keys only, after the PSI).
   */
  readonly sendCounts?: Int32Array;
  /** Expect the peer to send its counts (the mirror of `sendCounts`). */
  readonly expectCounts: boolean;
  readonly onBatch?: (done: number, total: number) => void;
  /** Checked between batches, so a soft time limit stops a long bucket promptly. */
  readonly signal?: AbortSignal;
}

export interface BucketResult {
  /** Per own key: whether it is in the intersection (only if we receive). */
  readonly matched: Uint8Array | null;
  /** Per own key: the peer's duplicate count for matched keys when `expectCounts` (else 0). */
  readonly peerCounts: Int32Array | null;
  /** The peer's unique-key count in this bucket (learned by both sides). */
  readonly peerSize: number;
}

export async function ecdhPsiBucket(
  link: PsiLink,
  engine: CurveEngine,
  keyList: readonly string[] | PackedKeys,
  opt: BucketOptions,
): Promise<BucketResult> {
  const keys = asPacked(keyList);
  const n = keys.count;
  const perm = randomPermutation(n);
  sendJson(link, { n });
  if (opt.sendCounts) {
    const shuffled = new Int32Array(n);
    for (let i = 0; i < n; i += 1) shuffled[i] = opt.sendCounts[perm[i]!]!;
    sendCounts(link, shuffled);
  }
  const { n: m } = await recvJson<{ n: number }>(link);
  const peerCountsShuffled = opt.expectCounts ? await recvCounts(link) : null;
  const totalWork = n + m;
  let done = 0;
  const tick = (k: number) => {
    done += k;
    opt.onBatch?.(done, totalWork);
  };

  // Step 1: blind own keys, batches dispatched at once so every pool thread is busy; sent in order.
  // The peer's points are multiplied only after the last own batch is sent: the pool does not run
  // tasks strictly in submission order, and a peer batch run ahead of an own batch held back every
  // later own batch (they are sent in order), so the peer's pool starved and the two pools ended the
  // curve phase one after the other on one core (2^20 at load 1.3: 105 s, both pools busy only for
  // the first 48 s; docs/benchmarks.md, PSI).
  let ownSent!: () => void;
  const ownDone = new Promise<void>((resolve) => (ownSent = resolve));
  const sendOwn = async () => {
    const jobs: Promise<Uint8Array>[] = [];
    for (let off = 0; off < n; off += opt.batchSize) {
      jobs.push(engine.blindKeys(gatherKeys(keys, perm, off, Math.min(n, off + opt.batchSize))));
    }
    for (const job of jobs) {
      const pts = await job;
      opt.signal?.throwIfAborted();
      sendTagged(link, Tag.Points, pts);
      tick(pts.length / POINT_BYTES);
    }
    ownSent();
  };
  // Step 2: re-blind the peer's points as they arrive.
  const peerD = new Uint8Array(m * COMPARE_BYTES);
  const reblindPeer = async () => {
    const jobs: Promise<void>[] = [];
    let got = 0;
    while (got < m) {
      const pts = await recvTagged(link, Tag.Points);
      opt.signal?.throwIfAborted();
      const at = got;
      got += pts.length / POINT_BYTES;
      jobs.push(
        ownDone.then(() => engine.mul(pts, COMPARE_BYTES)).then((d) => {
          peerD.set(d, at * COMPARE_BYTES);
          tick(d.length / COMPARE_BYTES);
        }),
      );
    }
    await Promise.all(jobs);
  };
  await Promise.all([sendOwn(), reblindPeer()]);

  if (opt.peerReceives) sendTagged(link, Tag.Points, peerD);
  if (!opt.selfReceives) return { matched: null, peerCounts: null, peerSize: m };

  // Step 3: compare the returned D(x) (own keys, shuffled order) against D(y).
  const ownD = await recvTagged(link, Tag.Points);
  if (ownD.length !== n * COMPARE_BYTES) throw new Error('PSI protocol out of step: wrong reply length');
  const table = new CompareTable(peerD);
  const matched = new Uint8Array(n);
  const peerCounts = peerCountsShuffled ? new Int32Array(n) : null;
  table.lookupAll(ownD, (i, j) => {
    const k = perm[i]!;
    matched[k] = 1;
    if (peerCounts && peerCountsShuffled) peerCounts[k] = peerCountsShuffled[j]!;
  });
  return { matched, peerCounts, peerSize: m };
}
