// Block programs: the one loop every streamed WASM kernel runs, described as data so that a kernel
// thread (threads.ts) can run the same program on its range of elements. The functions below are
// SELF-CONTAINED (no imports, no outer names): threads.ts ships their source text to the kernel
// threads, so the main thread and the helpers execute the same code.

/**
 * One kernel call per block: the export's name, then its arguments. Numbers below -1 name slots
 * (`slot(i)` = -2 - i: the byte offset of slot i, inputs first, then outputs, then temporaries),
 * -1 (`LEN`) is the block's element count; other numbers and bigints are passed through.
 */
export type Step = readonly [string, ...(number | bigint)[]];

export const LEN = -1;
export const slot = (i: number): number => -2 - i;

/**
 * A block-program input read from an AES-128-CTR keystream instead of memory (prg.ts's stream of
 * `seed`): element i is keystream bytes [offset + 8 l i, offset + 8 l (i + 1)). The kernel threads
 * expand their own ranges from the seed, so a correlation's draws need no shared buffer at all.
 */
export interface KeyStream {
  readonly seed: Uint8Array;
  readonly offset: number;
}

/** An AES-128-CTR keystream cipher (node:crypto's: each update returns the keystream XOR its input). */
export interface CtrCipher {
  update(b: Uint8Array): Uint8Array;
}

/** node:crypto's AES-128-CTR for a key and IV (passed in: these functions import nothing). */
export type Aes = (seed: Uint8Array, iv: Uint8Array) => CtrCipher;

/** A cipher positioned at keystream byte `offset` of `seed` (cipherAt over node:crypto's AES). */
export type CipherFor = (seed: Uint8Array, offset: number) => CtrCipher;

/**
 * The native keystream binding (aes-native.ts): ctx(key) holds one AES-128-CTR context per key,
 * fill(h, offset, dst) writes keystream bytes [offset, offset + dst.byteLength) of that key straight
 * into dst (the same stream as cipherAt's), free(h) drops the key schedule at once.
 */
export interface NativeAes {
  ctx(key: Uint8Array): object;
  fill(h: object, offset: number, dst: ArrayBufferView): void;
  free(h: object): void;
}

/**
 * The keystream of `seed` from byte `offset` on (prg.ts's stream): the IV is the 128-bit big-endian
 * block counter (OpenSSL's CTR increments the whole IV), so any position is reachable directly; a
 * mid-block offset discards the block's leading bytes. The one derivation of the IV for the PRG,
 * block programs and PRG fills on the kernel threads (which receive it as source text).
 */
export function cipherAt(aes: Aes, seed: Uint8Array, offset: number): CtrCipher {
  const iv = new Uint8Array(16);
  let block = Math.floor(offset / 16);
  for (let i = 15; i >= 8 && block > 0; i--) {
    iv[i] = block % 256;
    block = Math.floor(block / 256);
  }
  const c = aes(seed, iv);
  if (offset % 16 !== 0) c.update(new Uint8Array(offset % 16));
  return c;
}

/** The WASM exports as the programs see them (by name). */
export type Exports = Record<string, unknown> & { memory: { buffer: ArrayBuffer; grow(pages: number): number } };

/**
 * Run `prog` on elements [lo, hi) (l limbs each): per block, copy every input's block into scratch,
 * run the steps there (cache-resident), copy the outputs' blocks back. Blocks are 128 KiB per slot,
 * 64 KiB when more than four slots are live (the working set stays in L2; docs/ring.md). A KeyStream
 * input's block is expanded straight into its slot: by the native binding when given (written in
 * place), else through `cipherFor` (required then: cipherAt over node:crypto's AES).
 */
