// PRG: the keystream is AES-128-CTR (checked against the FIPS-197 / SP 800-38A vector and a
// BigInt-free recomputation), same seed -> same stream, offsets resume mid-stream, chunking is
// invisible, and bytes/tensor views are zero-copy.
import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { Prg, fromBytes, randomSeed, randomTensor, toBytes, zeros } from './index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('Prg', () => {
  it('first block is AES-128(seed, 0^128) (FIPS-197 appendix C.1 style check)', () => {
    // Key 000102...0f encrypting the all-zero block: cross-checked with an ECB encryption.
    const seed = Uint8Array.from({ length: 16 }, (_, i) => i);
    const ecb = createCipheriv('aes-128-ecb', seed, null).setAutoPadding(false);
    const expected = ecb.update(new Uint8Array(16));
    expect(hex(new Prg(seed).bytes(16))).toBe(hex(expected));
    // Block 1 = AES(seed, counter 1).
    const ctr1 = new Uint8Array(16);
    ctr1[15] = 1;
    const ecb2 = createCipheriv('aes-128-ecb', seed, null).setAutoPadding(false);
    expect(hex(new Prg(seed).bytes(32).subarray(16))).toBe(hex(ecb2.update(ctr1)));
  });

  it('same seed gives the same stream regardless of call sizes and chunking', () => {
    const seed = randomSeed();
    const one = new Prg(seed).bytes(700_000); // > two 256 KiB chunks
    const p = new Prg(seed);
    const parts = [p.bytes(3), p.bytes(262_150), p.bytes(1), p.bytes(700_000 - 262_154)];
    expect(hex(Buffer.concat(parts))).toBe(hex(one));
    expect(p.offset).toBe(700_000);
    for (const off of [0, 5, 16, 17, 262_144, 300_001]) expect(hex(new Prg(seed, off).bytes(64))).toBe(hex(one.subarray(off, off + 64)));
  });

  it('different seeds give different streams; fillRing consumes 8 / 16 bytes per element', () => {
    const a = new Prg(randomSeed()), b = new Prg(randomSeed());
    expect(hex(a.bytes(32))).not.toBe(hex(b.bytes(32)));
    const seed = randomSeed();
    const ref = new Prg(seed).bytes(24 + 48);
    const p = new Prg(seed);
    const t64 = p.fillRing('FM64', 3);
    const t128 = p.fillRing('FM128', 3, [3, 1]);
    expect(hex(toBytes(t64))).toBe(hex(ref.subarray(0, 24)));
    expect(hex(toBytes(t128))).toBe(hex(ref.subarray(24)));
    expect(t128.shape).toEqual([3, 1]);
    expect(p.offset).toBe(72);
  });

  it('split hands out the next regions of the stream and moves past them (any interleaving)', () => {
    const seed = randomSeed();
    const whole = new Prg(seed).bytes(3 + 1000 + 40 + 17 + 50);
    const p = new Prg(seed);
    const head = p.bytes(3); // a mid-block position
    const [a, b, c] = p.split([1000, 40, 17]);
    const tail = p.bytes(50);
    const cb = c!.bytes(17), ab1 = a!.bytes(600), bb = b!.bytes(40), ab2 = a!.bytes(400);
    expect(hex(Uint8Array.from([...head, ...ab1, ...ab2, ...bb, ...cb, ...tail]))).toBe(hex(whole));
    expect(p.offset).toBe(whole.length);
    expect(() => p.split([-1])).toThrow(/non-negative/);
  });

  it('rejects a seed that is not 16 bytes', () => {
    expect(() => new Prg(new Uint8Array(15))).toThrow(/16 bytes/);
  });

  it('randomSeed / randomTensor are CSPRNG output (distinct draws, full 64-bit words)', () => {
    expect(hex(randomSeed())).not.toBe(hex(randomSeed()));
    const t = randomTensor('FM64', [256]);
    expect(new Set(t.data).size).toBe(256);
    expect([...t.data].some((v) => v >= 1n << 63n)).toBe(true);
  });
});

describe('toBytes / fromBytes', () => {
  it('are zero-copy views and round-trip little-endian limbs', () => {
    const t = zeros('FM128', [2, 2]);
    const b = toBytes(t);
    expect(b.byteLength).toBe(64);
    b[16] = 7; // element 1, low limb, lowest byte
    b[31] = 0x80; // element 1, high limb, top byte
    expect(t.data[2]).toBe(7n);
    expect(t.data[3]).toBe(1n << 63n);
    const back = fromBytes('FM128', b, [2, 2]);
    expect(back.data.buffer).toBe(t.data.buffer);
    back.data[0] = 9n;
    expect(t.data[0]).toBe(9n);
  });

  it('copies once when the byte view is not 8-aligned, and checks whole elements', () => {
    const raw = new Uint8Array(17);
    raw[1] = 5;
    const t = fromBytes('FM64', raw.subarray(1), [2]);
    expect(t.data[0]).toBe(5n);
    expect(() => fromBytes('FM64', new Uint8Array(12))).toThrow(/whole number/);
  });
});
