// Plaintext id alignment of the bundled samples, standing in for the PSI step in job tests.
import { join } from 'node:path';
import { readCsv, takeRows, writeCsv } from '@sfw/data';
import { sampleDir } from '@sfw/testkit';
import type { SampleName } from '@sfw/testkit';

export async function writeAlignedSample(name: SampleName, dir: string): Promise<{ alice: string; bob: string }> {
  const src = sampleDir(name);
  const a = await readCsv(join(src, 'alice.csv'), { stringColumns: ['id'] });
  const b = await readCsv(join(src, 'bob.csv'), { stringColumns: ['id'] });
  const aIds = a.data.id as string[];
  const bIds = b.data.id as string[];
  const bPos = new Map(bIds.map((v, i) => [v, i]));
  const aPos = new Map(aIds.map((v, i) => [v, i]));
  const ids = aIds.filter((v) => bPos.has(v)).sort();
  const out = { alice: join(dir, `${name}-alice.csv`), bob: join(dir, `${name}-bob.csv`) };
  await writeCsv(out.alice, takeRows(a, ids.map((v) => aPos.get(v)!)));
  await writeCsv(out.bob, takeRows(b, ids.map((v) => bPos.get(v)!)));
  return out;
}
