// Bit matrices for OT extension. A matrix of `rows` x `cols` bits is stored row-major in a
// Uint32Array, `cols / 32` words per row, bit c of a row at word c >>> 5, bit c & 31 (LSB first).
// On a little-endian host this is the same as byte c >>> 3, bit c & 7 of the row's bytes, which is
// how the code words and the choice vector are laid out, so both parties agree on bit order.

/**
 * Transpose: `src` has `rows` rows of `cols` bits, the result `cols` rows of `rows` bits. Both
 * dimensions are multiples of 32. Works on 32x32 blocks with the five-stage recursive swap
 * (Hacker's Delight §7-3, here in LSB-first form): stage j exchanges the high j-bit half of word k
 * with the low half of word k + j.
 */
export function transposeBits(src: Uint32Array, rows: number, cols: number, dst?: Uint32Array): Uint32Array {
  if (rows % 32 !== 0 || cols % 32 !== 0) throw new Error('bit matrix dimensions must be multiples of 32');
  const srcWords = cols >>> 5;
  const dstWords = rows >>> 5;
  const out = dst ?? new Uint32Array((cols * rows) >>> 5);
  const a = new Int32Array(32);
  for (let rb = 0; rb < dstWords; rb += 1) {
    for (let cb = 0; cb < srcWords; cb += 1) {
      let p = rb * 32 * srcWords + cb;
      for (let k = 0; k < 32; k += 1, p += srcWords) a[k] = src[p]!;
      transpose32(a);
      let q = cb * 32 * dstWords + rb;
      for (let k = 0; k < 32; k += 1, q += dstWords) out[q] = a[k]!;
    }
  }
  return out;
}

/** In-place transpose of a 32x32 bit block (a[k] bit b = M[k][b]). */
function transpose32(a: Int32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = ((a[k]! >>> j) ^ a[k + j]!) & m;
      a[k] = a[k]! ^ (t << j);
      a[k + j] = a[k + j]! ^ t;
    }
  }
}

/** dst ^= src (same length). */
export function xorInto(dst: Uint32Array, src: Uint32Array): void {
  for (let i = 0; i < dst.length; i += 1) dst[i] = dst[i]! ^ src[i]!;
}

/** View of a byte array's bytes as LE 32-bit words (copied if unaligned). */
export function words(b: Uint8Array): Uint32Array {
  if (b.byteOffset % 4 === 0 && b.byteLength % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
  const c = b.slice();
  return new Uint32Array(c.buffer, 0, c.byteLength >>> 2);
}

/** The bytes of a word array (no copy). */
export function bytes(w: Uint32Array): Uint8Array {
  return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
}
