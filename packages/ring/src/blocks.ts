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

/** The WASM exports as the programs see them (by name). */
export type Exports = Record<string, unknown> & { memory: { buffer: ArrayBuffer; grow(pages: number): number } };

/**
 * Run `prog` on elements [lo, hi) (l limbs each): per block, copy every input's block into scratch,
 * run the steps there (cache-resident), copy the outputs' blocks back. Blocks are 128 KiB per slot,
 * 64 KiB when more than four slots are live (the working set stays in L2; docs/ring.md).
 */
export function runBlocks(x: Exports, view: BigUint64Array | undefined, l: number, lo: number, hi: number, ins: readonly BigUint64Array[], outs: readonly BigUint64Array[], temps: number, prog: readonly Step[]): BigUint64Array {
  const slots = ins.length + outs.length + temps;
  const bb = slots <= 4 ? 131072 : 65536;
  const have = x.memory.buffer.byteLength;
  if (bb * slots > have) x.memory.grow(Math.ceil((bb * slots - have) / 65536));
  const mem = view !== undefined && view.buffer === x.memory.buffer ? view : new BigUint64Array(x.memory.buffer);
  const blk = bb / (8 * l);
  const lb = bb / 8;
  const o0 = ins.length;
  const argv: (number | bigint)[][] = prog.map((st) => new Array<number | bigint>(st.length - 1));
  for (let off = lo; off < hi; off += blk) {
    const len = Math.min(blk, hi - off);
    const a = off * l, b = (off + len) * l;
    for (let i = 0; i < ins.length; i++) mem.set((ins[i] as BigUint64Array).subarray(a, b), i * lb);
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
  return mem;
}

/**
 * Rows [i0, i1) of out (m x n) = a (m x k) . b (k x n) (+= when acc): copy those rows of a and all
 * of b (and of out when accumulating) into scratch, multiply, copy the rows back. Returns the
 * scratch bytes used. The kernel's own 12 KiB of scratch (its packed panel of b) follows out.
 */
export function runMatmul(x: Exports, l: number, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, i0: number, i1: number, k: number, n: number, acc: boolean): number {
  const rows = i1 - i0;
  const aL = rows * k * l, bL = k * n * l, oL = rows * n * l;
  const total = (aL + bL + oL) * 8 + 12288;
  const have = x.memory.buffer.byteLength;
  if (total > have) x.memory.grow(Math.ceil((total - have) / 65536));
  const mem = new BigUint64Array(x.memory.buffer);
  mem.set(a.subarray(i0 * k * l, i1 * k * l), 0);
  mem.set(b.subarray(0, bL), aL);
  if (acc) mem.set(out.subarray(i0 * n * l, i1 * n * l), aL + bL);
  else mem.fill(0n, aL + bL, aL + bL + oL);
  (x[l === 1 ? 'matmul64' : 'matmul128'] as (...v: number[]) => void)(0, aL * 8, (aL + bL) * 8, rows, k, n, (aL + bL + oL) * 8);
  out.set(mem.subarray(aL + bL, aL + bL + oL), i0 * n * l);
  return total;
}

/** AES-128-CTR keystream bytes [offset, offset + dst.length) of `seed` into dst (offset a multiple of 16; prg.ts). */
export function runPrg(cipherFor: (seed: Uint8Array, iv: Uint8Array) => { update(b: Uint8Array): Uint8Array }, seed: Uint8Array, offset: number, dst: Uint8Array): void {
  const iv = new Uint8Array(16);
  let block = Math.floor(offset / 16);
  for (let i = 15; i >= 8 && block > 0; i--) {
    iv[i] = block % 256;
    block = Math.floor(block / 256);
  }
  const c = cipherFor(seed, iv);
  const chunk = 65536;
  const zeros = new Uint8Array(chunk);
  for (let pos = 0; pos < dst.length; pos += chunk) {
    const len = Math.min(chunk, dst.length - pos);
    dst.set(c.update(len === chunk ? zeros : zeros.subarray(0, len)), pos);
  }
}
