// Receiver-side cuckoo hashing (KKRT16 §5, PSZ18): every item gets one of its 3 candidate bins,
// at most one item per bin, no stash. Insertion is a random walk: an evicted item moves to its next
// candidate bin, up to MAX_EVICTIONS moves per insertion; more means failure (probability below
// 2^-40 with binCount(), see params.ts) and the bucket fails rather than leak which item is left over.
import { HASHES, MAX_EVICTIONS } from './params.ts';

export interface CuckooTable {
  /** Item index per bin, -1 for an empty bin. */
  readonly binItem: Int32Array;
  /** Per item, the hash index it is filed under: fileIndex(bins, x, its bin), in item order. */
  readonly filed: Uint8Array;
}

/** Places items whose candidate bins are `bins[3i..3i+2]` into m bins; null on failure. */
export function cuckooInsert(bins: Uint32Array, n: number, m: number, maxEvictions = MAX_EVICTIONS): CuckooTable | null {
  const binItem = new Int32Array(m).fill(-1);
  const used = new Uint8Array(n);
  for (let x = 0; x < n; x += 1) {
    let cur = x;
    let h = 0;
    let placed = false;
    for (let round = 0; round <= maxEvictions; round += 1) {
      const b = bins[cur * HASHES + h]!;
      const occ = binItem[b]!;
      binItem[b] = cur;
      used[cur] = h;
      if (occ < 0) {
        placed = true;
        break;
      }
      cur = occ;
      h = (used[occ]! + 1) % HASHES;
    }
    if (!placed) return null;
  }
  // used[x] is the index of the bin x ended in; a repeated bin files under its smallest index.
  // One pass in item order here rather than a lookup of bins[3x..] per bin in the slice loop.
  for (let x = 0; x < n; x += 1) {
    const b = bins[x * HASHES + used[x]!]!;
    let h = 0;
    while (bins[x * HASHES + h] !== b) h += 1;
    used[x] = h;
  }
  return { binItem, filed: used };
}

/**
 * The hash index an item in bin b is filed under: the smallest h with bins[3x+h] = b. The sender
 * sends one value per (item, h) and replaces a repeated bin by random bytes, so filing by the
 * smallest index is what makes a common item meet its own value exactly once.
 */
export function fileIndex(bins: Uint32Array, x: number, b: number): number {
  for (let h = 0; h < HASHES; h += 1) if (bins[x * HASHES + h] === b) return h;
  throw new Error('cuckoo: item is not in one of its bins');
}
