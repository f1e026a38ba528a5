// Reuse of scratch tensors. On the machines this project runs on, a fresh 8 MiB typed array costs
// far more than the arithmetic done on it (first-touch page faults: measured ~100 ms per 8 MiB
// under load versus ~0.7 ms to copy into warm memory), so kernels draw their temporaries (PRG
// draws, masked values, opened values) from a per-context pool and give them back when done.
// Contract: a tensor taken from the pool is fully overwritten before it is read (contents are
// stale), and a buffer that was SENT is never given back (its ownership moved to the receiver,
// which may pool it on its side). Results handed to callers are never pooled.
import { LIMBS, allocLimbs, makeTensor, shapeSize, type FieldType, type RingTensor } from '@sfw/ring';

const MAX_PER_SIZE = 6;
/** Buffers below this many limbs are cheap to allocate and not worth tracking. */
const MIN_LIMBS = 1 << 12;

/** What kernels need of a scratch pool; `BufferPool` is the default, a host may share its own. */
export interface ScratchPool {
  take(field: FieldType, shape: readonly number[]): RingTensor;
  give(...ts: (RingTensor | undefined)[]): void;
  clear(): void;
}

export interface BufferPoolOptions {
  /** Upper bound on the bytes kept (a pool that outlives one session, e.g. one per thread, sees many shapes). */
  maxBytes?: number;
}

export class BufferPool implements ScratchPool {
  readonly #free = new Map<number, BigUint64Array[]>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: BufferPoolOptions = {}) {
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** A tensor with stale contents (overwrite before reading). */
  take(field: FieldType, shape: readonly number[]): RingTensor {
    const limbs = shapeSize(shape) * LIMBS[field];
    const arr = limbs >= MIN_LIMBS ? this.#free.get(limbs)?.pop() : undefined;
    if (arr !== undefined) this.#bytes -= arr.byteLength;
    // allocLimbs: shared memory while ring's kernel threads are on, so the kernels on pooled
    // operands can be split over them (docs/ring.md "Kernel threads").
    return makeTensor(field, shape, arr ?? allocLimbs(limbs));
  }

  /** Return tensors whose memory nobody else references (never a sent buffer or a result). */
  give(...ts: (RingTensor | undefined)[]): void {
    for (const t of ts) {
      if (t === undefined) continue;
      const d = t.data;
      // Only whole buffers: a view into a larger buffer (e.g. half of a message) stays with its owner.
      if (d.length < MIN_LIMBS || d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength) continue;
      if (this.#bytes + d.byteLength > this.#maxBytes) continue;
      let list = this.#free.get(d.length);
      if (list === undefined) this.#free.set(d.length, (list = []));
      if (list.length < MAX_PER_SIZE && !list.includes(d)) {
        list.push(d);
        this.#bytes += d.byteLength;
      }
    }
  }

  /** Bytes currently kept. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Drop every pooled buffer (e.g. at the end of a session). */
  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}
