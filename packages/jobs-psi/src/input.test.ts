import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyColumnIndexes, readInput } from './input.ts';
import { PsiParameterError } from './errors.ts';
import { plaintextJoin, readOutput, runTwoParties, removeTempDirs, tempDir } from './__tests__/fixtures.ts';

afterAll(removeTempDirs);

describe('PSI input through the @sfw/data reader', () => {
  it('header problems name the field', async () => {
    const dir = tempDir();
    const p = join(dir, 'h.csv');
    writeFileSync(p, 'a,b\n1,2\n');
    expect(() => keyColumnIndexes(['a', 'b'], ['id'], 'input.alice.keys')).toThrow(PsiParameterError);
    await expect(readInput(join(dir, 'nope.csv'), 'input.alice.path')).rejects.toThrow(/input\.alice\.path/);
    writeFileSync(join(dir, 'empty.csv'), '');
    await expect(readInput(join(dir, 'empty.csv'), 'input.bob.path')).rejects.toThrow(/input\.bob\.path/);
  });

  it('a ragged row is rejected with the file name and row number, before any PSI message', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.csv'), 'id,v\nk1,1\nsecret-k2\nk3,3\n');
    writeFileSync(join(dir, 'b.csv'), 'id,w\nk1,1\n');
    const err = await runTwoParties(dir, { path: join(dir, 'a.csv'), keys: ['id'] }, { path: join(dir, 'b.csv'), keys: ['id'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsiParameterError);
    expect((err as PsiParameterError).field).toBe('input.alice.path');
    expect((err as Error).message).toContain('a.csv: row 2 has 1 fields, the header has 2');
    expect((err as Error).message).not.toContain('secret');
  });

  it('inputs saved with a UTF-8 BOM, CRLF and quoted fields give the same outputs as plain ones', async () => {
    const rowsA = Array.from({ length: 60 }, (_, i) => [`k${(i * 7) % 50}`, `a,${i}`]);
    const rowsB = Array.from({ length: 40 }, (_, i) => [`k${(i * 3) % 50}`, `b${i}`]);
    const outputs: string[][][] = [];
    for (const style of ['plain', 'bom'] as const) {
      const dir = tempDir();
      const enc = (h: string[], rows: string[][]) => {
        const q = (s: string) => (style === 'bom' || s.includes(',') ? `"${s}"` : s);
        const eol = style === 'bom' ? '\r\n' : '\n';
        return (style === 'bom' ? '\ufeff' : '') + [h, ...rows].map((r) => r.map(q).join(',')).join(eol) + eol;
      };
      writeFileSync(join(dir, 'a.csv'), enc(['id', 'v'], rowsA));
      writeFileSync(join(dir, 'b.csv'), enc(['id', 'w'], rowsB));
      const { out } = await runTwoParties(dir, { path: join(dir, 'a.csv'), keys: ['id'] }, { path: join(dir, 'b.csv'), keys: ['id'] }, { joinType: 'full_join' });
      // Output rows are the input records, so compare them decoded (a record keeps its quoting).
      const decode = (lines: string[]) => lines.map((l) => l.replace(/"/g, ''));
      outputs.push([decode(readOutput(out.alice)), decode(readOutput(out.bob))]);
      expect(readFileSync(out.alice, 'utf8').split('\n')[0]).toBe('"id","v"');
    }
    expect(outputs[1]).toEqual(outputs[0]);
    const ref = plaintextJoin({ header: ['id', 'v'], rows: rowsA, keys: ['id'] }, { header: ['id', 'w'], rows: rowsB, keys: ['id'] }, 'full_join', true);
    expect(outputs[0]).toEqual([ref.out1, ref.out2]);
  });
});
