// Two row-aligned party tables (as after PSI) with a label at alice that depends on both parties'
// features, nulls in numeric and text columns, and a constant column.
import { join } from 'node:path';
import { makeTable, writeCsv } from '@sfw/data';
import type { Column } from '@sfw/data';
import { seededRng } from '@sfw/testkit';

export async function writeAligned(dir: string, n = 400, seed = 'aligned', opts: { labelAtBob?: boolean } = {}): Promise<{ alice: string; bob: string }> {
  const rng = seededRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const id = Array.from({ length: n }, (_, i) => `r${String(i).padStart(4, '0')}`);
  const aNum = Float64Array.from({ length: n }, () => (rng() < 0.05 ? NaN : Math.round(rng() * 5000) / 10));
  const aCat = Array.from({ length: n }, () => pick(['no', 'yes']));
  const bNum = Float64Array.from({ length: n }, () => (rng() < 0.08 ? NaN : Math.round((rng() * 2 - 1) * 1e4) / 100));
  const bInt = Float64Array.from({ length: n }, () => Math.floor(rng() * 50) + 18);
  const bCat = Array.from({ length: n }, () => (rng() < 0.05 ? '' : pick(['rent', 'owner', 'parents', 'other'])));
  const y = Float64Array.from({ length: n }, (_, i) => {
    const s = (Number.isNaN(aNum[i]!) ? 0 : aNum[i]! / 500) + (Number.isNaN(bNum[i]!) ? 0.5 : (bNum[i]! + 100) / 200) + (bCat[i] === 'rent' ? 0.5 : 0);
    return rng() < s / 2.5 ? 1 : 0;
  });
  const alice: Record<string, Column> = { id, a_num: aNum, a_cat: aCat, y };
  const bob: Record<string, Column> = { id, b_num: bNum, b_int: bInt, b_cat: bCat, b_const: new Float64Array(n).fill(7) };
  if (opts.labelAtBob === true) bob['y'] = y;
  const paths = { alice: join(dir, `${seed}-alice.csv`), bob: join(dir, `${seed}-bob.csv`) };
  await writeCsv(paths.alice, makeTable(Object.keys(alice), alice));
  await writeCsv(paths.bob, makeTable(Object.keys(bob), bob));
  return paths;
}
