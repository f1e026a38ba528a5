// Duplicate keys: PSI runs on unique keys; each unique key keeps the list of its rows (in input
// order) so the output can expand duplicates as a per-key cartesian product (SecretFlow's
// input_ds*_keys_duplicated semantics).
import type { BucketRows } from './keystore.ts';
import { sortIndexesByKey } from './key-sort.ts';
import { PackedKeysBuilder } from './packed-keys.ts';
import type { PackedKeys } from './packed-keys.ts';

export interface BucketGroups {
  /** Unique keys, in first-appearance order, packed (one contiguous run of bytes). */
  readonly keys: PackedKeys;
  /** CSR: rows of group g are rowOrder[start[g] .. start[g+1]). */
  readonly start: Int32Array;
  readonly rowOrder: Int32Array;
  readonly maxCount: number;
}

export function groupRows(rows: BucketRows): BucketGroups {
  const { bytes, start: ks } = rows.keys;
  const n = rows.keys.count;
  const rowGroup = new Int32Array(n);
  // Open addressing over a hash of the key bytes, sized once from the row count (load <= 1/2).
  // Each slot keeps its key's full 32-bit hash next to the group's first row, so a probe that
  // passes an occupied slot compares two integers and compares bytes only when the hashes agree.
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(2 * cap); // [first row + 1 (0 = empty), hash] per slot
  const firstRow = new Int32Array(n);
  let groups = 0;
  for (let r = 0; r < n; r += 1) {
    const s0 = ks[r]!;
    const e0 = ks[r + 1]!;
    const hk = bytesHash(bytes, s0, e0);
    let s = hk & mask;
    let g: number;
    for (;;) {
      const e = slots[2 * s]!;
      if (e === 0) {
        g = groups;
        firstRow[groups++] = r;
        slots[2 * s] = r + 1;
        slots[2 * s + 1] = hk;
        break;
      }
      if (slots[2 * s + 1] === hk && sameBytes(bytes, ks[e - 1]!, ks[e]!, s0, e0)) {
        g = rowGroup[e - 1]!;
        break;
      }
      s = (s + 1) & mask;
    }
    rowGroup[r] = g;
  }
  const start = new Int32Array(groups + 1);
  for (let r = 0; r < n; r += 1) start[rowGroup[r]! + 1]! += 1;
  let maxCount = 0;
  for (let g = 0; g < groups; g += 1) {
    maxCount = Math.max(maxCount, start[g + 1]!);
    start[g + 1]! += start[g]!;
  }
  const fill = start.slice(0, groups);
  const rowOrder = new Int32Array(n);
  for (let r = 0; r < n; r += 1) rowOrder[fill[rowGroup[r]!]!++] = r;
  // The unique keys packed in group order: with unique input keys that is one copy of the bytes.
  let keys: PackedKeys;
  if (groups === n) keys = { bytes: bytes.subarray(ks[0]!, ks[n]!), start: ks[0] === 0 ? ks.subarray(0, n + 1) : ks.map((v) => v - ks[0]!).subarray(0, n + 1), count: n };
  else {
    const b = new PackedKeysBuilder(groups, ks[n]! - ks[0]!);
    for (let g = 0; g < groups; g += 1) b.push(bytes, ks[firstRow[g]!]!, ks[firstRow[g]! + 1]!);
    keys = b.build();
  }
  return { keys, start, rowOrder, maxCount };
}

function sameBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i += 1) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/** FNV-1a over the key bytes with a final mix (the table index only; equality decides). */
function bytesHash(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i += 1) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** Groups kept for the output, across buckets: key, own rows (byte ranges), peer duplicate count. */
export class GroupList {
  readonly #keys = new PackedKeysBuilder();
  // Typed arrays grown by doubling rather than number[] pushes (2^20 rows per party at 2^20):
  // no per-element boxing or elements-kind changes, and the collector has no element to trace.
  // The arrays may be longer than what is filled: read start[0..size], rows [0..totalRows).
  #start = new Int32Array(16);
  #rowOffset = new Float64Array(16);
  #rowLength = new Int32Array(16);
  #peerCount = new Int32Array(16);
  #rows = 0;

  /** CSR: rows of group g are [start[g], start[g+1]) of rowOffset / rowLength. */
  get start(): Int32Array {
    return this.#start;
  }
  get rowOffset(): Float64Array {
    return this.#rowOffset;
  }
  get rowLength(): Int32Array {
    return this.#rowLength;
  }
  /** The peer's duplicate count per group (settable: party.ts fills it after the counts exchange). */
  get peerCount(): Int32Array {
    return this.#peerCount;
  }

  /** The keys so far, group g's at g (a view: valid until the next add). */
  get keys(): PackedKeys {
    return this.#keys.view();
  }

  /** Adds group `group` of a bucket (its key is `g.keys`' entry `group`). */
  add(rows: BucketRows, g: BucketGroups, group: number, peerCount: number): void {
    const k = this.#keys.count;
    const from = g.start[group]!;
    const to = g.start[group + 1]!;
    if (k + 2 > this.#start.length) {
      this.#start = grow(this.#start, 2 * (k + 2));
      this.#peerCount = grow(this.#peerCount, 2 * (k + 2));
    }
    if (this.#rows + (to - from) > this.#rowOffset.length) {
      const cap = 2 * (this.#rows + (to - from));
      this.#rowOffset = grow(this.#rowOffset, cap);
      this.#rowLength = grow(this.#rowLength, cap);
    }
    this.#keys.push(g.keys.bytes, g.keys.start[group]!, g.keys.start[group + 1]!);
    for (let i = from; i < to; i += 1) {
      const r = g.rowOrder[i]!;
      this.#rowOffset[this.#rows] = rows.offsets[r]!;
      this.#rowLength[this.#rows] = rows.lengths[r]!;
      this.#rows += 1;
    }
    this.#start[k + 1] = this.#rows;
    this.#peerCount[k] = peerCount;
  }

  get size(): number {
    return this.#keys.count;
  }

  rowCount(group: number): number {
    return this.start[group + 1]! - this.start[group]!;
  }

  get totalRows(): number {
    return this.#rows;
  }

  /** Group order for the output: by key (both parties agree) or by first input row. */
  order(byKey: boolean): Int32Array {
    const idx = new Int32Array(this.size);
    for (let i = 0; i < idx.length; i += 1) idx[i] = i;
    // By key: the packed-prefix MSD sort (key-sort.ts), the same order as comparing the key strings.
    if (byKey) {
      sortIndexesByKey(this.#keys.view(), idx);
    } else {
      // Groups are added bucket by bucket in first-row order, so one bucket needs no sort at all.
      const first = (g: number) => this.rowOffset[this.start[g]!]!;
      let sorted = true;
      for (let i = 1; i < idx.length && sorted; i += 1) sorted = first(i - 1) <= first(i);
      if (!sorted) idx.sort((a, b) => first(a) - first(b));
    }
    return idx;
  }
}

function grow<T extends Int32Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}
