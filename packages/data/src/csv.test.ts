import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { formatCsv, parseCsv, parseCsvRecords, readCsv, readCsvHeader } from './csv.ts';
import { DataError, getNumericColumn, makeTable } from './table.ts';

describe('parseCsvRecords (RFC 4180)', () => {
  it('handles quotes, doubled quotes, embedded separators and line breaks, CRLF', () => {
    const text = 'a,b,c\r\n"x,1","he said ""hi""","line1\nline2"\r\n1,,3\r\n';
    expect(parseCsvRecords(text)).toEqual([
      ['a', 'b', 'c'],
      ['x,1', 'he said "hi"', 'line1\nline2'],
      ['1', '', '3'],
    ]);
  });
  it('accepts bare CR line ends and mixed quoted/unquoted files', () => {
    expect(parseCsvRecords('a,b\r1,2\r')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsvRecords('a,b\r\n"1",2\r\n3,""\r\n')).toEqual([['a', 'b'], ['1', '2'], ['3', '']]);
  });
  it('accepts a missing final line break and skips blank lines and a BOM', () => {
    expect(parseCsvRecords('\ufeffa,b\n\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });
  it('rejects an unterminated quote with a line number and no cell value', () => {
    expect(() => parseCsvRecords('a\n"secret')).toThrow(/line 2/);
    try {
      parseCsvRecords('a\n"secret');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });
});

describe('parseCsv typing', () => {
  it('types numeric columns with NaN for missing and keeps string columns', () => {
    const t = parseCsv('id,x,s\n007,1.5,a\n008,NA,b\n009,,c\n010,-2e3,d\n', { stringColumns: ['id'] });
    expect(t.numRows).toBe(4);
    expect(t.data.id).toEqual(['007', '008', '009', '010']);
    const x = getNumericColumn(t, 'x');
    expect(Array.from(x)).toEqual([1.5, NaN, NaN, -2000]);
    expect(t.data.s).toEqual(['a', 'b', 'c', 'd']);
  });
  it('does not treat hex or words as numbers', () => {
    const t = parseCsv('h\n0x1f\n12\n');
    expect(t.data.h).toEqual(['0x1f', '12']);
  });
  it('reports ragged records and missing columns as DataError', () => {
    expect(() => parseCsv('a,b\n1\n')).toThrow(DataError);
    expect(() => parseCsv('a,b\n1,2\n', { columns: ['c'] })).toThrow(/'c'/);
  });
  it('readCsvHeader agrees with a full parse, with and without quotes', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/sfw-data-`);
    for (const text of ['a,b\r\n1,2\r\n\r\n3,4', 'a,"b\nc"\n1,"x\ny"\n2,3\n', '\ufeffa\n1\n']) {
      await writeFile(`${dir}/t.csv`, text);
      const h = await readCsvHeader(`${dir}/t.csv`);
      const t = parseCsv(text);
      expect(h).toEqual({ columns: t.columns, numRows: t.numRows });
    }
  });
  it('reads the bundled breast_cancer alice table', async () => {
    const path = fileURLToPath(new URL('../../../examples/data/breast_cancer/alice.csv', import.meta.url));
    const t = await readCsv(path, { stringColumns: ['id'] });
    expect(t.numRows).toBe(557);
    expect(t.columns.length).toBe(17);
    expect(getNumericColumn(t, 'y').every((v) => v === 0 || v === 1)).toBe(true);
  });
});

describe('formatCsv round trip', () => {
  it('round-trips arbitrary strings and doubles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 20 }),
        (rows) => {
          // A leading marker keeps the string column from looking numeric.
          const s = rows.map(([a]) => `s${a}`);
          const x = Float64Array.from(rows.map(([, b]) => (Object.is(b, -0) ? 0 : b)));
          const t = makeTable(['s', 'x'], { s, x });
          const back = parseCsv(formatCsv(t), { stringColumns: ['s'] });
          // Bare \r inside a field is normalised by quoting, so the strings survive unchanged.
          expect(back.data.s).toEqual(s);
          expect(Array.from(getNumericColumn(back, 'x'))).toEqual(Array.from(x));
        },
      ),
      { numRuns: 200 },
    );
  });
});
