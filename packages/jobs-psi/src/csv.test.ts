import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecord, readHeader, scanRecords, keyColumnIndexes } from './csv.ts';
import { PsiParameterError } from './errors.ts';
import { tempDir } from './__tests__/fixtures.ts';

function records(text: string): string[][] {
  const p = join(tempDir(), 'x.csv');
  writeFileSync(p, text);
  const out: string[][] = [];
  scanRecords(p, (buf, s, e) => {
    out.push(parseRecord(buf, s, e));
  });
  return out;
}

describe('streaming CSV scanner', () => {
  it('RFC 4180: quotes, doubled quotes, commas and newlines inside quotes, CRLF, no final newline', () => {
    expect(records('id,v\r\n"a,b","say ""hi"""\r\n"multi\nline",2\n\nlast,3')).toEqual([
      ['id', 'v'], ['a,b', 'say "hi"'], ['multi\nline', '2'], ['last', '3'],
    ]);
  });

  it('a quote inside an unquoted field is a literal character, not the start of a quoted field', () => {
    expect(records('id,v\nab"c,1\nd,2\n')).toEqual([['id', 'v'], ['ab"c', '1'], ['d', '2']]);
  });

  it('records spanning the 1 MiB read chunk come out whole, with exact byte offsets', () => {
    const long = 'x'.repeat(700_000);
    const text = `id,v\n${long},1\n"${long}\n${long}",2\nend,3\n`;
    const p = join(tempDir(), 'big.csv');
    writeFileSync(p, text);
    const seen: { f: string[]; off: number; len: number }[] = [];
    scanRecords(p, (buf, s, e, off) => {
      seen.push({ f: parseRecord(buf, s, e), off, len: e - s });
    });
    expect(seen.map((r) => r.f[1])).toEqual(['v', '1', '2', '3']);
    expect(seen[2]!.f[0]).toBe(`${long}\n${long}`);
    for (const r of seen) expect(text.slice(r.off, r.off + r.len).endsWith(r.f[1]!)).toBe(true);
  });

  it('header problems name the field', () => {
    const dir = tempDir();
    const p = join(dir, 'h.csv');
    writeFileSync(p, 'a,b\n1,2\n');
    expect(() => keyColumnIndexes(readHeader(p, 'input.alice.path'), ['id'], 'input.alice.keys')).toThrow(PsiParameterError);
    expect(() => readHeader(join(dir, 'nope.csv'), 'input.alice.path')).toThrow(/input\.alice\.path/);
    writeFileSync(join(dir, 'empty.csv'), '');
    expect(() => readHeader(join(dir, 'empty.csv'), 'input.bob.path')).toThrow(/input\.bob\.path/);
  });
});
