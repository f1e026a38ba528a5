import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverSuites, type BrokenSuite } from './discover.ts';

describe('discoverSuites', () => {
  it('loads every suite file, reports broken ones without failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sfw-suites-'));
    try {
      await writeFile(join(dir, 'good.ts'), "export default { name: 'good', description: 'd', run: async () => {} };\n");
      await writeFile(join(dir, 'nodefault.ts'), 'export const x = 1;\n');
      await writeFile(join(dir, 'throws.ts'), "throw new Error('boom');\n");
      await writeFile(join(dir, 'good.test.ts'), 'export default 1;\n');
      const broken: BrokenSuite[] = [];
      const found = await discoverSuites(dir, broken);
      expect(found.map((f) => f.suite.name)).toEqual(['good']);
      expect(broken.map((b) => b.file.split('/').pop()).sort()).toEqual(['nodefault.ts', 'throws.ts']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  // Imports every suite file (other engineers' too), so it can be slow on a loaded machine.
  it('finds the ring suite in src/suites', async () => {
    const found = await discoverSuites();
    expect(found.map((f) => f.suite.name)).toContain('ring');
  }, 120_000);
});
