// The bundled sample data sets (examples/data), aligned in plaintext by id for TESTS ONLY: the secure
// pipeline aligns with PSI. Rows are sorted by id (string order), which is also PSI's output order.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { getNumericColumn, readCsv, standardize, takeRows, toRowMajor, writeCsv } from '@sfw/data';
import type { Table } from '@sfw/data';

export type SampleName = 'breast_cancer' | 'diabetes';

export function sampleDir(name: SampleName): string {
  return fileURLToPath(new URL(`../../../examples/data/${name}/`, import.meta.url));
}

export interface AlignedSample {
  readonly ids: string[];
  readonly alice: Table;
  readonly bob: Table;
  readonly aliceFeatures: string[];
  readonly bobFeatures: string[];
  readonly labelParty: 'alice' | 'bob';
  /** Row-major standardized features, alice's columns first then bob's. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
}

function alignOn(t: Table, ids: string[]): Table {
  const col = t.data.id as string[];
  const pos = new Map(col.map((v, i) => [v, i]));
  const idx = ids.map((id) => pos.get(id)!);
  const data: Table['data'] = {};
  for (const c of t.columns) {
    const src = t.data[c]!;
    data[c] = src instanceof Float64Array ? Float64Array.from(idx, (i) => src[i]!) : idx.map((i) => src[i]!);
  }
  return { columns: t.columns, data, numRows: ids.length };
}

/** Loads a sample, inner-joins on id, and standardizes the features (population std). */
export async function loadAlignedSample(name: SampleName): Promise<AlignedSample> {
  const dir = sampleDir(name);
  const a = await readCsv(`${dir}alice.csv`, { stringColumns: ['id'] });
  const b = await readCsv(`${dir}bob.csv`, { stringColumns: ['id'] });
  const bIds = new Set(b.data.id as string[]);
  const ids = (a.data.id as string[]).filter((id) => bIds.has(id)).sort();
  const labelParty = a.columns.includes('y') ? 'alice' : 'bob';
  const aliceFeatures = a.columns.filter((c) => c !== 'id' && c !== 'y');
  const bobFeatures = b.columns.filter((c) => c !== 'id' && c !== 'y');
  const alice = standardize(alignOn(a, ids), aliceFeatures).table;
  const bob = standardize(alignOn(b, ids), bobFeatures).table;
  const n = ids.length;
  const d = aliceFeatures.length + bobFeatures.length;
  const xa = toRowMajor(alice, aliceFeatures);
  const xb = toRowMajor(bob, bobFeatures);
  const x = new Float64Array(n * d);
  const da = aliceFeatures.length;
  for (let i = 0; i < n; i++) {
    x.set(xa.subarray(i * da, (i + 1) * da), i * d);
    x.set(xb.subarray(i * (d - da), (i + 1) * (d - da)), i * d + da);
  }
  const y = getNumericColumn(labelParty === 'alice' ? alice : bob, 'y');
  return { ids, alice, bob, aliceFeatures, bobFeatures, labelParty, x, y, n, d };
}

/** Writes the sample's two party files aligned by id (rows sorted by id) into `dir`: PSI's output, in plaintext. */
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
