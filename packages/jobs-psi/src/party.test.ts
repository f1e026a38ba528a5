import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import fc from 'fast-check';
import { mulberry32, plaintextJoin, readOutput, runTwoParties, removeTempDirs, tempDir, writeCsv } from './__tests__/fixtures.ts';
import type { RefSide } from './__tests__/fixtures.ts';
import type { JoinType } from './plan.ts';

afterAll(removeTempDirs);

function side(header: string[], rows: string[][], keys: string[]): RefSide {
  return { header, rows, keys };
}

async function check(
  ds1: RefSide,
  ds2: RefSide,
  o: { joinType: JoinType; leftSide?: 'alice' | 'bob'; receivers?: ('alice' | 'bob')[]; bucketSize?: number; allowEmptyResult?: boolean },
) {
  const dir = tempDir();
  const p1 = join(dir, 'a.csv');
  const p2 = join(dir, 'b.csv');
  writeCsv(p1, ds1.header, ds1.rows);
  writeCsv(p2, ds2.header, ds2.rows);
  const { reports, out } = await runTwoParties(dir, { path: p1, keys: ds1.keys }, { path: p2, keys: ds2.keys }, o);
  const ref = plaintextJoin(ds1, ds2, o.joinType, (o.leftSide ?? 'alice') === 'alice');
  const receivers = o.receivers ?? ['alice', 'bob'];
  if (receivers.includes('alice')) expect(readOutput(out.alice)).toEqual(ref.out1);
  if (receivers.includes('bob')) expect(readOutput(out.bob)).toEqual(ref.out2);
  return { reports, ref };
}

const rng = mulberry32(20261127);
function randRows(prefix: string, keys: string[], cols: number): string[][] {
  return keys.map((k, i) => [k, ...Array.from({ length: cols }, (_, c) => `${prefix}${i}_${c}_${Math.floor(rng() * 1000)}`)]);
}

const ds1Keys = ['k01', 'k02', 'k03', 'k05', 'k07', 'k11', 'k13', 'k02', 'k02', 'k17'];
const ds2Keys = ['k13', 'k02', 'k04', 'k05', 'k06', 'k02', 'k99', 'k01', 'k17', 'k17'];
const A = side(['id', 'a1', 'a2'], randRows('a', ds1Keys, 2), ['id']);
const B = side(['id', 'b1'], randRows('b', ds2Keys, 1), ['id']);

