// The piscina engine (curve work on worker threads) computes exactly what the inline engine does.
import { describe, expect, it } from 'vitest';
import { packStrings } from './packed-keys.ts';
import { createCurveEngine } from './engine.ts';
import { newSecretScalar } from './curve.ts';

describe('curve engine on a piscina pool', () => {
  it('blindKeys and mul match the inline engine', async () => {
    const secret = newSecretScalar();
    const pool = createCurveEngine(secret, { threads: 2 });
    const inline = createCurveEngine(secret, { threads: 0 });
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
      const [p1, p2] = await Promise.all([pool.blindKeys(packStrings(keys.slice(0, 150))), pool.blindKeys(packStrings(keys.slice(150)))]);
      const viaPool = new Uint8Array([...p1, ...p2]);
      const viaInline = await inline.blindKeys(packStrings(keys));
      expect(Buffer.from(viaPool)).toEqual(Buffer.from(viaInline));
      const view = viaInline.subarray(32, 32 * 11); // a view into a larger buffer must not be detached
      const m = await pool.mul(view, 16);
      expect(Buffer.from(m)).toEqual(Buffer.from(await inline.mul(viaInline.subarray(32, 32 * 11), 16)));
      expect(viaInline.byteLength).toBe(300 * 32);
    } finally {
      await pool.close();
      await inline.close();
    }
  });
});
