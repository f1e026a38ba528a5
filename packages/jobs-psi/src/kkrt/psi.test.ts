// PROTOCOL_KKRT through the whole party pipeline: outputs equal ECDH's, the plaintext join and a
// pandas merge for every join type, on the bundled breast_cancer data and on a generated set with
// duplicate keys, two key columns and Unicode; receivers, sort_result, empty results, buckets.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32, plaintextJoin, readCsvSide, readOutput, runTwoParties, removeTempDirs, tempDir, writeCsv } from '../__tests__/fixtures.ts';
import type { TwoPartyOptions } from '../__tests__/fixtures.ts';
import type { JoinType } from '../plan.ts';

afterAll(removeTempDirs);

const data = fileURLToPath(new URL('../../test-data/breast_cancer/', import.meta.url));
const pandasScript = fileURLToPath(new URL('../__tests__/pandas_join.py', import.meta.url));
const JOINS = ['inner_join', 'left_join', 'full_join', 'difference'] as const;

const readSide = readCsvSide;

/** pandas' answer as a sorted multiset of aligned (ds1, ds2) row pairs, or per-side rows for difference. */
function pandasJoin(p1: string, p2: string, k1: string[], k2: string[], how: JoinType, leftIsDs1: boolean) {
  const out = execFileSync('/usr/bin/python3', [pandasScript, p1, p2, k1.join(','), k2.join(','), how, leftIsDs1 ? 'ds1' : 'ds2'], { encoding: 'utf8' });
  return JSON.parse(out) as { pairs?: [string, string][]; rows1?: string[]; rows2?: string[] };
}

const isNull = (r: string) => /^,*$/.test(r);
const pairsOf = (a: string[], b: string[]) => a.map((r, i) => [isNull(r) ? '' : r, isNull(b[i]!) ? '' : b[i]!].join('\u0000')).sort();

async function runBoth(p1: string, k1: string[], p2: string, k2: string[], o: TwoPartyOptions) {
  const dirK = tempDir();
  const dirE = tempDir();
  const kkrt = await runTwoParties(dirK, { path: p1, keys: k1 }, { path: p2, keys: k2 }, { ...o, protocol: 'kkrt' });
  const ecdh = await runTwoParties(dirE, { path: p1, keys: k1 }, { path: p2, keys: k2 }, { ...o, protocol: 'ecdh' });
  return { kkrt, ecdh };
}

async function checkAll(p1: string, k1: string[], p2: string, k2: string[], joinType: JoinType, leftSide: 'alice' | 'bob') {
  const { kkrt, ecdh } = await runBoth(p1, k1, p2, k2, { joinType, leftSide });
  const a = readOutput(kkrt.out.alice);
  const b = readOutput(kkrt.out.bob);
  // 1. Identical files to the ECDH path, and identical reports.
  expect(a).toEqual(readOutput(ecdh.out.alice));
  expect(b).toEqual(readOutput(ecdh.out.bob));
  expect(kkrt.reports).toEqual(ecdh.reports);
  // 2. The plaintext reference join (exact order).
  const ref = plaintextJoin(readSide(p1, k1), readSide(p2, k2), joinType, leftSide === 'alice');
  expect(a).toEqual(ref.out1);
  expect(b).toEqual(ref.out2);
  // 3. pandas (as multisets: pandas orders rows its own way).
  const pd = pandasJoin(p1, p2, k1, k2, joinType, leftSide === 'alice');
  if (joinType === 'difference') {
    expect([...a].sort()).toEqual([...pd.rows1!].sort());
    expect([...b].sort()).toEqual([...pd.rows2!].sort());
  } else {
    expect(pairsOf(a, b)).toEqual(pd.pairs!.map((p) => p.join('\u0000')).sort());
  }
  return a.length;
}

describe('PROTOCOL_KKRT on the bundled breast_cancer data', { timeout: 60_000 }, () => {
  const p1 = join(data, 'alice.csv');
  const p2 = join(data, 'bob.csv');
  for (const joinType of JOINS) {
    for (const left of joinType === 'left_join' ? (['alice', 'bob'] as const) : (['alice'] as const)) {
      it(`${joinType}${joinType === 'left_join' ? ` (left_side ${left})` : ''} equals ECDH, the plaintext join and pandas`, async () => {
        const rows = await checkAll(p1, ['id'], p2, ['id'], joinType, left);
        if (joinType === 'inner_join') expect(rows).toBe(545);
      });
    }
  }
});

