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
const NO_WORDS = new Int32Array(0);

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

  /** Empties the index for another buffer, keeping its arrays (already touched memory). */
  reset(): void {
    this.fieldCount = 0;
    this.recordCount = 0;
    this.escaped = undefined;
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
  // The field bounds live in locals while scanning (written back on every exit): no property
  // load, store or bounds-check call per field.
  let bounds = idx.bounds;
  let nb = idx.fieldCount * 2;
  let p = pos;
  // buf as aligned 32-bit words: word w holds bytes a0 + 4w .. a0 + 4w + 3.
  const a0 = (4 - (buf.byteOffset & 3)) & 3;
  const nw = end > a0 ? (end - a0) >> 2 : 0;
  const words = nw > 0 ? new Int32Array(buf.buffer, buf.byteOffset + a0, nw) : NO_WORDS;
  scan: while (p < end && idx.recordCount < maxRecords) {
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
    const f0 = nb >> 1;
    for (;;) {
      if (nb + 2 > bounds.length) bounds = idx.bounds = grow(bounds);
      if (p < end && buf[p] === QUOTE) {
        const fs = p + 1;
        let q = fs;
        let esc = false;
        for (;;) {
          q = indexOfQuote(buf, q);
          if (q === -1) {
            if (!final) return rollback(idx, f0, rs);
            idx.fieldCount = nb >> 1;
            throw new DataError('CSV_PARSE', `${place.source}: ${rowName(place, idx)} has an unterminated quoted field`);
          }
          if (q + 1 < end && buf[q + 1] === QUOTE) {
            esc = true;
            q += 2;
            continue;
          }
          if (q + 1 === end && !final) return rollback(idx, f0, rs); // the next byte may be a second quote
          break;
        }
        if (esc) (idx.escaped ??= new Set()).add(nb >> 1);
        bounds[nb++] = fs;
        bounds[nb++] = q;
        p = q + 1;
        if (p < end) {
          c = buf[p]!;
          if (c !== COMMA && c !== LF && c !== CR) throw new DataError('CSV_PARSE', `${place.source}: ${rowName(place, idx)} has text after a closing quote`);
        }
      } else {
        const fs = p;
        // Every byte that can end an unquoted field (comma 0x2c, LF, CR) is below 0x2d, and digits,
        // '.', '-' and letters are not: whole aligned words with no byte below 0x2d are skipped
        // four bytes at a time (the "has a byte less than n" test, exact for n <= 128: a UTF-8 byte
        // >= 0x80 is never flagged); a flagged word and the ends go byte by byte, one compare each.
        while (p < end && ((p - a0) & 3) !== 0 && ((c = buf[p]!) > COMMA || (c !== COMMA && c !== LF && c !== CR))) p++;
        if (((p - a0) & 3) === 0) {
          for (let w = (p - a0) >> 2; w < nw; w++, p += 4) {
            const x = words[w]!;
            if (((x - 0x2d2d2d2d) & ~x & 0x80808080) !== 0) break;
          }
        }
        while (p < end && ((c = buf[p]!) > COMMA || (c !== COMMA && c !== LF && c !== CR))) p++;
        bounds[nb++] = fs;
        bounds[nb++] = p;
      }
      if (p >= end) {
        if (!final) return rollback(idx, f0, rs);
        idx.fieldCount = nb >> 1;
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
        else return rollback(idx, f0, rs);
      } else p++;
      idx.fieldCount = nb >> 1;
      endRecord(idx, rs, re, f0, width, place);
      continue scan;
    }
  }
  return p;
}

/** Drops the fields of an incomplete record left for the next buffer; scanning resumes at its start. */
function rollback(idx: RecordIndex, f0: number, rs: number): number {
  idx.fieldCount = f0;
  return rs;
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
