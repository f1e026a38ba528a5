import { describe, expect, it } from 'vitest';
import { ShareCopies } from './thread/share-copies.ts';
import { THREAD_POOL_MAX_BYTES, ThreadPool } from './thread-pool.ts';

describe('ThreadPool', () => {
  it('reuses whole buffers, ignores views and small buffers, and caps the bytes it keeps', () => {
    const pool = new ThreadPool();
    const t = pool.take('FM64', [1 << 12]);
    pool.give(t);
    expect(pool.take('FM64', [1 << 12]).data).toBe(t.data);
    const big = pool.take('FM64', [1 << 13]);
    pool.give({ ...big, data: big.data.subarray(0, 1 << 12) }, pool.take('FM64', [16]));
    expect(pool.bytes).toBe(0);
    const n = THREAD_POOL_MAX_BYTES / 8 / 4; // four buffers fill the cap
    const many = Array.from({ length: 6 }, () => pool.take('FM64', [n]));
    pool.give(...many);
    expect(pool.bytes).toBe(THREAD_POOL_MAX_BYTES);
    pool.clear();
    expect(pool.bytes).toBe(0);
  });
});

describe('ShareCopies', () => {
  it('copies exactly, and recycles only attached copies no output holds', () => {
    const sc = new ShareCopies();
    const src = Uint8Array.from({ length: 1 << 16 }, (_, i) => i & 255);
    const [a, b, c] = [sc.copy(src), sc.copy(src), sc.copy(src)];
    expect(a).toEqual(src);
    expect(a.buffer).not.toBe(src.buffer);
    structuredClone(b, { transfer: [b.buffer as ArrayBuffer] }); // b was sent away: detached
    sc.recycle([a, b, c], new Set([c.buffer]));
    expect(sc.copy(src).buffer).toBe(a.buffer);
    expect(sc.copy(src).buffer).not.toBe(c.buffer);
  });
});
