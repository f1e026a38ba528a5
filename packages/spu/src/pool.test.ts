import { describe, expect, it } from 'vitest';
import { createSpuContext } from './context.ts';
import { LocalHub } from './local-hub.ts';
import { BufferPool } from './pool.ts';

describe('scratch pool ownership', () => {
  const cfg = { protocol: 'REF2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } as const;

  it('close() clears a context-owned pool but leaves a lent pool to its host', () => {
    const lent = new BufferPool();
    let cleared = 0;
    lent.clear = () => void (cleared += 1);
    const hub = new LocalHub(2);
    const borrowed = createSpuContext(cfg, hub.endpoint(0), { pool: lent });
    expect(borrowed.env.pool).toBe(lent);
    borrowed.close();
    expect(cleared).toBe(0);

    const own = createSpuContext(cfg, hub.endpoint(1));
    expect(own.env.pool).not.toBe(lent);
    own.close();
  });

  it('reuses whole buffers, ignores views and small buffers, and caps the bytes it keeps', () => {
    const cap = 32 * 1024 * 1024;
    const pool = new BufferPool({ maxBytes: cap });
    const t = pool.take('FM64', [1 << 12]);
    pool.give(t);
    expect(pool.take('FM64', [1 << 12]).data).toBe(t.data);
    const big = pool.take('FM64', [1 << 13]);
    pool.give({ ...big, data: big.data.subarray(0, 1 << 12) }, pool.take('FM64', [16]));
    expect(pool.bytes).toBe(0);
    const n = cap / 8 / 4; // four buffers fill the cap
    const many = Array.from({ length: 6 }, () => pool.take('FM64', [n]));
    pool.give(...many);
    expect(pool.bytes).toBe(cap);
    pool.clear();
    expect(pool.bytes).toBe(0);
  });
});
