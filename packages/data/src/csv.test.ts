import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CsvBatch } from './csv-read.ts';
import { CsvCursor, parseCsv, readCsv, readCsvBatches, readCsvHeader } from './csv-read.ts';
import { cellNumber, isMissingCell, parseCellBytes } from './csv-number.ts';
import { formatCsv, formatCsvRowBytes, writeCsv } from './csv-write.ts';
import type { CsvByteScratch } from './csv-write.ts';
import { DataError, getNumericColumn, makeTable } from './table.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfw-data-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reference RFC 4180 splitter, character by character (slow and obvious). */
function refRecords(text: string): string[][] {
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const endRecord = () => {
    rec.push(field);
    if (!(rec.length === 1 && rec[0] === '' && !quoted)) out.push(rec);
    rec = [];
    field = '';
    quoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (field === '' && c === '"' && !quoted) {
      quoted = true;
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error('unterminated');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (c === ',') {
      rec.push(field);
      field = '';
      quoted = false;
      i++;
    } else if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || rec.length > 0 || quoted) endRecord();
  return out;
}

/**
 * All records read through the cursor with the input cut into two pieces at `cut`; `align` places
 * the bytes at that offset of a fresh buffer (the scanner reads aligned 32-bit words).
 */
function cursorRecords(text: string, cut: number, align?: number): string[][] {
  let bytes = Buffer.from(text, 'utf8');
  if (align !== undefined) {
    const a = Buffer.alloc(bytes.length + 8, 0x2c); // separators around it must not be read
    bytes.copy(a, align);
    bytes = a.subarray(align, align + bytes.length);
  }
  const cursor = new CsvCursor('t.csv');
  const rows: string[][] = [];
  const collect = (b: ReturnType<CsvCursor['take']>['batch']) => {
    if (b === undefined) return;
    const cols = b.header.map((_, j) => b.strings(j));
    for (let i = 0; i < b.numRows; i++) rows.push(cols.map((c) => c[i]!));
  };
  const first = cursor.take(bytes.subarray(0, cut), 0, cut === bytes.length);
  collect(first.batch);
  if (cut < bytes.length) {
    const rest = bytes.subarray(first.used);
    collect(cursor.take(rest, first.used, true).batch);
  }
  return [[...cursor.header!], ...rows];
}

const cellChars = fc.constantFrom('a', 'b', 'é', '€', ' ', ',', '"', '\n', '\r', '1', '.', '-');
const cell = fc.array(cellChars, { maxLength: 6 }).map((a) => a.join(''));

/** Encodes records as CSV with the given quoting, line end, BOM and final line break. */
function encode(records: string[][], o: { quoteAll: boolean; crlf: boolean; bom: boolean; finalEol: boolean }): string {
  const q = (s: string) => (o.quoteAll || /[",\r\n]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s);
  const eol = o.crlf ? '\r\n' : '\n';
  return (o.bom ? '\ufeff' : '') + records.map((r) => r.map(q).join(',')).join(eol) + (o.finalEol ? eol : '');
}

const tableArb = fc.integer({ min: 1, max: 4 }).chain((w) => fc.array(fc.array(cell, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 6 }));
const styleArb = fc.record({ quoteAll: fc.boolean(), crlf: fc.boolean(), bom: fc.boolean(), finalEol: fc.boolean() });

describe('byte scanner (RFC 4180) against a reference splitter', () => {
  it('random quoting, CRLF, BOM, with the input cut at every byte position', () => {
    fc.assert(
      fc.property(tableArb, styleArb, (records, style) => {
        const text = encode(records, style);
        const want = refRecords(text);
        expect(want).toEqual(records);
        const n = Buffer.byteLength(text);
        for (let cut = 0; cut <= n; cut++) expect(cursorRecords(text, cut)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('long unquoted fields of every byte class, at every word alignment and cut', () => {
    // Bytes on both sides of the word test's threshold (0x2c, 0x2d), controls, UTF-8 of 2-4 bytes.
    const longChars = fc.constantFrom('a', '0', '9', '.', '-', '+', '*', ' ', '\t', '!', '#', '\u007f', 'é', '€', '😀', 'e', 'E', ',', '"', '\n', '\r');
    const longCell = fc.array(longChars, { maxLength: 24 }).map((a) => a.join(''));
    const longTable = fc.integer({ min: 1, max: 4 }).chain((w) => fc.array(fc.array(longCell, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(longTable, styleArb, fc.integer({ min: 0, max: 3 }), (records, style, align) => {
        const text = encode(records, { ...style, quoteAll: false });
        const want = refRecords(text);
        expect(want).toEqual(records);
        const n = Buffer.byteLength(text);
        for (let cut = 0; cut <= n; cut++) expect(cursorRecords(text, cut, align)).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  it('streams from a file in chunks of every size', async () => {
    const records = [['id', 'v', 'w'], ['a,1', 'say ""hi""', 'x\r\ny'], ['', '€', '2.5'], ['z', '"', '']];
    const text = encode(records, { quoteAll: true, crlf: true, bom: true, finalEol: false });
    const p = join(dir, 'chunks.csv');
    writeFileSync(p, text);
    for (let chunk = 1; chunk <= Buffer.byteLength(text) + 1; chunk++) {
      const rows: string[][] = [];
      let header: readonly string[] = [];
      for await (const b of readCsvBatches(p, { chunkBytes: chunk })) {
        header = b.header;
        for (let i = 0; i < b.numRows; i++) rows.push(b.header.map((_, j) => b.strings(j)[i]!));
      }
      expect([header, ...rows]).toEqual(refRecords(text));
    }
  });

  it('reuses a batch\'s memory for the next one unless batches are retained', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `k${i},${i * 0.25},"t""${i}"`);
    const p = join(dir, 'reuse.csv');
    writeFileSync(p, ['id,v,w', ...rows].join('\n'));
    const read = async (retain: boolean) => {
      const kept: CsvBatch[] = [];
      const got: { ids: string[]; v: number[]; w: string[] }[] = [];
      for await (const b of readCsvBatches(p, { chunkBytes: 64, retain })) {
        kept.push(b);
        got.push({ ids: b.strings(0), v: [...b.numbers(1)!], w: b.strings(2) });
      }
      return { kept, got };
    };
    const reused = await read(false);
    const retained = await read(true);
    // The arrays and strings handed out stay valid; the batches themselves do not.
    expect(reused.got).toEqual(retained.got);
    expect(reused.got.flatMap((g) => g.w)).toEqual(Array.from({ length: 200 }, (_, i) => `t"${i}`));
    expect(reused.kept.length).toBeGreaterThan(10);
    for (const b of reused.kept.slice(0, -1)) {
      expect(() => b.numbers(1)).toThrow(DataError);
      expect(() => b.strings(0)).toThrow(/used after the next batch/);
      expect(() => b.rowOffset(0)).toThrow(DataError);
    }
    retained.kept.forEach((b, k) => expect(b.strings(0)).toEqual(retained.got[k]!.ids));
  });

  it('gives a column\'s cells as packed bytes equal to the UTF-8 of its strings', async () => {
    const records = [['id', 'q'], ...Array.from({ length: 300 }, (_, i) => [i % 5 === 0 ? `é€${i}` : i % 7 === 0 ? '' : `k${i}`, i % 3 === 0 ? `say ""${i}"" ${'y'.repeat(i % 40)}` : `${i}`])];
    const text = records.map((r) => r.map((c) => (c.includes('"') ? `"${c}"` : c)).join(',')).join('\n');
    const p = join(dir, 'cellbytes.csv');
    writeFileSync(p, text);
    for await (const b of readCsvBatches(p, { chunkBytes: 256 })) {
      for (const col of [0, 1]) {
        const strs = b.strings(col);
        const { bytes, start } = b.cellBytes(col);
        expect(start.length).toBe(b.numRows + 1);
        for (let i = 0; i < b.numRows; i++) expect(Buffer.from(bytes.subarray(start[i]!, start[i + 1]!)).toString('utf8')).toBe(strs[i]);
      }
    }
  });

  it('decodes a few columns of wide rows cell by cell and many columns by slicing the chunk alike', async () => {
    const pad = 'x'.repeat(300);
    for (const id of ['k', 'é€']) {
      const records = [['id', 'pad', 'q'], ...Array.from({ length: 40 }, (_, i) => [`${id}${i}`, pad, i % 3 === 0 ? `say "${i}"` : `${i}`])];
      const text = encode(records, { quoteAll: false, crlf: false, bom: false, finalEol: true });
      const p = join(dir, 'wide.csv');
      writeFileSync(p, text);
      const rows: string[][] = [];
      for await (const b of readCsvBatches(p, { chunkBytes: 4096 })) {
        // One narrow column of wide rows first (cell by cell), then the rest (the chunk sliced).
        const q = b.strings(2);
        const ids = b.strings(0);
        const pads = b.strings(1);
        for (let i = 0; i < b.numRows; i++) rows.push([ids[i]!, pads[i]!, q[i]!]);
      }
      expect([['id', 'pad', 'q'], ...rows]).toEqual(records);
    }
  });

  it('gives each row its byte range in the file', async () => {
    const text = '\ufeffid,v\r\n"a\nb",1\n\nc,2';
    const p = join(dir, 'ranges.csv');
    writeFileSync(p, text);
    const bytes = Buffer.from(text);
    const got: string[] = [];
    for await (const b of readCsvBatches(p, { chunkBytes: 4 })) for (let i = 0; i < b.numRows; i++) got.push(bytes.toString('utf8', b.rowOffset(i), b.rowOffset(i) + b.rowLength(i)));
    expect(got).toEqual(['"a\nb",1', 'c,2']);
  });

  it('rejects ragged rows with the file name and 1-based row number, never a value', async () => {
    const p = join(dir, 'ragged.csv');
    writeFileSync(p, 'id,v\nsecret1,1\nsecret2\n');
    const err = await readCsv(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe('ragged.csv: row 2 has 1 fields, the header has 2');
    writeFileSync(p, 'id,v\nsecret1,1,9\n');
    await expect(readCsvHeader(p)).rejects.toThrow('ragged.csv: row 1 has 3 fields, the header has 2');
    expect(() => parseCsv('a,b\n"secret')).toThrow(/row 1 has an unterminated quoted field$/);
    expect(() => parseCsv('a,b\n"secret"x,1')).toThrow(/row 1 has text after a closing quote$/);
    expect(() => parseCsv('')).toThrow(/empty CSV/);
  });
});

/** Reference cell rule on strings. */
function refCell(s: string): number | undefined {
  const t = s.replace(/^[ \t]+|[ \t]+$/g, '');
  if (['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'].includes(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || /^[+-]?Infinity$/.test(t)) return Number(t);
  return undefined;
}

const bytesOf = (s: string) => Buffer.from(s, 'latin1');
const parse = (s: string) => parseCellBytes(bytesOf(s), 0, s.length);

describe('pass-through cells copied from a batch', () => {
  // Field bytes of every kind the writer treats differently: plain ASCII, a literal quote inside an
  // unquoted field, quoted fields with separators, line breaks and doubled quotes, valid UTF-8 of
  // 2-4 bytes, and invalid UTF-8 (which the decoder turns into U+FFFD).
  const field = fc.oneof(
    fc.constantFrom('', 'a', '12.5', '-0', 'x"y', 'say "hi"', '\u00e9t\u00e9', '\u20ac1', '\u{1f600}').map((t) => Buffer.from(t, 'utf8')),
    fc.constantFrom('"a,b"', '"x\ny"', '"q""r"', '""""', '""', '"\u00e9""\u20ac"').map((t) => Buffer.from(t, 'utf8')),
    fc.constantFrom([0xff], [0x61, 0xc3], [0xe2, 0x82], [0x22, 0xff, 0x22], [0x22, 0x22, 0x22, 0xc3, 0x22]).map((b) => Buffer.from(b)),
  );
  const rowsArb = fc.integer({ min: 1, max: 4 }).chain((w) => fc.array(fc.array(field, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 30 }));

  it('writes exactly the bytes the writer gives for the decoded strings', async () => {
    const p = join(dir, 'pass.csv');
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.integer({ min: 8, max: 256 }), async (rows, chunkBytes) => {
        const w = rows[0]!.length;
        const header = Buffer.from(Array.from({ length: w }, (_, j) => `c${j}`).join(','));
        const lines = rows.map((r) => Buffer.concat(r.flatMap((f, j) => (j > 0 ? [Buffer.from(','), f] : [f]))));
        writeFileSync(p, Buffer.concat([header, ...lines.flatMap((l) => [Buffer.from('\n'), l])]));
        let checked = 0;
        // Output memory reused from batch to batch (grown when a batch needs more) gives the same bytes.
        const scratch: CsvByteScratch = {};
        for await (const b of readCsvBatches(p, { chunkBytes })) {
          const names = [...b.header];
          const strings = makeTable(names, Object.fromEntries(names.map((c, j) => [c, b.strings(j)])));
          const stands = names.map(() => new Array<string>(b.numRows));
          const copied = makeTable(names, Object.fromEntries(names.map((c, j) => [c, stands[j]!])));
          const passThrough = new Map(stands.map((s, j) => [s, { batch: b, column: j }] as const));
          const fresh = formatCsvRowBytes(strings);
          expect(formatCsvRowBytes(copied, passThrough)).toEqual(fresh);
          expect(formatCsvRowBytes(copied, passThrough, scratch)).toEqual(fresh);
          checked += b.numRows;
        }
        // Blank one-field lines carry no record; every other line was compared.
        expect(checked).toBe(rows.filter((r) => !(w === 1 && r[0]!.length === 0)).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('numeric cells straight from bytes', () => {
  it('every double round-trips through its shortest decimal (and exponent forms)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        for (const s of [String(x), x.toExponential(), x.toPrecision(17), x.toPrecision(16), x.toFixed(Math.abs(x) < 1e21 ? 20 : 0)]) expect(Object.is(parse(s), Number(s))).toBe(true);
        if (!Object.is(x, -0)) expect(Object.is(parse(String(x)), x)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('random decimal literals give exactly Number()', () => {
    const digits = fc.array(fc.constantFrom(...'0123456789'), { minLength: 0, maxLength: 24 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits, fc.option(digits), fc.option(fc.integer({ min: -40, max: 40 })), (sign, a, b, e) => {
        const s = `${sign}${a}${b === null ? '' : `.${b}`}${e === null ? '' : `e${e}`}`;
        expect(Object.is(parse(s), refCell(s))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('16 to 19 digit mantissas on both sides of 2^53 (the one-division path ends there) give exactly Number()', () => {
    // 2^53 = 9007199254740992: below it the mantissa is one exact double, from it on the
    // double-double path decides.
    const edges = ['9007199254740991', '9007199254740992', '9007199254740993', '9007199254740994', '9007199254740995', '8999999999999999', '9999999999999999', '10000000000000001', '1000000000000000', '9007199254740991999'];
    for (const m of edges)
      for (let k = 0; k <= m.length; k++) {
        for (const e of ['', 'e-3', 'e5', 'e-22', 'e22', 'e-30']) {
          const s = `${m.slice(0, k)}${k < m.length ? '.' : ''}${m.slice(k)}${e}`;
          expect(Object.is(parse(s), Number(s)), s).toBe(true);
          expect(Object.is(parse(`-${s}`), Number(`-${s}`)), `-${s}`).toBe(true);
        }
      }
    fc.assert(
      fc.property(fc.bigInt({ min: 10n ** 15n, max: 10n ** 19n - 1n }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: -25, max: 25 }), (m, k, e) => {
        const t = String(m);
        const s = `${t.slice(0, Math.min(k, t.length))}.${t.slice(Math.min(k, t.length))}e${e}`;
        expect(Object.is(parse(s), Number(s)), s).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('missing markers, spaces, words and hex follow the cell rule', () => {
    for (const m of [' NA', 'None\t', '', 'null']) expect(isMissingCell(m)).toBe(true);
    const cases = ['', ' ', 'NA', ' nan ', 'None', 'null', 'N/A', 'Infinity', '-Infinity', '+Infinity', 'inf', '0x1f', '1e', 'e5', '.', '-', '1.', '.5', ' 2.5\t', '1 2', '1,5', '-0', '00123', '1e400', '1e-400', '12345678901234567890123', '9007199254740993', '9007199254740992.5', '0.30000000000000004', '2.2250738585072014e-308', '1.7976931348623157e308', '123456789012345678e-5'];
    for (const s of cases) expect([s, Object.is(parse(s), refCell(s))]).toEqual([s, true]);
    const long = `1${'0'.repeat(300_000)}e-300000`;
    expect(parse(long)).toBe(1);
    fc.assert(fc.property(fc.string(), (s) => {
      expect(Object.is(cellNumber(s), refCell(s))).toBe(true);
      const r = refCell(s);
      expect(isMissingCell(s)).toBe(r !== undefined && Number.isNaN(r));
    }), { numRuns: 5000 });
  });
});

describe('tables', () => {
  it('types numeric columns with NaN for missing and keeps string columns', () => {
    const t = parseCsv('id,x,s\n007,1.5,a\n008,NA,b\n009,,c\n010,-2e3,d\n', { stringColumns: ['id'] });
    expect(t.numRows).toBe(4);
    expect(t.data.id).toEqual(['007', '008', '009', '010']);
    expect(Array.from(getNumericColumn(t, 'x'))).toEqual([1.5, NaN, NaN, -2000]);
    expect(t.data.s).toEqual(['a', 'b', 'c', 'd']);
    expect(parseCsv('h\n0x1f\n12\n').data.h).toEqual(['0x1f', '12']);
    expect(() => parseCsv('a,b\n1,2\n', { columns: ['c'] })).toThrow(/'c'/);
  });

  it('a column is numeric only when every batch is', async () => {
    const p = join(dir, 'mixed.csv');
    writeFileSync(p, `x,y\n${Array.from({ length: 5000 }, (_, i) => `${i},${i === 4999 ? 'w' : i}`).join('\n')}\n`);
    const t = await readCsv(p);
    expect(getNumericColumn(t, 'x').length).toBe(5000);
    expect((t.data.y as string[])[10]).toBe('10');
  });

  it('readCsvHeader agrees with a full parse, with quotes, CRLF, BOM and a header-only file', async () => {
    for (const text of ['a,b\r\n1,2\r\n\r\n3,4', 'a,"b\nc"\n1,"x\ny"\n2,3\n', '\ufeffa\n1\n', '"a","b"\n']) {
      writeFileSync(join(dir, 't.csv'), text);
      const h = await readCsvHeader(join(dir, 't.csv'));
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

describe('writer -> reader round trip', () => {
  it('quotes every text field and header name, writes numbers as shortest round-trip decimals', async () => {
    const t = makeTable(['id', 'x'], { id: ['a"b', 'c,d'], x: Float64Array.of(-0, NaN) });
    expect(formatCsv(t)).toBe('"id","x"\n"a""b",-0\n"c,d",\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.double({ noNaN: true })), { minLength: 1, maxLength: 20 }), fc.string(), (rows, name) => {
        // A leading marker keeps the text column from looking numeric.
        const s = rows.map(([a]) => `s${a}`);
        const x = Float64Array.from(rows.map(([, b]) => b));
        const back = parseCsv(formatCsv(makeTable([`n${name}`, 'x'], { [`n${name}`]: s, x })));
        expect(back.columns).toEqual([`n${name}`, 'x']);
        expect(back.data[`n${name}`]).toEqual(s);
        expect(Array.from(getNumericColumn(back, 'x')).every((v, i) => Object.is(v, x[i]))).toBe(true);
      }),
      { numRuns: 300 },
    );
    const big = makeTable(['x'], { x: Float64Array.from({ length: 40_000 }, (_, i) => i / 7) });
    await writeCsv(join(dir, 'big.csv'), big);
    expect(Array.from(getNumericColumn(await readCsv(join(dir, 'big.csv')), 'x'))).toEqual(Array.from(big.data.x as Float64Array));
  });
});
