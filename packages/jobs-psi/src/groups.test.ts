import { describe, expect, it } from 'vitest';
import { groupRows, GroupList } from './groups.ts';

describe('groupRows', () => {
  it('groups equal keys in first-appearance order, rows in input order (against a Map)', () => {
    // Many duplicates, empty and non-ASCII keys, keys differing in one code unit.
    const keys: string[] = [];
    for (let i = 0; i < 3000; i += 1) keys.push(`k${(i * 7919) % 1000}`, i % 5 === 0 ? '' : `é${i % 13}`, `k${i % 3}\u0301`);
    const rows = { keys, offsets: keys.map((_, i) => 10 * i), lengths: keys.map(() => 9) };
    const g = groupRows(rows);
    const ref = new Map<string, number[]>();
    keys.forEach((k, r) => (ref.get(k) ?? ref.set(k, []).get(k)!).push(r));
    expect(g.keys).toEqual([...ref.keys()]);
    g.keys.forEach((k, i) => expect(Array.from(g.rowOrder.subarray(g.start[i]!, g.start[i + 1]!))).toEqual(ref.get(k)));
    expect(g.maxCount).toBe(Math.max(...[...ref.values()].map((v) => v.length)));
  });

  it('orders groups by key in code-unit order and by first row', () => {
    const keys = ['b', 'a', 'é', 'B', 'a', 'ab'];
    const rows = { keys, offsets: keys.map((_, i) => i), lengths: keys.map(() => 1) };
    const g = groupRows(rows);
    const list = new GroupList();
    g.keys.forEach((k, i) => list.add(k, rows, g, i, 1));
    expect(Array.from(list.order(true), (i) => list.keys[i])).toEqual(['B', 'a', 'ab', 'b', 'é']);
    expect(Array.from(list.order(false), (i) => list.keys[i])).toEqual(['b', 'a', 'é', 'B', 'ab']);
  });
});
