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
});
