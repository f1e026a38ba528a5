// The OT building blocks against their definitions: bit transpose, base-OT chosen-bit property,
// the OT-extension identity q_j ^ t_j = C(x_j) & s, and the OPRF agreeing exactly on equal inputs.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { transposeBits } from './bits.ts';
import { baseOtReceive, baseOtSenderFinish, baseOtSenderStart, OT_KEY } from './base-ot.ts';
import { PseudorandomCode } from './items.ts';
import { OprfReceiver, OprfSender, RowHasher } from './oprf.ts';
import { CODE_BITS, CODE_WORDS } from './params.ts';

const bit = (w: Uint32Array, rowWords: number, r: number, c: number) => (w[r * rowWords + (c >>> 5)]! >>> (c & 31)) & 1;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('bit transpose', () => {
  it('moves bit (r, c) to (c, r) for a 96 x 160 matrix, and back', () => {
    const src = new Uint32Array(randomBytes(96 * 20).buffer.slice(0));
    const t = transposeBits(src, 96, 160);
    for (let r = 0; r < 96; r += 1) for (let c = 0; c < 160; c += 1) expect(bit(t, 3, c, r)).toBe(bit(src, 5, r, c));
    expect(Array.from(transposeBits(t, 160, 96))).toEqual(Array.from(src));
  });
});

describe('base OT (Chou-Orlandi over edwards25519)', () => {
  it('the receiver gets exactly the chosen key; the other key differs; all 2n sender keys are distinct', () => {
    const n = 64;
    const choices = new Uint8Array(randomBytes(n).map((b) => b & 1));
    const st = baseOtSenderStart();
    const { message, keys } = baseOtReceive(st.A, choices);
    const { k0, k1 } = baseOtSenderFinish(st, message, n);
    const seen = new Set<string>();
    for (let i = 0; i < n; i += 1) {
      const got = hex(keys.subarray(i * OT_KEY, (i + 1) * OT_KEY));
      const a = hex(k0.subarray(i * OT_KEY, (i + 1) * OT_KEY));
      const b = hex(k1.subarray(i * OT_KEY, (i + 1) * OT_KEY));
      expect(got).toBe(choices[i] ? b : a);
      expect(got).not.toBe(choices[i] ? a : b);
      seen.add(a).add(b);
    }
    expect(seen.size).toBe(2 * n);
    expect(choices.some((c) => c === 0) && choices.some((c) => c === 1)).toBe(true);
  });

  it('rejects an invalid point', () => {
    expect(() => baseOtReceive(new Uint8Array(32), new Uint8Array(4))).toThrow(/invalid/);
  });
});

/** Runs base OTs plus the OT extension on `bins` bins whose code rows are given. */
function extension(codeRows: Uint32Array, bins: number) {
  const s = new Uint8Array(randomBytes(CODE_BITS).map((b) => b & 1));
  const st = baseOtSenderStart();
  const { message, keys } = baseOtReceive(st.A, s);
  const { k0, k1 } = baseOtSenderFinish(st, message, CODE_BITS);
  const r = new OprfReceiver(k0, k1);
  const snd = new OprfSender(keys, s);
  const { corrections, tRows } = r.slice(codeRows, bins);
  const qRows = new Uint32Array(bins * CODE_WORDS);
  snd.slice(corrections, bins, qRows);
  return { s, snd, tRows, qRows, corrections };
}

describe('KKRT OT extension and OPRF', () => {
  const bins = 256;
  const code = new PseudorandomCode(new Uint8Array(randomBytes(64)));
  const ids = new Uint8Array(randomBytes(bins * 16));
  const codeBytes = new Uint8Array(bins * 64);
  code.encode(ids, 0, bins, codeBytes);
  for (let j = 0; j < bins; j += 4) codeBytes.fill(0, j * 64, (j + 1) * 64); // every 4th bin empty
  const codeRows = new Uint32Array(codeBytes.buffer);

  it('q_j ^ t_j = C(x_j) & s in every bin (empty bins: 0)', () => {
    const { tRows, qRows, snd } = extension(codeRows, bins);
    for (let j = 0; j < bins; j += 1) {
      for (let w = 0; w < CODE_WORDS; w += 1) {
        const o = j * CODE_WORDS + w;
        expect((qRows[o]! ^ tRows[o]!) >>> 0).toBe((codeRows[o]! & snd.sRow[w]!) >>> 0);
      }
    }
  });

  it('OPRF values agree on the item in the bin and differ for every other item', () => {
    const { tRows, qRows, snd } = extension(codeRows, bins);
    const hasher = new RowHasher();
    const ell = 8;
    const rv = new Uint8Array(ell);
    const sv = new Uint8Array(ell);
    let agreements = 0;
    for (let j = 1; j < bins; j += 7) {
      if (j % 4 === 0) continue;
      hasher.start(1);
      hasher.row(0, j, tRows, j * CODE_WORDS);
      rv.set(hasher.finish(1).subarray(0, ell));
      hasher.start(bins);
      for (let y = 0; y < bins; y += 1) hasher.masked(y, j, qRows, j * CODE_WORDS, codeRows, y * CODE_WORDS, snd.sRow);
      const all = hasher.finish(bins);
      for (let y = 0; y < bins; y += 1) {
        sv.set(all.subarray(y * 16, y * 16 + ell));
        if (y === j) {
          expect(hex(sv)).toBe(hex(rv));
          agreements += 1;
        } else if (y % 4 !== 0) expect(hex(sv)).not.toBe(hex(rv));
      }
    }
    expect(agreements).toBeGreaterThan(20);
  });

  it('the corrections alone are uniform-looking: about half the bits set, for all-equal inputs too', () => {
    const same = new Uint32Array(bins * CODE_WORDS);
    for (let j = 0; j < bins; j += 1) same.set(codeRows.subarray(CODE_WORDS, 2 * CODE_WORDS), j * CODE_WORDS);
    const { corrections } = extension(same, bins);
    let ones = 0;
    for (const b of corrections) for (let k = 0; k < 8; k += 1) ones += (b >>> k) & 1;
    const total = corrections.length * 8; // 131072 bits: sd 181
    expect(Math.abs(ones - total / 2)).toBeLessThan(6 * Math.sqrt(total / 4));
  });
});
