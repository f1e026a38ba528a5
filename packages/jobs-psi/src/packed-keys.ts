// Keys as packed bytes: every key's UTF-8 bytes back to back in one byte array, with the start of
// key i at start[i] and its end at start[i + 1]. At 2^20 rows per party a JS string per key was
// 2^20 heap objects that every collection re-marked (and the sliced strings kept their CSV chunk's
// text alive); the packed form is two typed arrays, which the collector does not trace, and the
// hashing, grouping and sorting read the bytes the protocols hash anyway.
//
// Key equality is byte equality: two keys are the same key when their cell bytes are the same
// (after CSV unquoting), as a byte-string PSI compares them.

export interface PackedKeys {
  /** The keys' bytes; key i is bytes[start[i] .. start[i + 1]). */
  readonly bytes: Uint8Array;
  /** count + 1 entries are read (the array may be longer). */
  readonly start: Uint32Array;
  readonly count: number;
}

const utf8 = new TextEncoder();

/** Keys given either way, packed (the library API also takes plain strings). */
export function asPacked(keys: readonly string[] | PackedKeys): PackedKeys {
  return Array.isArray(keys) ? packStrings(keys as readonly string[]) : (keys as PackedKeys);
}

/** Packs strings as their UTF-8 bytes. */
export function packStrings(keys: readonly string[]): PackedKeys {
  const b = new PackedKeysBuilder(keys.length, keys.length * 16);
  for (const k of keys) b.pushString(k);
  return b.build();
}

/** Key i as text (tests, error-free diagnostics of key counts only: never logged). */
export function keyText(keys: PackedKeys, i: number): string {
  return Buffer.from(keys.bytes.buffer, keys.bytes.byteOffset, keys.bytes.byteLength).toString('utf8', keys.start[i]!, keys.start[i + 1]!);
}

/** All keys as strings. */
export function unpackStrings(keys: PackedKeys): string[] {
  return Array.from({ length: keys.count }, (_, i) => keyText(keys, i));
}

/** Keys `order[from..to)` of `keys`, packed in that order. */
export function gatherKeys(keys: PackedKeys, order: ArrayLike<number>, from: number, to: number): PackedKeys {
  let total = 0;
  for (let i = from; i < to; i += 1) total += keys.start[order[i]! + 1]! - keys.start[order[i]!]!;
  const bytes = new Uint8Array(total);
  const start = new Uint32Array(to - from + 1);
  let p = 0;
  for (let i = from; i < to; i += 1) {
    const k = order[i]!;
    const s = keys.start[k]!;
    const e = keys.start[k + 1]!;
    start[i - from] = p;
    if (e - s <= 32) for (let q = s; q < e; q += 1) bytes[p++] = keys.bytes[q]!;
    else {
      bytes.set(keys.bytes.subarray(s, e), p);
      p += e - s;
    }
  }
  start[to - from] = p;
  return { bytes, start, count: to - from };
}

/** An append-only packed key list, grown by doubling. */
export class PackedKeysBuilder {
  #bytes: Uint8Array;
  #start: Uint32Array;
  #count = 0;
  #used = 0;

  constructor(keysHint = 16, bytesHint = 256) {
    this.#bytes = new Uint8Array(Math.max(16, bytesHint));
    this.#start = new Uint32Array(Math.max(16, keysHint + 1));
  }

  get count(): number {
    return this.#count;
  }

  /** Room for `keys` more keys and `bytes` more bytes. */
  reserve(keys: number, bytes: number): void {
    if (this.#count + keys + 1 > this.#start.length) {
      const s = new Uint32Array(Math.max(2 * this.#start.length, this.#count + keys + 1));
      s.set(this.#start.subarray(0, this.#count + 1));
      this.#start = s;
    }
    const need = this.#used + bytes;
    if (need > this.#bytes.length) {
      if (need > 0xffffffff) throw new RangeError('packed keys exceed 4 GiB');
      const b = new Uint8Array(Math.min(0xffffffff, Math.max(2 * this.#bytes.length, need)));
      b.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = b;
    }
  }

  /** Appends src[from..to) as one key. */
  push(src: Uint8Array, from: number, to: number): void {
    const len = to - from;
    this.reserve(1, len);
    const bytes = this.#bytes;
    let p = this.#used;
    if (len <= 32) for (let q = from; q < to; q += 1) bytes[p++] = src[q]!;
    else {
      bytes.set(src.subarray(from, to), p);
      p += len;
    }
    this.#used = p;
    this.#count += 1;
    this.#start[this.#count] = p;
  }

  pushString(key: string): void {
    this.reserve(1, 3 * key.length);
    const { written } = utf8.encodeInto(key, this.#bytes.subarray(this.#used));
    this.#used += written;
    this.#count += 1;
    this.#start[this.#count] = this.#used;
  }

  /** The keys so far (views of the builder's arrays: valid until the next push). */
  view(): PackedKeys {
    return { bytes: this.#bytes, start: this.#start, count: this.#count };
  }

  /** The keys, trimmed to size. */
  build(): PackedKeys {
    return { bytes: this.#bytes.slice(0, this.#used), start: this.#start.slice(0, this.#count + 1), count: this.#count };
  }
}
