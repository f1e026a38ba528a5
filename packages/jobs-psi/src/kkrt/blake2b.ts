// BLAKE2b (RFC 7693, unkeyed) over many messages per call, in WebAssembly
// (scripts/build-blake2b-wasm.mjs). The digests are those of libsodium's crypto_generichash with
// the same output length; what changes is the cost: one call per batch instead of one native call
// per message, whose fixed overhead is most of the ~0.6 us a short message costs through
// sodium-native (docs/psi.md).
import { BLAKE2B_WASM_BASE64 } from './blake2b-wasm-bytes.ts';

// The WebAssembly global as far as it is used here: the repo's TypeScript lib (ES2023, no DOM)
// does not declare it, and a global declaration in this package would clash with the ring
// package's own when the whole repo is type-checked at once.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

export function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error('PROTOCOL_KKRT needs WebAssembly for its batch hashing and transposes');
  return api;
}

let compiled: object | undefined;
// Inputs start above the module's scratch (chaining value, padded blocks, the SIMD pair's blocks and digests).
const DATA = 1024;
const PAGE = 65536;

interface Exports {
  readonly memory: WasmMemory;
  batch(msgs: number, offs: number, count: number, out: number, outLen: number): void;
  batchPrefixed(msgs: number, offs: number, count: number, out: number, outLen: number, pre: number, preLen: number): void;
}

function isExports(x: Record<string, unknown>): x is Record<string, unknown> & Exports {
  const m = x.memory;
  return typeof x.batch === 'function' && typeof x.batchPrefixed === 'function' && typeof m === 'object' && m !== null && 'buffer' in m && 'grow' in m;
}

export interface Blake2bViews {
  /** Message bytes, message i at [offs[i], offs[i+1]). */
  readonly msgs: Uint8Array;
  readonly offs: Uint32Array;
  /** Digests after `run`, digest i at [i * outLen, (i+1) * outLen). */
  readonly out: Uint8Array;
}

export class Blake2bBatch {
  readonly #x: Exports;
  #offsAt = 0;
  #outAt = 0;
  constructor() {
    const api = wasmApi();
    compiled ??= new api.Module(Buffer.from(BLAKE2B_WASM_BASE64, 'base64'));
    const x = new api.Instance(compiled, {}).exports;
    if (!isExports(x)) throw new Error('the BLAKE2b WASM module does not export what this build expects');
    this.#x = x;
  }

  #preAt = 0;
  #preLen = 0;

  /**
   * Room for `count` messages of `msgBytes` bytes in all and their `outLen`-byte digests. The views
   * stay valid until the next `prepare`. With `prefix`, message i is hashed as prefix || message i:
   * the prefix is written once here instead of once per message.
   */
  prepare(count: number, msgBytes: number, outLen: number, prefix?: Uint8Array): Blake2bViews {
    if (outLen < 1 || outLen > 64) throw new Error('BLAKE2b digest length must be 1..64 bytes');
    this.#offsAt = (DATA + msgBytes + 7) & ~7;
    this.#outAt = this.#offsAt + 4 * (count + 1);
    this.#preAt = (this.#outAt + count * outLen + 7) & ~7;
    this.#preLen = prefix ? prefix.length : 0;
    // The prefixed message is assembled behind the prefix: room for the longest one (<= msgBytes).
    const need = prefix ? this.#preAt + prefix.length + msgBytes : this.#outAt + count * outLen;
    const mem = this.#x.memory;
    if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / PAGE));
    const buf = mem.buffer;
    if (prefix) new Uint8Array(buf, this.#preAt, prefix.length).set(prefix);
    return {
      msgs: new Uint8Array(buf, DATA, msgBytes),
      offs: new Uint32Array(buf, this.#offsAt, count + 1),
      out: new Uint8Array(buf, this.#outAt, count * outLen),
    };
  }

  /** Hashes the `count` messages laid out by the last `prepare` (offsets relative to `msgs`). */
  run(count: number, outLen: number): void {
    if (this.#preLen > 0) this.#x.batchPrefixed(DATA, this.#offsAt, count, this.#outAt, outLen, this.#preAt, this.#preLen);
    else this.#x.batch(DATA, this.#offsAt, count, this.#outAt, outLen);
  }
}