export function runBlocks(x: Exports, view: BigUint64Array | undefined, l: number, lo: number, hi: number, ins: readonly (BigUint64Array | KeyStream)[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[], cipherFor?: CipherFor, native?: NativeAes): BigUint64Array {
  const slots = ins.length + outs.length + temps;
  const streamed = ins.some((t) => !(t instanceof BigUint64Array));
  // 64 KiB whenever a keystream is read: cipher.update allocates its output, and 64 KiB stays below
  // glibc's mmap threshold (prg.ts).
  const bb = slots <= 4 && !streamed ? 131072 : 65536;
  const have = x.memory.buffer.byteLength;
  if (bb * slots > have) x.memory.grow(Math.ceil((bb * slots - have) / 65536));
  const mem = view !== undefined && view.buffer === x.memory.buffer ? view : new BigUint64Array(x.memory.buffer);
  const blk = bb / (8 * l);
  const lb = bb / 8;
  const o0 = ins.length;
  const argv: (number | bigint)[][] = prog.map((st) => new Array<number | bigint>(st.length - 1));
  // Keystream inputs: one cipher each, positioned at element lo of its stream (CTR is addressable),
  // then read block after block. The native binding writes each block straight into its slot (one
  // context per stream, its key schedule cleared on return); node:crypto's returns a buffer to copy.
  const direct = streamed && native !== undefined;
  const zeros = streamed && !direct ? new Uint8Array(bb) : undefined;
  const u8 = streamed ? new Uint8Array(mem.buffer) : undefined;
  const handles: (object | undefined)[] = ins.map(() => undefined);
  try {
    const ciphers = ins.map((t, i) => {
      if (t instanceof BigUint64Array) return undefined;
      if (direct) {
        handles[i] = native.ctx(t.seed);
        return undefined;
      }
      if (cipherFor === undefined) throw new Error('a keystream input needs a cipher');
      return cipherFor(t.seed, t.offset + lo * l * 8);
    });
    for (let off = lo; off < hi; off += blk) {
      const len = Math.min(blk, hi - off);
      const a = off * l, b = (off + len) * l;
      for (let i = 0; i < ins.length; i++) {
        const c = ciphers[i], h = handles[i];
        if (h !== undefined) native!.fill(h, (ins[i] as KeyStream).offset + a * 8, u8!.subarray(i * bb, i * bb + len * l * 8));
        else if (c === undefined) mem.set((ins[i] as BigUint64Array).subarray(a, b), i * lb);
        else u8!.set(c.update(zeros!.subarray(0, len * l * 8)), i * bb);
      }
      for (let s = 0; s < prog.length; s++) {
        const st = prog[s]!, v = argv[s]!;
        for (let j = 1; j < st.length; j++) {
          const arg = st[j] as number | bigint;
          v[j - 1] = arg === -1 ? len : typeof arg === 'number' && arg < -1 ? (-2 - arg) * bb : arg;
        }
        (x[st[0]] as (...a: (number | bigint)[]) => void)(...v);
      }
      for (let i = 0; i < outs.length; i++) (outs[i] as BigUint64Array).set(mem.subarray((o0 + i) * lb, (o0 + i) * lb + len * l), a);
    }
  } finally {
    for (const h of handles) if (h !== undefined) native!.free(h);
  }
  return mem;
}

/**
 * Rows [i0, i1) of out (m x n) = a (m x k) . b (k x n) (+= when acc): copy those rows of a and all
 * of b (and of out when accumulating) into scratch, multiply, copy the rows back. Returns the
 * scratch bytes used. The kernel's own 12 KiB of scratch (its packed panel of b) follows the
 * operands (and the level blocks below).
 * While the product's rows, k and n are even with halves of at least `minHalf`, it takes a
 * Strassen-Winograd level in scratch (the identities of linalg.ts: 7 half-size products and 15
 * block additions instead of 8 products), recursively: a kernel thread's share of a 1000^3 product
 * (500 x 1000 x 1000) takes two levels, as the one-thread path's resident products do. Exact in
 * Z_2^k, so bit-identical to the direct kernel.
 */
export function runMatmul(x: Exports, winograd: typeof winogradLevel, l: number, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, i0: number, i1: number, k: number, n: number, acc: boolean, minHalf = 100): number {
  const rows = i1 - i0;
  const mm = x[l === 1 ? 'matmul64' : 'matmul128'] as (...v: number[]) => void;
  const add = x[l === 1 ? 'add64' : 'add128'] as BlockOp;
  const sub = x[l === 1 ? 'sub64' : 'sub128'] as BlockOp;
  const level = (r: number, kk: number, nn: number): boolean => r % 2 === 0 && kk % 2 === 0 && nn % 2 === 0 && Math.min(r / 2, kk / 2, nn / 2) >= minHalf;
  /** Bytes of one level's blocks (A11..A22 S1..S4 | B11..B22 T1..T4 | C11..C22 U V W) for an r x kk x nn product. */
  const blockBytes = (r: number, kk: number, nn: number): number => (8 * (r / 2) * (kk / 2) + 8 * (kk / 2) * (nn / 2) + 7 * (r / 2) * (nn / 2)) * l * 8;
  const levelsBytes = (r: number, kk: number, nn: number): number => (level(r, kk, nn) ? blockBytes(r, kk, nn) + levelsBytes(r / 2, kk / 2, nn / 2) : 0);
  const aL = rows * k * l, bL = k * n * l, oL = rows * n * l;
  const base = (aL + bL + oL) * 8;
  const total = base + levelsBytes(rows, k, n) + 12288;
  const have = x.memory.buffer.byteLength;
  if (total > have) x.memory.grow(Math.ceil((total - have) / 65536));
  const mem = new BigUint64Array(x.memory.buffer);
  mem.set(a.subarray(i0 * k * l, i1 * k * l), 0);
  mem.set(b.subarray(0, bL), aL);
  if (acc) mem.set(out.subarray(i0 * n * l, i1 * n * l), aL + bL);
  else mem.fill(0n, aL + bL, aL + bL + oL);
  // c += a . b for contiguous row-major matrices at byte offsets pa, pb, pc; level blocks from ws on.
  const product = (pa: number, pb: number, pc: number, r: number, kk: number, nn: number, ws: number): void => {
    if (!level(r, kk, nn)) {
      mm(pa, pb, pc, r, kk, nn, ws);
      return;
    }
    const h = r / 2, kh = kk / 2, nh = nn / 2;
    const aQ = h * kh * l, bQ = kh * nh * l, cQ = h * nh * l, w = ws / 8;
    const A = (i: number): number => w + i * aQ, B = (i: number): number => w + 8 * aQ + i * bQ, C = (i: number): number => w + 8 * aQ + 8 * bQ + i * cQ;
    const quarters = (src: number, rr: number, cols: number, at: (i: number) => number): void => {
      const s0 = src / 8, hr = rr / 2, hc = (cols / 2) * l, rowL = cols * l;
      for (let q = 0; q < 4; q++)
        for (let i = 0; i < hr; i++) {
          const from = s0 + ((q >> 1) * hr + i) * rowL + (q & 1) * hc;
          mem.copyWithin(at(q) + i * hc, from, from + hc);
        }
    };
    quarters(pa, r, kk, A);
    quarters(pb, kk, nn, B);
    const next = ws + blockBytes(r, kk, nn);
    winograd(add, sub, mem, A, B, C, h * kh, kh * nh, h * nh, l, (ai, bi, ci) => product(A(ai) * 8, B(bi) * 8, C(ci) * 8, h, kh, nh, next));
    const hL = nh * l;
    for (let q = 0; q < 4; q++)
      for (let i = 0; i < h; i++) {
        const d = pc + (((q >> 1) * h + i) * nn * l + (q & 1) * hL) * 8;
        add(d, (C(q) + i * hL) * 8, d, nh);
      }
  };
  product(0, aL * 8, (aL + bL) * 8, rows, k, n, base);
  out.set(mem.subarray(aL + bL, aL + bL + oL), i0 * n * l);
  return total;
}

/** An add or sub kernel of the WASM exports: o = p op q on len elements at byte offsets. */
export type BlockOp = (p: number, q: number, o: number, len: number) => void;

/**
 * The fifteen additions and seven products of one Strassen-Winograd level on blocks resident in
 * `mem` (limb offsets A(0..3) = A11..A22, B(0..3) = B11..B22 already in place; A(4..7), B(4..7) and
 * C(0..6) are scratch; an, bn, cn elements per block of A, B and C). Leaves C11..C22 in C(0..3).
 * prod(a, b, c): block C(c) += block A(a) . block B(b). Shared by the one-thread resident path
 * (wasm.ts) and runMatmul on the kernel threads, which receive it as source text, hence
 * self-contained like the rest of this file.
 */
export function winogradLevel(add: BlockOp, sub: BlockOp, mem: BigUint64Array, A: (i: number) => number, B: (i: number) => number, C: (i: number) => number, an: number, bn: number, cn: number, l: number, prod: (ai: number, bi: number, ci: number) => void): void {
  const cQ = cn * l;
  const by = (limb: number): number => limb * 8;
  add(by(A(2)), by(A(3)), by(A(4)), an); // S1 = A21 + A22
  sub(by(A(4)), by(A(0)), by(A(5)), an); // S2 = S1 - A11
  sub(by(A(0)), by(A(2)), by(A(6)), an); // S3 = A11 - A21
  sub(by(A(1)), by(A(5)), by(A(7)), an); // S4 = A12 - S2
  sub(by(B(1)), by(B(0)), by(B(4)), bn); // T1 = B12 - B11
  sub(by(B(3)), by(B(4)), by(B(5)), bn); // T2 = B22 - T1
  sub(by(B(3)), by(B(1)), by(B(6)), bn); // T3 = B22 - B12
  sub(by(B(5)), by(B(2)), by(B(7)), bn); // T4 = T2 - B21
  const zero = (ci: number): void => void mem.fill(0n, C(ci), C(ci) + cQ);
  const copy = (to: number, from: number): void => void mem.copyWithin(C(to), C(from), C(from) + cQ);
  zero(4);
  prod(0, 0, 4); // U = M1
  copy(0, 4);
  prod(1, 2, 0); // C11 = M1 + M2
  prod(5, 5, 4); // U = M1 + M6
  copy(5, 4);
  prod(6, 6, 5); // V = U + M7
  zero(6);
  prod(4, 4, 6); // W = M5
  add(by(C(5)), by(C(6)), by(C(3)), cn); // C22 = V + M5
  add(by(C(4)), by(C(6)), by(C(1)), cn); // C12 = U + M5 ...
  prod(7, 3, 1); // ... + M3
  zero(6);
  prod(3, 7, 6); // W = M4
  sub(by(C(5)), by(C(6)), by(C(2)), cn); // C21 = V - M4
}

/** AES-128-CTR keystream bytes [offset, offset + dst.length) of `seed` into dst (prg.ts); in place by the native binding when given. */
export function runPrg(cipherFor: CipherFor, seed: Uint8Array, offset: number, dst: Uint8Array, native?: NativeAes): void {
  if (native !== undefined) {
    const h = native.ctx(seed);
    try {
      native.fill(h, offset, dst);
    } finally {
      native.free(h);
    }
    return;
  }
  const c = cipherFor(seed, offset);
  const chunk = 65536;
  const zeros = new Uint8Array(chunk);
  for (let pos = 0; pos < dst.length; pos += chunk) {
    const len = Math.min(chunk, dst.length - pos);
    dst.set(c.update(len === chunk ? zeros : zeros.subarray(0, len)), pos);
  }
}