describe('runPsiParty equals a plaintext join', () => {
  for (const joinType of ['inner_join', 'left_join', 'full_join', 'difference'] as const) {
    it(`${joinType} with duplicate keys (cartesian expansion), both receive`, async () => {
      const { reports, ref } = await check(A, B, { joinType });
      expect(reports).toEqual([
        { party: 'alice', original_count: 10, intersection_count: ref.out1.length },
        { party: 'bob', original_count: 10, intersection_count: ref.out2.length },
      ]);
    });
  }

  it('inner join expands duplicates per key: 3 x 2 rows of k02 -> 6 rows on both sides', async () => {
    const { ref } = await check(A, B, { joinType: 'inner_join' });
    expect(ref.out1.filter((r) => r.startsWith('k02,')).length).toBe(6);
  });

  it('left_join with bob as left side', async () => {
    await check(A, B, { joinType: 'left_join', leftSide: 'bob' });
  });

  for (const r of [['alice'], ['bob']] as const) {
    for (const joinType of ['inner_join', 'full_join', 'left_join'] as const) {
      it(`${joinType}, only ${r[0]} receives; the other reports -1`, async () => {
        const { reports } = await check(A, B, { joinType, receivers: [...r] });
        const other = reports.find((x) => x.party !== r[0])!;
        expect(other.intersection_count).toBe(-1);
      });
    }
  }

  it('multi-column keys', async () => {
    const rows1 = [['x', '1', 'p'], ['x', '2', 'q'], ['y', '1', 'r'], ['y', '1', 's']];
    const rows2 = [['1', 'x', 'P'], ['1', 'y', 'Q'], ['3', 'x', 'R']];
    await check(side(['c1', 'c2', 'v'], rows1, ['c1', 'c2']), side(['n', 'm', 'w'], rows2, ['m', 'n']), {
      joinType: 'full_join',
    });
  });

  it('unicode keys (no normalisation: NFC and NFD spellings differ)', async () => {
    const k = ['日本', 'émile', 'e\u0301mile', '😀', 'ß', 'plain'];
    const rows1 = k.map((x, i) => [x, `a${i}`]);
    const rows2 = [['😀', 'b0'], ['émile', 'b1'], ['Straße', 'b2'], ['日本', 'b3']];
    const { ref } = await check(side(['id', 'a'], rows1, ['id']), side(['id', 'b'], rows2, ['id']), { joinType: 'inner_join' });
    expect(ref.out1.length).toBe(3);
  });

  it('empty intersection: error unless allow_empty_result', async () => {
    const e1 = side(['id', 'a'], [['1', 'x'], ['2', 'y']], ['id']);
    const e2 = side(['id', 'b'], [['3', 'z']], ['id']);
    await expect(check(e1, e2, { joinType: 'inner_join' })).rejects.toThrow(/allow_empty_result/);
    const { reports } = await check(e1, e2, { joinType: 'inner_join', allowEmptyResult: true });
    expect(reports.map((r) => r.intersection_count)).toEqual([0, 0]);
  });

  it('bucketed (spilled) run gives the same result', async () => {
    const keys1 = Array.from({ length: 300 }, (_, i) => `u${(i * 7) % 500}`);
    const keys2 = Array.from({ length: 250 }, (_, i) => `u${(i * 3) % 400}`);
    const s1 = side(['id', 'v'], randRows('a', keys1, 1), ['id']);
    const s2 = side(['id', 'w'], randRows('b', keys2, 1), ['id']);
    await check(s1, s2, { joinType: 'full_join', bucketSize: 64 });
  });

  it('the secure path is used: no key text on the wire, traffic matches the protocol formula', async () => {
    const k1 = Array.from({ length: 40 }, (_, i) => `customer-${String(i * 2).padStart(6, '0')}`);
    const k2 = Array.from({ length: 30 }, (_, i) => `customer-${String(i * 3).padStart(6, '0')}`);
    const dir = tempDir();
    writeCsv(join(dir, 'a.csv'), ['id', 'v'], k1.map((k, i) => [k, `${i}`]));
    writeCsv(join(dir, 'b.csv'), ['id', 'w'], k2.map((k, i) => [k, `${i}`]));
    const wire: Uint8Array[] = [];
    const { reports } = await runTwoParties(dir, { path: join(dir, 'a.csv'), keys: ['id'] }, { path: join(dir, 'b.csv'), keys: ['id'] }, {
      joinType: 'inner_join', dup1: false, dup2: false,
      wrapLink: (_p, l) => ({ send: (d) => (wire.push(d), l.send(d)), recv: () => l.recv() }),
    });
    expect(reports[0]!.intersection_count).toBe(14); // multiples of 6 below 80
    const all = Buffer.concat(wire);
    for (const k of [...k1, ...k2]) expect(all.includes(Buffer.from(k))).toBe(false);
    // Point messages: 32 B per own key plus 16 B per peer key returned, for each side, plus tags.
    const points = wire.filter((m) => m[0] === 2).reduce((s, m) => s + m.length - 1, 0);
    expect(points).toBe((40 + 30) * 32 + (30 + 40) * 16);
  });

  it('property: random sets, every join type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }),
        fc.constantFrom<JoinType>('inner_join', 'left_join', 'full_join', 'difference'),
        fc.boolean(),
        async (k1, k2, joinType, small) => {
          const s1 = side(['id', 'v'], k1.map((k, i) => [`key${k}`, `a${i}`]), ['id']);
          const s2 = side(['id', 'w', 'z'], k2.map((k, i) => [`key${k}`, `b${i}`, `${k}`]), ['id']);
          await check(s1, s2, { joinType, allowEmptyResult: true, bucketSize: small ? 8 : 1 << 20 });
        },
      ),
      { numRuns: 25 },
    );
  });
});
