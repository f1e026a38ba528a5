// Default SpuBackend: SEMI2K / REF2K from @sfw/spu. Loaded by URL in the threads (and in the driver
// for `cluster.get(spuObj)`) so that the rest of the runtime depends only on the SpuBackend interface.
//
// Memory reuse across runs (the main cost on these VMs is first-touch page faults: ~40 ms per fresh
// 8 MiB buffer, more than the arithmetic on it). By default @sfw/spu draws kernel temporaries from a
// pool that lives as long as one SpuContext, i.e. one `spu.run`, so every run of a rank thread would
// start cold. Here every context of this thread is lent one BufferPool (capped at
// THREAD_POOL_MAX_BYTES, since it lives for a whole task and sees many shapes), kept until the task ends (`releaseMemory`). Sharing is safe under the pool contract
// (pool.ts in @sfw/spu: a pooled buffer is referenced by nobody and is fully overwritten before it is
// read); take/give are synchronous, so concurrent runs in one thread cannot hand out a buffer twice.
import { setKernelThreads, toBytes } from '@sfw/ring';
import { BufferPool, createSpuContext, encodePrivate, importPrivate, importShare, makeShares, reconstruct, serveDealer, SecretTensor, shareOf, SpuContext } from '@sfw/spu';
import type { SpuBackend } from './spu-backend.ts';
/** Upper bound of scratch memory kept per rank thread between runs. */
export const THREAD_POOL_MAX_BYTES = 256 * 1024 * 1024;

const threadPool = new BufferPool({ maxBytes: THREAD_POOL_MAX_BYTES });

const backend: SpuBackend = {
  createSpuContext: (cfg, comm) => createSpuContext(cfg, comm, { pool: threadPool }),
  closeContext: (ctx) => {
    if (ctx instanceof SpuContext) ctx.close(); // leaves the lent pool alone
  },
  setKernelThreads,
  releaseMemory: () => {
    threadPool.clear();
  },
  serveDealer,
  makeShares: (cfg, values, shape, n) => makeShares(cfg, values as Parameters<typeof makeShares>[1], shape, n),
  reconstruct,
  importShare,
  encodePrivate: (cfg, values, shape) => encodePrivate(cfg, values as Parameters<typeof encodePrivate>[1], shape),
  importPrivate,
  exportShare: (t) => {
    if (!(t instanceof SecretTensor)) throw new TypeError('an SPU program output is not a SecretTensor');
    // No copy of a whole buffer: a program's result is never pooled (pool.ts contract), so after the
    // run this rank thread is its only owner. The runtime never writes into a held share (runs import
    // copies, reveals send copies), so outputs that alias each other are harmless. A view into a
    // larger buffer (e.g. a result that is part of a received message) is copied, into warm
    // pooled memory (the copy leaves the pool for good: it becomes the held share); toBytes copies
    // WASM arena memory itself.
    const ring = shareOf(t);
    const bytes = toBytes(ring);
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return { share: bytes, shape: t.shape };
    const own = threadPool.take(ring.field, ring.shape);
    const share = new Uint8Array(own.data.buffer, 0, own.data.byteLength);
    if (share.byteLength !== bytes.byteLength) return { share: bytes.slice(), shape: t.shape };
    share.set(bytes);
    return { share, shape: t.shape };
  },
};

export default backend;
