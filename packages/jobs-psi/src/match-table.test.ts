import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CompareTable } from './match-table.ts';

const hex = (b: Uint8Array, i: number) => Buffer.from(b.subarray(16 * i, 16 * i + 16)).toString('hex');

describe('CompareTable', () => {
  it('finds exactly the values a Map of their hex strings finds, on unaligned queries too', () => {
    const m = 5000;
    const table = randomBytes(16 * m);
    // Queries: every third table value, plus values that share the first word (same slot) but differ later.
    const q: Buffer[] = [];
    const expected: [number, number][] = [];
    for (let j = 0; j < m; j += 3) {
      expected.push([q.length, j]);
      q.push(Buffer.from(table.subarray(16 * j, 16 * j + 16)));
      const near = Buffer.from(table.subarray(16 * j, 16 * j + 16));
      near[15]! ^= 1;
      q.push(near);
    }
    for (let i = 0; i < 100; i += 1) q.push(randomBytes(16));
    const body = Buffer.concat([Buffer.from([2]), ...q]).subarray(1); // a message body: byteOffset 1
    const byHex = new Map(Array.from({ length: m }, (_, j) => [hex(table, j), j]));
    const ref: [number, number][] = [];
    for (let i = 0; i < q.length; i += 1) {
      const j = byHex.get(hex(body, i));
      if (j !== undefined) ref.push([i, j]);
    }
    const got: [number, number][] = [];
    new CompareTable(new Uint8Array(table)).lookupAll(body, (i, j) => got.push([i, j]));
    expect(got).toEqual(ref);
    expect(got).toEqual(expected);
  });

  it('values colliding in the index word still compare on all 16 bytes; a repeated value keeps its last index', () => {
    const v = new Uint8Array(16 * 4);
    for (let j = 0; j < 4; j += 1) v[16 * j + 8] = j; // same first word for all four
    v.set(v.subarray(16, 32), 48); // value 3 repeats value 1
    const got: [number, number][] = [];
    new CompareTable(v).lookupAll(v.slice(0, 48), (i, j) => got.push([i, j]));
    expect(got).toEqual([[0, 0], [1, 3], [2, 2]]);
  });
});
