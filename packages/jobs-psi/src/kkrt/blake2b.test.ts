import { describe, expect, it } from 'vitest';
import { packStrings } from '../packed-keys.ts';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Blake2bBatch, type Blake2bViews } from './blake2b.ts';
import { sodium } from './sodium.ts';

/** Lays the messages out back to back in the batch's input, with their offsets. */
function pack(v: Blake2bViews, msgs: readonly Uint8Array[]): void {
  let p = 0;
  msgs.forEach((m, i) => {
    v.offs[i] = p;
    v.msgs.set(m, p);
    p += m.length;
  });
  v.offs[msgs.length] = p;
}

describe('BLAKE2b batch (WASM)', () => {
  it('gives libsodium crypto_generichash digests for every length 0..400 and digest lengths 16, 32, 64', () => {
    const b = new Blake2bBatch();
    const lens = Array.from({ length: 401 }, (_, i) => i);
    const msgs = lens.map((l) => randomBytes(l));
    for (const outLen of [16, 32, 64]) {
      const total = lens.reduce((a, l) => a + l, 0);
      const v = b.prepare(msgs.length, total, outLen);
      pack(v, msgs);
      b.run(msgs.length, outLen);
      msgs.forEach((m, i) => {
        const want = Buffer.alloc(outLen);
        sodium().crypto_generichash(want, m);
        expect(Buffer.from(v.out.subarray(i * outLen, (i + 1) * outLen)).toString('hex')).toBe(want.toString('hex'));
      });
    }
  });

  it('hashes prefix || message with a prefix written once (prefix lengths 0, 32, 200; message lengths 0..300)', () => {
    const b = new Blake2bBatch();
    const msgs = Array.from({ length: 301 }, (_, i) => randomBytes(i));
    const total = msgs.reduce((a, m) => a + m.length, 0);
    for (const preLen of [0, 32, 200]) {
      const prefix = randomBytes(preLen);
      const v = b.prepare(msgs.length, total, 32, prefix);
      pack(v, msgs);
      b.run(msgs.length, 32);
      msgs.forEach((m, i) => {
        const want = Buffer.alloc(32);
        sodium().crypto_generichash(want, Buffer.concat([prefix, m]));
        expect(Buffer.from(v.out.subarray(i * 32, (i + 1) * 32)).toString('hex')).toBe(want.toString('hex'));
      });
    }
  });

  it('gives the same digests through the two-message (SIMD) path: one-block pairs, a block of exactly 128 bytes, odd counts, mixed lengths', () => {
    const b = new Blake2bBatch();
    const lens = [128, 128, 127, 0, 0, 128, 129, 5, ...Array.from({ length: 493 }, (_, i) => (i * 37 + 11) % 141)];
    const msgs = lens.map((l) => randomBytes(l));
    const total = lens.reduce((a, l) => a + l, 0);
    for (const preLen of [0, 1, 32]) {
      const prefix = randomBytes(preLen);
      for (const outLen of [16, 20, 33, 64]) {
        const v = b.prepare(msgs.length, total, outLen, preLen > 0 ? prefix : undefined);
        pack(v, msgs);
        b.run(msgs.length, outLen);
        msgs.forEach((m, i) => {
          const want = Buffer.alloc(outLen);
          sodium().crypto_generichash(want, Buffer.concat([prefix, m]));
          expect(Buffer.from(v.out.subarray(i * outLen, (i + 1) * outLen)).toString('hex')).toBe(want.toString('hex'));
        });
      }
    }
  });

  it('grows its memory for large batches', () => {
    const b = new Blake2bBatch();
    const n = 40000;
    const v = b.prepare(n, n * 88, 16);
    const data = randomBytes(n * 88);
    v.msgs.set(data);
    for (let i = 0; i <= n; i += 1) v.offs[i] = i * 88;
    b.run(n, 16);
    for (const i of [0, 1, n >> 1, n - 1]) {
      const want = Buffer.alloc(16);
      sodium().crypto_generichash(want, data.subarray(i * 88, (i + 1) * 88));
      expect(Buffer.from(v.out.subarray(i * 16, i * 16 + 16)).equals(want)).toBe(true);
    }
  });

  it('src/kkrt/blake2b-wasm-bytes.ts is what the generator emits', async () => {
    const script = fileURLToPath(new URL('../../scripts/build-blake2b-wasm.mjs', import.meta.url));
    const { render } = (await import(script)) as { render: () => Promise<string> };
    const committed = await readFile(fileURLToPath(new URL('./blake2b-wasm-bytes.ts', import.meta.url)), 'utf8');
    expect(committed).toBe(await render());
  });
});

describe('KKRT hashes through the batch', () => {
  it('hashItems and RowHasher give the sodium digests of the documented inputs', async () => {
    const { hashItems } = await import('./items.ts');
    const { RowHasher } = await import('./oprf.ts');
    const hashKey = randomBytes(32);
    const keys = ['', 'a', 'id-c1234abcd-7', 'é中😀', 'x'.repeat(200), '["a","b"]'];
    const m = 1000;
    const items = hashItems(packStrings(keys), hashKey, m);
    keys.forEach((k, i) => {
      const d = Buffer.alloc(32);
      sodium().crypto_generichash(d, Buffer.concat([hashKey, Buffer.from(k, 'utf8')]));
      expect(Buffer.from(items.ids.subarray(16 * i, 16 * i + 16)).equals(d.subarray(0, 16))).toBe(true);
      for (let h = 0; h < 3; h += 1) expect(items.bins[3 * i + h]).toBe(d.readUInt32LE(16 + 4 * h) % m);
    });
    const row = new Uint32Array(16).map((_, w) => (w * 0x9e3779b1) >>> 0);
    const hasher = new RowHasher();
    hasher.start(2);
    hasher.row(0, 77, row, 0);
    hasher.row(1, 0xfffffffe, row, 0);
    const got = hasher.finish(2);
    [77, 0xfffffffe].forEach((j, i) => {
      const msg = Buffer.alloc(88);
      msg.write('sfw-psi/kkrt/oprf/v1', 0, 'utf8');
      msg.writeUInt32LE(j, 20);
      Buffer.from(row.buffer).copy(msg, 24);
      const d = Buffer.alloc(16);
      sodium().crypto_generichash(d, msg);
      expect(Buffer.from(got.subarray(16 * i, 16 * i + 16)).equals(d)).toBe(true);
    });
  });

  it('hashItems with an order puts key order[y] at item y (more keys than one hash batch)', async () => {
    const { hashItems } = await import('./items.ts');
    const { randomPermutation } = await import('../shuffle.ts');
    const hashKey = randomBytes(32);
    const keys = Array.from({ length: 20_000 }, (_, i) => (i % 97 === 0 ? 'é'.repeat(i % 7) : `k${i * 7919}`));
    const m = 26_624;
    const packed = packStrings(keys);
    const plain = hashItems(packed, hashKey, m);
    const order = randomPermutation(keys.length);
    const shuffled = hashItems(packed, hashKey, m, order);
    for (let y = 0; y < keys.length; y += 1) {
      const x = order[y]!;
      expect(Buffer.from(shuffled.ids.subarray(16 * y, 16 * y + 16)).equals(plain.ids.subarray(16 * x, 16 * x + 16))).toBe(true);
      for (let h = 0; h < 3; h += 1) expect(shuffled.bins[3 * y + h]).toBe(plain.bins[3 * x + h]);
    }
  });
});
