// Scratch-tensor pool that outlives one SPU run (one per rank thread; see spu-default-backend.ts).
// Same contract and interface as @sfw/spu's per-context BufferPool (take: stale contents, fully
// overwritten before read; give: only memory nobody references, never a sent buffer or a result),
// plus a cap on the bytes it keeps, because it lives for a whole task and tasks use many shapes.
import { LIMBS, makeTensor, shapeSize, type FieldType, type RingTensor } from '@sfw/ring';
import type { ScratchPool } from '@sfw/spu';

const MAX_PER_SIZE = 6;
/** Smaller buffers are cheap to allocate (no page-fault storm) and not worth tracking. */
const MIN_LIMBS = 1 << 12;
/** Upper bound of memory kept per thread; beyond it, given-back buffers are left to the GC. */
export const THREAD_POOL_MAX_BYTES = 256 * 1024 * 1024;

export class ThreadPool implements ScratchPool {
  readonly #free = new Map<number, BigUint64Array[]>();
  #bytes = 0;

  take(field: FieldType, shape: readonly number[]): RingTensor {
    const limbs = shapeSize(shape) * LIMBS[field];
    const arr = limbs >= MIN_LIMBS ? this.#free.get(limbs)?.pop() : undefined;
    if (arr !== undefined) this.#bytes -= arr.byteLength;
    return makeTensor(field, shape, arr ?? new BigUint64Array(limbs));
  }

  give(...ts: (RingTensor | undefined)[]): void {
    for (const t of ts) {
      if (t === undefined) continue;
      const d = t.data;
      // Whole buffers only: a view into a larger buffer stays with its owner.
      if (d.length < MIN_LIMBS || d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength) continue;
      if (this.#bytes + d.byteLength > THREAD_POOL_MAX_BYTES) continue;
      let list = this.#free.get(d.length);
      if (list === undefined) this.#free.set(d.length, (list = []));
      if (list.length < MAX_PER_SIZE && !list.includes(d)) {
        list.push(d);
        this.#bytes += d.byteLength;
      }
    }
  }

  /** Bytes currently kept (tests). */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}
