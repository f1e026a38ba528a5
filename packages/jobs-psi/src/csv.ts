// Streaming CSV scanner for PSI: reads only what PSI needs (the key columns of each row and the
// row's byte range), never the whole file.
//
// Why not `@sfw/data`: PSI must work on inputs larger than memory, and its output copies rows
// verbatim, so it needs byte offsets of rows rather than parsed tables. The scanner follows
// RFC 4180 (quoted fields, doubled quotes, CRLF or LF, newlines inside quotes).
import { openSync, readSync, closeSync } from 'node:fs';
import { PsiParameterError } from './errors.ts';

const CHUNK = 1 << 20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvHeader {
  /** Column names in file order. */
  readonly columns: string[];
  /** Byte length of the header line including its line break. */
  readonly byteLength: number;
  /** The header record as written (without its line break), copied to the output. */
  readonly raw: Buffer;
}

/** Splits one CSV record (without its line break) into decoded fields. */
export function parseRecord(buf: Uint8Array, start: number, end: number): string[] {
  const fields: string[] = [];
  const dec = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = start;
  for (;;) {
    if (i < end && buf[i] === QUOTE) {
      let j = i + 1;
      let out = '';
      let segStart = j;
      for (;;) {
        if (j >= end) throw new Error('unterminated quoted field');
        if (buf[j] === QUOTE) {
          if (j + 1 < end && buf[j + 1] === QUOTE) {
            out += dec.toString('utf8', segStart, j + 1);
            j += 2;
            segStart = j;
            continue;
          }
          out += dec.toString('utf8', segStart, j);
          j += 1;
          break;
        }
        j += 1;
      }
      fields.push(out);
      if (j >= end) return fields;
      if (buf[j] !== COMMA) throw new Error('text after closing quote');
      i = j + 1;
    } else {
      let j = i;
      while (j < end && buf[j] !== COMMA) j += 1;
      fields.push(dec.toString('utf8', i, j));
      if (j >= end) return fields;
      i = j + 1;
    }
  }
}

/**
 * Calls `onRecord(buf, start, end, offset)` for every record of the file, where `buf[start..end)`
 * is the record without its line break and `offset` its byte position in the file. Empty lines are
 * skipped. Reads the file in 1 MiB chunks; a record may span chunks.
 */
export function scanRecords(
  path: string,
  onRecord: (buf: Buffer, start: number, end: number, fileOffset: number, rawLength: number) => boolean | void,
): void {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0; // bytes valid in buf
    let bufFileOffset = 0; // file offset of buf[0]
    let eof = false;
    let recStart = 0;
    let pos = 0;
    let inQuotes = false;
    let fieldStart = true;
    let afterClose = false;
    for (;;) {
      if (pos >= filled) {
        if (eof) break;
        // Keep the partial record, refill behind it.
        if (recStart > 0) {
          buf.copy(buf, 0, recStart, filled);
          bufFileOffset += recStart;
          filled -= recStart;
          pos -= recStart;
          recStart = 0;
        }
        if (filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        const n = readSync(fd, buf, filled, buf.length - filled, bufFileOffset + filled);
        if (n === 0) eof = true;
        filled += n;
        continue;
      }
      const c = buf[pos]!;
      if (c === QUOTE) {
        // A quote opens a quoted field only at the start of a field (or right after a closing
        // quote: the "" escape); elsewhere it is a literal character, as pandas reads it.
        if (inQuotes) {
          inQuotes = false;
          afterClose = true;
        } else if (fieldStart || afterClose) {
          inQuotes = true;
          afterClose = false;
        }
        fieldStart = false;
      } else if (inQuotes) {
        // inside quotes: commas and line breaks are data
      } else if (c === COMMA) {
        fieldStart = true;
        afterClose = false;
      } else if (c === LF) {
        fieldStart = true;
        afterClose = false;
        let end = pos;
        if (end > recStart && buf[end - 1] === CR) end -= 1;
        if (end > recStart) {
          if (onRecord(buf, recStart, end, bufFileOffset + recStart, pos + 1 - recStart) === false) return;
        }
        recStart = pos + 1;
      } else if (c !== CR) {
        fieldStart = false;
        afterClose = false;
      }
      pos += 1;
    }
    if (inQuotes) throw new Error('unterminated quoted field at end of file');
    let end = filled;
    if (end > recStart && buf[end - 1] === CR) end -= 1;
    if (end > recStart) onRecord(buf, recStart, end, bufFileOffset + recStart, filled - recStart);
  } finally {
    closeSync(fd);
  }
}

/** Opens a CSV input, failing with a `ParameterValidationError` naming `field` if it is unreadable. */
export function readHeader(path: string, field: string): CsvHeader {
  let header: CsvHeader | undefined;
  try {
    scanRecords(path, (buf, start, end, offset, raw) => {
      header = { columns: parseRecord(buf, start, end), byteLength: offset + raw, raw: Buffer.from(buf.subarray(start, end)) };
      return false;
    });
  } catch (err) {
    throw new PsiParameterError(field, 'input file is not a readable CSV', { cause: err });
  }
  if (!header) throw new PsiParameterError(field, 'input file is empty (no header line)');
  return header;
}

/** Resolves key column names to indexes; a missing column fails naming the field. */
export function keyColumnIndexes(header: CsvHeader, keys: readonly string[], field: string): number[] {
  return keys.map((k) => {
    const i = header.columns.indexOf(k);
    if (i < 0) throw new PsiParameterError(field, `key column "${k}" is not in the input header`);
    return i;
  });
}
