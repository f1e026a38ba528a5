// Sorting group indexes by their key string in JavaScript's string order (UTF-16 code units,
// a proper prefix first), the order both parties agree on for a sorted output. A comparator sort
// costs ~20 string compares through a JS callback per key at 2^19 keys, the largest single step of
// a KKRT job; this is an MSD sort instead: each pass packs the next few code units of every key
// in a range, with the key's position in the range, into one 64-bit word, sorts those words
// natively (a BigUint64Array without comparator), and recurses only into runs whose packed units
// tie. Keys of a run with an end-of-string marker are equal, and the position in the low bits
// keeps them in input order (the comparator sort is stable too).

/** Below this run length the plain comparator sort is cheaper than another packing pass. */
const SMALL = 24;
/** Positions inside a range must fit the low bits: 24 (latin-1 passes) or 30 (UTF-16 passes). */
const MAX_RANGE = 1 << 24;

const cmpBy = (keys: readonly string[]) => (a: number, b: number) => {
  const x = keys[a]!;
  const y = keys[b]!;
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Sorts `idx` (indexes into `keys`) in place by key, stably. */
export function sortIndexesByKey(keys: readonly string[], idx: Int32Array): Int32Array {
  const n = idx.length;
  if (n < 2) return idx;
  if (n > MAX_RANGE) return idx.sort(cmpBy(keys));
  const words = new BigUint64Array(n);
  const w32 = new Uint32Array(words.buffer);
  const tmp = new Int32Array(n);
  sortRange(keys, idx, 0, n, 0, w32, words, tmp);
  return idx;
}

function sortRange(keys: readonly string[], idx: Int32Array, lo: number, hi: number, depth: number, w32: Uint32Array, words: BigUint64Array, tmp: Int32Array): void {
  const len = hi - lo;
  if (len <= SMALL) {
    // Stable insertion sort on whole strings (equal keys keep input order).
    for (let i = lo + 1; i < hi; i += 1) {
      const v = idx[i]!;
      const kv = keys[v]!;
      let j = i - 1;
      while (j >= lo && keys[idx[j]!]! > kv) {
        idx[j + 1] = idx[j]!;
        j -= 1;
      }
      idx[j + 1] = v;
    }
    return;
  }
  // Latin-1 pass: 5 units of 8 bits (unit + 1, 0 = end of string) above 24 bits of position.
  let wide = false;
  for (let i = 0; i < len && !wide; i += 1) {
    const k = keys[idx[lo + i]!]!;
    let hiW = 0;
    let c4 = 0;
    for (let u = 0; u < 5; u += 1) {
      const p = depth + u;
      let c = 0;
      if (p < k.length) {
        c = k.charCodeAt(p) + 1;
        if (c > 255) {
          wide = true;
          break;
        }
      }
      if (u < 4) hiW = (hiW << 8) | c;
      else c4 = c;
    }
    w32[2 * (lo + i) + 1] = hiW >>> 0;
    w32[2 * (lo + i)] = ((c4 << 24) | i) >>> 0;
  }
  let units = 5;
  let posBits = 24;
  if (wide) {
    // UTF-16 pass: 2 units of 17 bits above 30 bits of position.
    units = 2;
    posBits = 30;
    for (let i = 0; i < len; i += 1) {
      const k = keys[idx[lo + i]!]!;
      const c0 = depth < k.length ? k.charCodeAt(depth) + 1 : 0;
      const c1 = depth + 1 < k.length ? k.charCodeAt(depth + 1) + 1 : 0;
      w32[2 * (lo + i) + 1] = ((c0 << 15) | (c1 >>> 2)) >>> 0;
      w32[2 * (lo + i)] = (((c1 & 3) << 30) | i) >>> 0;
    }
  }
  words.subarray(lo, hi).sort();
  const posMask = posBits === 24 ? 0xffffff : 0x3fffffff;
  for (let i = 0; i < len; i += 1) tmp[i] = idx[lo + (w32[2 * (lo + i)]! & posMask)]!;
  idx.set(tmp.subarray(0, len), lo);
  // Runs of equal packed units: recurse unless the units reached the end of the strings.
  let a = lo;
  while (a < hi) {
    const h = w32[2 * a + 1]!;
    const l = w32[2 * a]! >>> posBits;
    let b = a + 1;
    while (b < hi && w32[2 * b + 1] === h && w32[2 * b]! >>> posBits === l) b += 1;
    if (b - a > 1 && !endsWithin(h, l, units)) sortRange(keys, idx, a, b, depth + units, w32, words, tmp);
    a = b;
  }
}

/** Whether the packed units reach the end-of-string marker (then the run's keys are all equal): the last unit is 0. */
function endsWithin(h: number, l: number, units: number): boolean {
  // Latin-1: l is the 5th unit. UTF-16: the 2nd unit is ((h & 0x7fff) << 2) | l.
  return units === 5 ? l === 0 : (((h & 0x7fff) << 2) | l) === 0;
}
