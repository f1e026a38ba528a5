// The size bound that lets a header probe skip counting rows must never be below the true count:
// tables of every width, with or without a final line break, CRLF ends, blank lines and quoted
// fields, down to the smallest record each width allows.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvHeader } from '@sfw/data';
import type { PyuContext } from '@sfw/runtime';
import { seededRng } from '@sfw/testkit';
import prepModule from './device.ts';
import { lineBreaksAtMost, rowsAtMost } from './table-io.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfw-prep-tableio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function table(width: number, rows: number, cell: () => string, eol: string, finalEol: boolean): string {
  const header = Array.from({ length: width }, (_, j) => `c${j}`).join(',');
  const lines = [header, ...Array.from({ length: rows }, () => Array.from({ length: width }, cell).join(','))];
  return lines.join(eol) + (finalEol ? eol : '');
}

describe('rowsAtMost', () => {
  it('bounds the row count of minimal and random tables', async () => {
    const rng = seededRng('rows-at-most');
    const path = join(dir, 't.csv');
    for (let trial = 0; trial < 300; trial++) {
      const width = 1 + Math.floor(rng() * 6);
      const rows = Math.floor(rng() * 20);
      const minimal = trial % 3 === 0;
      // The shortest cells a record can have: empty fields (one byte when the record has one field).
      const cell = minimal ? () => (width === 1 ? '1' : '') : () => ['', '1', '"a,b"', '2.5', '"x\ny"'][Math.floor(rng() * 5)]!;
      const text = table(width, rows, cell, rng() < 0.5 ? '\n' : '\r\n', rng() < 0.5) + (rng() < 0.2 ? '\n\n' : '');
      writeFileSync(path, text);
      // The reader's count (a one-field record with an empty cell is a blank line, not a record).
      const counted = (await readCsvHeader(path)).numRows;
      if (width > 1) expect(counted).toBe(rows);
      expect(await rowsAtMost(path, width)).toBeGreaterThanOrEqual(counted);
      expect(await lineBreaksAtMost(path)).toBeGreaterThanOrEqual(counted);
    }
  });

  it('prep.header counts only when the size does not prove the bound', async () => {
    const header = prepModule.pyu!['header'] as (ctx: PyuContext, path: string, maxRows?: number) => Promise<{ columns: string[]; numRows: number | undefined }>;
    const path = join(dir, 'h.csv');
    writeFileSync(path, table(3, 50, () => '12', '\n', true));
    const ctx = {} as PyuContext;
    expect(await header(ctx, path)).toEqual({ columns: ['c0', 'c1', 'c2'], numRows: 50 });
    expect(await header(ctx, path, 10)).toEqual({ columns: ['c0', 'c1', 'c2'], numRows: 50 });
    expect(await header(ctx, path, 1000)).toEqual({ columns: ['c0', 'c1', 'c2'], numRows: undefined });
    // 50 data rows in 459 bytes: the size bound (152) does not clear 60 rows, the 51 line breaks do
    // (and do not clear 50: that table is counted).
    expect(await header(ctx, path, 60)).toEqual({ columns: ['c0', 'c1', 'c2'], numRows: undefined });
    expect(await header(ctx, path, 50)).toEqual({ columns: ['c0', 'c1', 'c2'], numRows: 50 });
  });
});
