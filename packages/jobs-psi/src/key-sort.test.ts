import { describe, expect, it } from 'vitest';
import { sortIndexesByKey } from './key-sort.ts';
import { packStrings } from './packed-keys.ts';

const reference = (keys: string[]) =>
  Int32Array.from(keys.keys()).sort((a, b) => {
    const x = keys[a]!;
    const y = keys[b]!;
    return x < y ? -1 : x > y ? 1 : 0;
  });

function check(keys: string[]): void {
  const got = sortIndexesByKey(packStrings(keys), Int32Array.from(keys.keys()));
  // Same order as the stable comparator sort, including the order of equal keys.
  expect(Array.from(got)).toEqual(Array.from(reference(keys)));
}

describe('sortIndexesByKey', () => {
  it('orders like the string comparison on mixed keys', () => {
    let state = 12345;
    // A fixed LCG: reproducible test keys.
    const rng = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // Whole characters (the keys are UTF-8 bytes, so well-formed text): ASCII, latin-1, CJK, the
    // supplementary planes against U+E000-U+FFFF (where UTF-16 order differs from byte order).
    const alphabets = [[...'ab'], [...'abcdefghij0123456789'], ['a', 'é', '\u00ff', '\u0100', '\u4e2d', '\ud83d\ude00', '\u{10ffff}', '\ue000', '\uffff', '\ud7ff', '\u0000', '\u07ff', '\u0800']];
    for (const alphabet of alphabets) {
      const keys: string[] = [];
      for (let i = 0; i < 3000; i += 1) {
        const len = Math.floor(rng() * 14);
        let k = rng() < 0.3 ? 'shared-prefix-' : '';
        for (let c = 0; c < len; c += 1) k += alphabet[Math.floor(rng() * alphabet.length)]!;
        keys.push(k);
      }
      // Exact duplicates and proper prefixes of other keys.
      for (let i = 0; i < 300; i += 1) keys.push(keys[Math.floor(rng() * 3000)]!);
      for (let i = 0; i < 300; i += 1) keys.push([...keys[Math.floor(rng() * 3000)]!].slice(0, 3).join(''));
      check(keys);
    }
  });

  it('handles long common prefixes, small and empty inputs', () => {
    const base = 'x'.repeat(40);
    check(Array.from({ length: 500 }, (_, i) => `${base}${(i * 7919) % 500}`));
    check(Array.from({ length: 100 }, () => base));
    check(['b', 'a']);
    check([]);
    check(['', '\u0000', 'a', '']);
  });
});
