// RingArena: tensors allocated inside a WebAssembly memory, so kernels whose operands and `out`
// all live in the same arena run in place with no copies (the default path streams JS-owned
// tensors through WASM scratch; see docs/ring.md for both costs). Opt-in, for hot loops such as
// Beaver recombination; everything else keeps ordinary JS-owned tensors.
//
// Lifetime is explicit: `alloc` bumps a pointer, `reset()` zero-fills what was used (no stale
// shares linger) and invalidates every tensor handed out. The memory never grows, so views are
// never detached. toBytes() of an arena tensor returns a copy: a view would expose the whole
// arena (structured clone copies an entire ArrayBuffer) and WASM memory cannot be transferred.
import { MATMUL_SCRATCH, createArenaMemory } from './wasm.ts';
import { markArenaBuffer } from './arena-registry.ts';
import { LIMBS, type FieldType } from './field.ts';
import { RingError, makeTensor, shapeSize, type RingTensor } from './tensor.ts';

export class RingArena {
  readonly #buf: ArrayBuffer;
  readonly #capacity: number;
  #used = 0;

  /** capacity in bytes (at least this; the memory is whole 64 KiB pages less the matmul kernel's 12 KiB). */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0 || capacity > 2 ** 32 - 65536)
      throw new RingError('RingArena capacity must be a positive byte count below 4 GiB');
    this.#buf = createArenaMemory(capacity);
    this.#capacity = this.#buf.byteLength - MATMUL_SCRATCH; // the top is the matmul kernel's scratch
    markArenaBuffer(this.#buf);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get used(): number {
    return this.#used;
  }

  /** A zeroed tensor inside the arena (16-byte aligned). Throws RingError when the arena is full. */
  alloc(field: FieldType, shape: readonly number[]): RingTensor {
    const limbs = shapeSize(shape) * LIMBS[field];
    const start = this.#used;
    const end = start + limbs * 8;
    if (end > this.#capacity) throw new RingError(`RingArena full: ${end} of ${this.#capacity} bytes`);
    this.#used = (end + 15) & ~15;
    return makeTensor(field, shape, new BigUint64Array(this.#buf, start, limbs));
  }

  /** Copy a tensor into the arena. */
  adopt(t: RingTensor): RingTensor {
    const r = this.alloc(t.field, t.shape);
    r.data.set(t.data);
    return r;
  }

  /** Zero the used region and start over; tensors from earlier alloc calls must not be used again. */
  reset(): void {
    new Uint8Array(this.#buf, 0, this.#used).fill(0);
    this.#used = 0;
  }
}
