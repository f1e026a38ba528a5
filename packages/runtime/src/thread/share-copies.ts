// Warm buffers for the per-run copies of held input shares. A run must not hand a program the held
// share itself (a kernel may send - transfer - the buffers it is given, and the share must survive
// for the next run), so every run copies its inputs. A fresh 8 MiB copy costs ~40 ms of first-touch
// page faults on these VMs versus ~1 ms into warm memory, so the copies of one run are reused by the
// next (same byte length) once the run has ended and nothing else holds them.
const MAX_PER_SIZE = 4;
/** Copies below this size are cheap to allocate and not worth keeping. */
const MIN_BYTES = 1 << 16;

export class ShareCopies {
  readonly #free = new Map<number, Uint8Array[]>();
  readonly #shared: boolean;

  /**
   * shared: make the copies in SharedArrayBuffers (a rank with kernel threads): the kernels that
   * read the program's inputs (the masking and Beaver passes of a product) then split over the
   * threads too, as they do on the rank's pooled scratch, instead of staying on the rank's thread.
   */
  constructor(options: { shared?: boolean } = {}) {
    this.#shared = options.shared ?? false;
  }

  /** A copy of `share` in (if possible) recycled memory; the contents are fully overwritten. */
  copy(share: Uint8Array): Uint8Array {
    const out = (share.byteLength >= MIN_BYTES ? this.#free.get(share.byteLength)?.pop() : undefined) ?? this.#alloc(share.byteLength);
    out.set(share);
    return out;
  }

  #alloc(bytes: number): Uint8Array {
    // 8-byte multiples only: a share's limbs are viewed as 64-bit words in place.
    return this.#shared && bytes >= MIN_BYTES && bytes % 8 === 0 ? new Uint8Array(new SharedArrayBuffer(bytes)) : new Uint8Array(bytes);
  }

  /**
   * Give back copies after a SUCCESSFUL run. A copy is kept only if it is still attached (not sent
   * away by the program) and no output shares its memory (`keep`: the buffers of the run's outputs,
   * and the shared buffers the run sent, which a send hands over without detaching them).
   */
  recycle(copies: readonly Uint8Array[], keep: ReadonlySet<ArrayBufferLike>): void {
    for (const c of copies) {
      if (c.byteLength < MIN_BYTES || c.buffer.byteLength !== c.byteLength || keep.has(c.buffer)) continue;
      let list = this.#free.get(c.byteLength);
      if (list === undefined) this.#free.set(c.byteLength, (list = []));
      if (list.length < MAX_PER_SIZE && !list.includes(c)) list.push(c);
    }
  }

  clear(): void {
    this.#free.clear();
  }
}