// Generated: duplicates on both sides, two key columns (one Unicode), different column layouts.
const rng = mulberry32(15_2016);
const names = ['Zoë', '李雷', 'Ünïcödé', 'o\u0301', 'ó', 'plain', 'emoji🙂', 'x'];
function genRows(n: number, tag: string): string[][] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(Math.floor(rng() * n * 0.8)); // ~25% of ids repeat
    const nm = names[Math.floor(rng() * names.length)]!;
    return [nm, `${tag}${i}`, id];
  });
}
const gen = (() => {
  const dir = tempDir();
  const p1 = join(dir, 'g1.csv');
  const p2 = join(dir, 'g2.csv');
  writeCsv(p1, ['name', 'v1', 'uid'], genRows(400, 'a'));
  const rows2 = genRows(300, 'b').map(([nm, v, id]) => [id!, v!, nm!]);
  writeCsv(p2, ['uid2', 'w', 'name2'], rows2);
  return { p1, p2, k1: ['uid', 'name'], k2: ['uid2', 'name2'] };
})();

describe('PROTOCOL_KKRT on generated data: duplicates, two key columns, Unicode', { timeout: 60_000 }, () => {
  for (const joinType of JOINS) {
    for (const left of joinType === 'left_join' ? (['alice', 'bob'] as const) : (['alice'] as const)) {
      it(`${joinType}${joinType === 'left_join' ? ` (left_side ${left})` : ''} equals ECDH, the plaintext join and pandas`, async () => {
        const rows = await checkAll(gen.p1, gen.k1, gen.p2, gen.k2, joinType, left);
        expect(rows).toBeGreaterThan(0);
      });
    }
  }

  it('the generated inner join really has duplicate expansion and multi-column matches', () => {
    const ref = plaintextJoin(readSide(gen.p1, gen.k1), readSide(gen.p2, gen.k2), 'inner_join', true);
    const keys = ref.out1.map((r) => r.split(',').filter((_, i) => i !== 1).join('|'));
    expect(new Set(keys).size).toBeLessThan(keys.length); // some key appears in several output rows
    expect(new Set(keys).size).toBeGreaterThan(10);
  });
});

describe('PROTOCOL_KKRT options', { timeout: 60_000 }, () => {
  const p1 = gen.p1;
  const p2 = gen.p2;
  for (const recv of [['alice'], ['bob']] as const) {
    for (const joinType of ['inner_join', 'full_join'] as const) {
      it(`single receiver ${recv[0]} (${joinType}): same file as ECDH, the other reports -1`, async () => {
        const { kkrt, ecdh } = await runBoth(p1, gen.k1, p2, gen.k2, { joinType, receivers: [...recv] });
        const out = recv[0] === 'alice' ? 'alice' : 'bob';
        expect(readOutput(kkrt.out[out])).toEqual(readOutput(ecdh.out[out]));
        expect(kkrt.reports).toEqual(ecdh.reports);
        expect(kkrt.reports.find((r) => r.party !== recv[0])!.intersection_count).toBe(-1);
      });
    }
  }

  it('streaming buckets (bucket_size 64 -> 7 buckets) give the same files as one bucket', async () => {
    const { kkrt } = await runBoth(p1, gen.k1, p2, gen.k2, { joinType: 'full_join', bucketSize: 64 });
    const ref = plaintextJoin(readSide(p1, gen.k1), readSide(p2, gen.k2), 'full_join', true);
    expect(readOutput(kkrt.out.alice)).toEqual(ref.out1);
    expect(readOutput(kkrt.out.bob)).toEqual(ref.out2);
  });

  it('sort_result false keeps each side in input order, like ECDH', async () => {
    const { kkrt, ecdh } = await runBoth(p1, gen.k1, p2, gen.k2, { joinType: 'inner_join', sortResult: false });
    expect(readOutput(kkrt.out.alice)).toEqual(readOutput(ecdh.out.alice));
    expect(readOutput(kkrt.out.bob)).toEqual(readOutput(ecdh.out.bob));
  });

  it('an empty intersection: fails unless allow_empty_result', async () => {
    const dir = tempDir();
    const e1 = join(dir, 'e1.csv');
    const e2 = join(dir, 'e2.csv');
    writeCsv(e1, ['id'], [['a'], ['b']]);
    writeCsv(e2, ['id'], [['c']]);
    await expect(runTwoParties(dir, { path: e1, keys: ['id'] }, { path: e2, keys: ['id'] }, { protocol: 'kkrt' })).rejects.toThrow(/empty/);
    const ok = await runTwoParties(dir, { path: e1, keys: ['id'] }, { path: e2, keys: ['id'] }, { protocol: 'kkrt', allowEmptyResult: true });
    expect(ok.reports.map((r) => r.intersection_count)).toEqual([0, 0]);
  });

  it('duplicates in an input declared duplicate-free fail with the field named', async () => {
    await expect(runTwoParties(tempDir(), { path: p1, keys: gen.k1 }, { path: p2, keys: gen.k2 }, { protocol: 'kkrt', dup1: false })).rejects.toMatchObject({
      field: 'input_ds1_keys_duplicated',
    });
  });
});
