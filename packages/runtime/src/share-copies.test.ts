import { describe, expect, it } from 'vitest';
import { ShareCopies } from './thread/share-copies.ts';

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
