import { describe, expect, it } from 'vitest';
import { groupRows, GroupList } from './groups.ts';
import { keyText, packStrings, unpackStrings } from './packed-keys.ts';

describe('groupRows', () => {
  it('groups equal keys in first-appearance order, rows in input order (against a Map)', () => {
    // Many duplicates, empty and non-ASCII keys, keys differing in one code unit.
    const keys: string[] = [];
    for (let i = 0; i < 3000; i += 1) keys.push(`k${(i * 7919) % 1000}`, i % 5 === 0 ? '' : `é${i % 13}`, `k${i % 3}\u0301`);
    const rows = { keys: packStrings(keys), offsets: Float64Array.from(keys, (_, i) => 10 * i), lengths: Int32Array.from(keys, () => 9) };
    const g = groupRows(rows);
    const ref = new Map<string, number[]>();
    keys.forEach((k, r) => (ref.get(k) ?? ref.set(k, []).get(k)!).push(r));
    expect(unpackStrings(g.keys)).toEqual([...ref.keys()]);
    unpackStrings(g.keys).forEach((k, i) => expect(Array.from(g.rowOrder.subarray(g.start[i]!, g.start[i + 1]!))).toEqual(ref.get(k)));
    expect(g.maxCount).toBe(Math.max(...[...ref.values()].map((v) => v.length)));
  });

  it('orders groups by key in code-unit order and by first row', () => {
    const keys = ['b', 'a', 'é', 'B', 'a', 'ab'];
    const rows = { keys: packStrings(keys), offsets: Float64Array.from(keys, (_, i) => i), lengths: Int32Array.from(keys, () => 1) };
    const g = groupRows(rows);
    const list = new GroupList();
    for (let i = 0; i < g.keys.count; i += 1) list.add(rows, g, i, 1);
    expect(Array.from(list.order(true), (i) => keyText(list.keys, i))).toEqual(['B', 'a', 'ab', 'b', 'é']);
    expect(Array.from(list.order(false), (i) => keyText(list.keys, i))).toEqual(['b', 'a', 'é', 'B', 'ab']);
  });
});
