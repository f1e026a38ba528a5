// Sorting group indexes by their key in JavaScript's string order (UTF-16 code units, a proper
// prefix first), the order both parties agree on for a sorted output, over packed UTF-8 key bytes
// (packed-keys.ts). A comparator sort costs ~20 compares through a JS callback per key at 2^19
// keys; this is an MSD sort instead: each pass packs the next 4 bytes of every key in a range,
// with the key's position in the range, into one 64-bit word, sorts those words natively (a
// BigUint64Array without comparator), and recurses only into runs whose packed bytes tie. Keys of
// a run with an end-of-key marker are equal, and the position in the low bits keeps them in input
// order (stable, as the comparator sort is).
//
// UTF-8 byte order is code point order; UTF-16 order differs from it only in putting the
// supplementary planes (4-byte sequences, lead bytes F0-F4) before U+E000-U+FFFF (lead bytes EE,
// EF). Two well-formed UTF-8 keys first differ either at two lead bytes or inside two sequences of
// the same lead byte, so ranking the lead bytes F0-F4 just below EE gives exactly the string order.
// Bytes that are not UTF-8 are ranked too, so any keys get one total order.
import type { PackedKeys } from './packed-keys.ts';

/** Below this run length an insertion sort is cheaper than another packing pass. */
const SMALL = 24;
/** Positions inside a range fit the low 28 bits of a word (4 units of 9 bits above them). */
const MAX_RANGE = 1 << 28;

/** Byte -> 1..256 in UTF-16 order of the characters they start (0 = end of key). */
const RANK = (() => {
  const r = new Uint16Array(256);
  for (let b = 0; b < 256; b += 1) r[b] = b + 1;
  for (let b = 0xf0; b <= 0xf4; b += 1) r[b] = b - 0xf0 + 0xef;
  r[0xee] = 0xf4;
  r[0xef] = 0xf5;
  return r;
})();

/** Key a against key b from byte `depth` on: negative, 0 or positive. */
function compareFrom(keys: PackedKeys, a: number, b: number, depth: number): number {
  const { bytes, start } = keys;
  const sa = start[a]! + depth;
  const ea = start[a + 1]!;
  const sb = start[b]! + depth;
  const eb = start[b + 1]!;
  const la = ea - sa;
  const lb = eb - sb;
  const l = la < lb ? la : lb;
  for (let i = 0; i < l; i += 1) {
    const x = bytes[sa + i]!;
    const y = bytes[sb + i]!;
    if (x !== y) return RANK[x]! - RANK[y]!;
  }
  return la - lb;
}

/** Sorts `idx` (key indexes) in place by key, stably. */
export function sortIndexesByKey(keys: PackedKeys, idx: Int32Array): Int32Array {
  const n = idx.length;
  if (n < 2) return idx;
  if (n > MAX_RANGE) return idx.sort((a, b) => compareFrom(keys, a, b, 0) || a - b);
  const words = new BigUint64Array(n);
  const w32 = new Uint32Array(words.buffer);
  const tmp = new Int32Array(n);
  sortRange(keys, idx, 0, n, 0, w32, words, tmp);
  return idx;
}

function sortRange(keys: PackedKeys, idx: Int32Array, lo: number, hi: number, depth: number, w32: Uint32Array, words: BigUint64Array, tmp: Int32Array): void {
  const len = hi - lo;
  if (len <= SMALL) {
    // Stable insertion sort on the rest of the keys (equal keys keep input order).
    for (let i = lo + 1; i < hi; i += 1) {
      const v = idx[i]!;
      let j = i - 1;
      while (j >= lo && compareFrom(keys, idx[j]!, v, depth) > 0) {
        idx[j + 1] = idx[j]!;
        j -= 1;
      }
      idx[j + 1] = v;
    }
    return;
  }
  const { bytes, start } = keys;
  // 4 units of 9 bits (rank, 0 past the end) above 28 bits of position.
  for (let i = 0; i < len; i += 1) {
    const k = idx[lo + i]!;
    const s = start[k]! + depth;
    const e = start[k + 1]!;
    const u0 = s < e ? RANK[bytes[s]!]! : 0;
    const u1 = s + 1 < e ? RANK[bytes[s + 1]!]! : 0;
    const u2 = s + 2 < e ? RANK[bytes[s + 2]!]! : 0;
    const u3 = s + 3 < e ? RANK[bytes[s + 3]!]! : 0;
    w32[2 * (lo + i) + 1] = ((u0 << 23) | (u1 << 14) | (u2 << 5) | (u3 >>> 4)) >>> 0;
    w32[2 * (lo + i)] = (((u3 & 15) << 28) | i) >>> 0;
  }
  words.subarray(lo, hi).sort();
  for (let i = 0; i < len; i += 1) tmp[i] = idx[lo + (w32[2 * (lo + i)]! & 0xfffffff)]!;
  idx.set(tmp.subarray(0, len), lo);
  // Runs of equal packed units: recurse unless the units reached the end of the keys.
  let a = lo;
  while (a < hi) {
    const h = w32[2 * a + 1]!;
    const l = w32[2 * a]! >>> 28;
    let b = a + 1;
    while (b < hi && w32[2 * b + 1] === h && w32[2 * b]! >>> 28 === l) b += 1;
    // The last unit is 0 when the keys ended within these 4 bytes: then the run's keys are equal.
    const ended = (((h & 0x1f) << 4) | l) === 0;
    if (b - a > 1 && !ended) sortRange(keys, idx, a, b, depth + 4, w32, words, tmp);
    a = b;
  }
}
