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

describe('ShareCopies (shared)', () => {
  it('copies into shared memory, and never recycles a copy the run sent (a shared send does not detach it)', () => {
    const sc = new ShareCopies({ shared: true });
    const src = Uint8Array.from({ length: 1 << 16 }, (_, i) => (i * 7) & 255);
    const [a, b] = [sc.copy(src), sc.copy(src)];
    expect(a).toEqual(src);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    sc.recycle([a, b], new Set([b.buffer])); // b was sent: the run passes its buffer in `keep`
    expect(sc.copy(src).buffer).toBe(a.buffer);
    expect(sc.copy(src).buffer).not.toBe(b.buffer);
    expect(new ShareCopies({ shared: true }).copy(new Uint8Array(12)).buffer).toBeInstanceOf(ArrayBuffer); // small: plain
  });
});
