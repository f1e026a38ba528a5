// AES through node:crypto (OpenSSL, AES-NI): the PRG that stretches base-OT seeds into OT-extension
// columns (AES-128-CTR) and the fixed-key block cipher of the pseudorandom code (AES-128-ECB).
// OpenSSL is fastest when fed 64-256 KiB per call; a call per 16-byte block costs ~1 us of
// overhead, so every function here works on whole batches.
import { createCipheriv } from 'node:crypto';
type Cipheriv = ReturnType<typeof createCipheriv>;

/** Bytes handed to one `update` call: OpenSSL's sweet spot on this machine (docs/psi.md). */
const CHUNK = 128 * 1024;

/** A keyed pseudorandom generator: AES-128-CTR from counter 0 over an all-zero stream. */
export class AesCtrPrg {
  readonly #cipher: Cipheriv;
  constructor(seed: Uint8Array) {
    if (seed.length !== 16) throw new Error('PRG seed must be 16 bytes');
    this.#cipher = createCipheriv('aes-128-ctr', seed, Buffer.alloc(16));
  }

  /** The next `out.length` bytes of the stream, written into `out` (a multiple of 16 keeps the stream block-aligned). */
  fill(out: Uint8Array): void {
    for (let off = 0; off < out.length; off += CHUNK) {
      const len = Math.min(CHUNK, out.length - off);
      const ks = this.#cipher.update(zeros(len));
      out.set(ks, off);
    }
  }
}

let zeroBuf = Buffer.alloc(CHUNK);
function zeros(len: number): Buffer {
  if (len > zeroBuf.length) zeroBuf = Buffer.alloc(len);
  return zeroBuf.subarray(0, len);
}

/** A fixed-key AES-128 permutation applied to many 16-byte blocks at once (ECB, no padding). */
export class AesEcb {
  readonly #cipher: Cipheriv;
  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new Error('AES key must be 16 bytes');
    this.#cipher = createCipheriv('aes-128-ecb', key, null);
    this.#cipher.setAutoPadding(false);
  }

  /** out[i] = AES_k(src[i]) for every 16-byte block; `src.length` a multiple of 16. */
  encrypt(src: Uint8Array, out: Uint8Array): void {
    if (src.length % 16 !== 0) throw new Error('AES-ECB input must be whole blocks');
    for (let off = 0; off < src.length; off += CHUNK) {
      const end = Math.min(src.length, off + CHUNK);
      const ct = this.#cipher.update(src.subarray(off, end));
      out.set(ct, off);
    }
  }
}
