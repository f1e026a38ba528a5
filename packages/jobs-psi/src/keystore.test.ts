import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeyStore } from './keystore.ts';
import { unpackStrings } from './packed-keys.ts';
import { readInput } from './input.ts';
import { removeTempDirs, tempDir } from './__tests__/fixtures.ts';

afterAll(removeTempDirs);

describe('KeyStore (streaming buckets)', () => {
  it('spills to one file per bucket, each key in exactly one bucket, and cleans up', async () => {
    const dir = tempDir();
    const spill = join(dir, 'spill');
    mkdirSync(spill);
    const p = join(dir, 'in.csv');
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i % 700}`);
    writeFileSync(p, 'v,id\n' + keys.map((k, i) => `${i},${k}`).join('\n') + '\n');
    expect((await readInput(p, 'f')).numRows).toBe(1000);
    const store = await KeyStore.build({ path: p, keyIndexes: [1], nBuckets: 4, bucketSeed: new Uint8Array(32).fill(7), spillDir: spill, field: 'f' });
    expect(readdirSync(spill).length).toBe(4);
    const seen = new Map<string, number>();
    let rows = 0;
    for (let b = 0; b < store.bucketCount; b += 1) {
      const r = store.load(b);
      rows += r.keys.count;
      expect(r.keys.count).toBeLessThan(1000); // really partitioned
      for (const k of unpackStrings(r.keys)) {
        expect(seen.get(k) ?? b).toBe(b);
        seen.set(k, b);
      }
    }
    expect(rows).toBe(1000);
    store.dispose();
    expect(readdirSync(spill).length).toBe(0);
  });
});
