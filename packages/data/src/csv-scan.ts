// RFC 4180 record scanner over bytes: finds the field boundaries of every complete record in a
// buffer without decoding anything. Comma separator; a field starting with '"' is quoted, '""'
// inside it is one quote, and commas and line breaks inside it are data; a '"' inside an unquoted
// field is a literal character (as pandas reads it). Records end at LF, CRLF or a bare CR; blank
// lines carry no record. Separators, quotes and line breaks are ASCII, so UTF-8 text needs no
// decoding to be split (continuation bytes are >= 0x80).
import { DataError } from './table.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Field and record boundaries found in one buffer. */
export class RecordIndex {
  /** [start, end) of every field's content (quotes excluded), two entries per field. */
  bounds: Int32Array<ArrayBuffer>;
  /** [start, end) of every record without its line break. */
  records: Int32Array<ArrayBuffer>;
  fieldCount = 0;
  recordCount = 0;
  /** Field numbers (over the whole index) of quoted fields holding a doubled quote. */
  escaped: Set<number> | undefined;

  /** Sized for a buffer of `bytes` bytes of typical tables (8+ bytes per field), grown if needed. */
  constructor(bytes = 0) {
    this.bounds = new Int32Array(Math.max(1 << 10, bytes >> 2));
    this.records = new Int32Array(Math.max(1 << 6, bytes >> 5));
  }

  pushField(s: number, e: number): void {
    const k = this.fieldCount * 2;
    if (k + 2 > this.bounds.length) this.bounds = grow(this.bounds);
    this.bounds[k] = s;
    this.bounds[k + 1] = e;
    this.fieldCount++;
  }

  pushRecord(s: number, e: number): void {
    const k = this.recordCount * 2;
    if (k + 2 > this.records.length) this.records = grow(this.records);
    this.records[k] = s;
    this.records[k + 1] = e;
    this.recordCount++;
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

export interface ScanPlace {
  /** Names the file in error messages (a base name, never a cell value). */
  source: string;
  /** Data rows before this buffer (for 1-based row numbers in errors). */
  rowsBefore: number;
}

/**
 * Scans complete records of `buf` from `pos` into `idx`, at most `maxRecords` of them. `width` is
 * the number of fields every record must have (-1: any, for the header). When `final` is false a
 * record that reaches the end of `buf` is left for the next buffer. Returns the offset just past
 * the last record taken (its line break included).
 */
export function scanRecords(buf: Uint8Array, pos: number, final: boolean, idx: RecordIndex, width: number, maxRecords: number, place: ScanPlace): number {
  const end = buf.length;
  let p = pos;
  while (p < end && idx.recordCount < maxRecords) {
    let c = buf[p]!;
    if (c === LF) {
      p++;
      continue;
    }
    if (c === CR) {
      if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
      else if (final) p++;
      else return p;
      continue;
    }
    const rs = p;
    const f0 = idx.fieldCount;
    const rollback = (): number => {
      idx.fieldCount = f0;
      return rs;
    };
    for (;;) {
      if (p < end && buf[p] === QUOTE) {
        const fs = p + 1;
        let q = fs;
        let esc = false;
        for (;;) {
          q = indexOfQuote(buf, q);
          if (q === -1) {
            if (!final) return rollback();
            throw new DataError('CSV_PARSE', `${place.source}: ${rowName(place, idx)} has an unterminated quoted field`);
          }
          if (q + 1 < end && buf[q + 1] === QUOTE) {
            esc = true;
            q += 2;
            continue;
          }
          if (q + 1 === end && !final) return rollback(); // the next byte may be a second quote
          break;
        }
        if (esc) (idx.escaped ??= new Set()).add(idx.fieldCount);
        idx.pushField(fs, q);
        p = q + 1;
        if (p < end) {
          c = buf[p]!;
          if (c !== COMMA && c !== LF && c !== CR) throw new DataError('CSV_PARSE', `${place.source}: ${rowName(place, idx)} has text after a closing quote`);
        }
      } else {
        const fs = p;
        while (p < end) {
          c = buf[p]!;
          if (c === COMMA || c === LF || c === CR) break;
          p++;
        }
        idx.pushField(fs, p);
      }
      if (p >= end) {
        if (!final) return rollback();
        endRecord(idx, rs, p, f0, width, place);
        return p;
      }
      c = buf[p]!;
      if (c === COMMA) {
        p++;
        continue;
      }
      const re = p;
      if (c === CR) {
        if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else return rollback();
      } else p++;
      endRecord(idx, rs, re, f0, width, place);
      break;
    }
  }
  return p;
}

function indexOfQuote(buf: Uint8Array, from: number): number {
  return buf.indexOf(QUOTE, from);
}

function rowName(place: ScanPlace, idx: RecordIndex): string {
  return place.rowsBefore < 0 ? 'the header' : `row ${place.rowsBefore + idx.recordCount + 1}`;
}

function endRecord(idx: RecordIndex, rs: number, re: number, f0: number, width: number, place: ScanPlace): void {
  const n = idx.fieldCount - f0;
  if (width >= 0 && n !== width) {
    throw new DataError('CSV_PARSE', `${place.source}: ${rowName(place, idx)} has ${n} fields, the header has ${width}`);
  }
  idx.pushRecord(rs, re);
}
