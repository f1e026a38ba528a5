// The PYU side of SS-XGB: what each party computes on its own plaintext, in its own thread. Bin
// state (split points, bins, the label) stays in the party's object store between calls; the driver
// only ever receives the public per-feature bucket counts.
import type { PlainTensor, PyuContext } from '@sfw/runtime';
import { DataError, batchColumn, concatNumbers, getNumericColumn, makeTable, readCsv, readCsvBatches, readCsvHeader, readFilePinned, writeCsv } from '@sfw/data';
import type { Column, CsvBatch } from '@sfw/data';
import { writeAtomic } from '@sfw/model/files';
import { binFeature, bucketMap } from './binning.ts';
import type { BinnedFeature } from './binning.ts';
import { partySplitsSchema, treeNodes } from './model-store.ts';
import type { PartySplit } from './model-store.ts';
import { ringOne } from './program.ts';

export interface BinState {
  names: string[];
  features: BinnedFeature[];
  n: number;
  y?: Float64Array;
}

async function header(_ctx: PyuContext, path: string): Promise<{ columns: string[]; numRows: number }> {
  return readCsvHeader(path);
}

function numeric(t: Awaited<ReturnType<typeof readCsv>>, name: string, what: string): Float64Array {
  const col = Float64Array.from(getNumericColumn(t, name));
  if (col.some((v) => !Number.isFinite(v))) throw new Error(`${what} column '${name}' has missing or non-finite values`);
  return col;
}

/** Reads this party's features (and the label, at the label party) and bins every feature locally. */
async function bin(_ctx: PyuContext, path: string, names: string[], buckets: number, label: string | null): Promise<BinState> {
  const t = await readCsv(path, { columns: label === null ? names : [...names, label] });
  const features = names.map((name) => binFeature(numeric(t, name, 'feature'), buckets));
  const state: BinState = { names, features, n: t.numRows };
  if (label !== null) state.y = numeric(t, label, 'label');
  return state;
}

/** Public: how many split points each feature got (the bucket map's shape). */
function bucketCounts(_ctx: PyuContext, s: BinState): number[] {
  return s.features.map((f) => f.points.length);
}

/** The cumulative 0/1 bucket map, to be secret-shared and masked once. */
function bucketMapOf(_ctx: PyuContext, s: BinState): PlainTensor {
  const m = bucketMap(s.features, s.n);
  return { data: m.data, shape: [s.n, m.cols] };
}

function labelOf(_ctx: PyuContext, s: BinState): PlainTensor {
  if (s.y === undefined) throw new Error('this party holds no label');
  return { data: s.y, shape: [s.n, 1] };
}

/**
 * Left-child indicator of a split this party owns: 1 where bin(x_f) <= j (x_f <= t_j), handed over
 * as a ring integer (`ringOne`: the SPU multiplies memberships without truncating).
 */
function splitMask(_ctx: PyuContext, s: BinState, feature: number, bucket: number, fxpBits: number): PlainTensor {
  const f = s.features[feature]!;
  const one = ringOne(fxpBits);
  const data = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) data[i] = f.bins[i]! <= bucket ? one : 0;
  return { data, shape: [s.n, 1] };
}

export interface OwnedSplit {
  tree: number;
  node: number;
  feature: number;
  bucket: number;
}

/** Writes this party's own splits (feature name and threshold) into its file of the model. */
async function writeSplits(_ctx: PyuContext, s: BinState, splits: OwnedSplit[], path: string): Promise<number> {
  const out: PartySplit[] = splits.map((x) => ({ tree: x.tree, node: x.node, feature: s.names[x.feature]!, threshold: s.features[x.feature]!.points[x.bucket]! }));
  await writeAtomic(path, JSON.stringify({ splits: out }, null, 1) + '\n');
  return out.length;
}

/** A party's own splits of a model, ready to evaluate on its own rows (see `openReach`). */
export interface PartyReach {
  /** Rows of the party's table. */
  n: number;
  /** trees * 2^depth. */
  width: number;
  /**
   * Rows [r0, r1) as a row-major [r1 - r0, width] block: per tree and leaf, `one` when every split
   * on the leaf's path that this party owns sends the row that way (other parties' splits are taken
   * as satisfied), else 0. The product over the owning parties is the one-hot leaf of each row.
   */
  rows(r0: number, r1: number, one: number): Float64Array;
  /** Rows [r0, r1) of the same block as bytes (1 = reached, 0 = not). */
  bits(r0: number, r1: number): Uint8Array;
}

/**
 * The split columns of a party's table in one streamed pass (batches not retained: each chunk's
 * bytes and field index are reused, only the typed columns are kept). Same rules as `readCsv` then
 * `numeric`: absent columns, non-numeric and non-finite cells are refused.
 */
async function readSplitColumns(path: string, names: string[]): Promise<{ n: number; cols: Float64Array[] }> {
  const parts: Float64Array[][] = names.map(() => []);
  let n = 0;
  let idx: number[] | undefined;
  for await (const b of readCsvBatches(path, { chunkBytes: 4 << 20 })) {
    if (idx === undefined) {
      const absent = names.filter((c) => !b.header.includes(c));
      if (absent.length > 0) throw new DataError('COLUMN_MISSING', `columns not found: ${absent.map((c) => `'${c}'`).join(', ')}`);
      idx = names.map((c) => b.header.indexOf(c));
    }
    n += b.numRows;
    for (let k = 0; k < names.length; k++) {
      const col = b.numbers(idx[k]!);
      if (col === undefined) throw new DataError('COLUMN_TYPE', `column '${names[k]!}' is not numeric`);
      if (col.some((v) => !Number.isFinite(v))) throw new Error(`feature column '${names[k]!}' has missing or non-finite values`);
      parts[k]!.push(col);
    }
  }
  return { n, cols: parts.map(concatNumbers) };
}

/**
 * Reads a party's splits file and the split columns of its table (in the party's own trust domain:
 * its PYU or its SPU rank). Evaluation walks each tree from the root per row: an owned node sends
 * the row down one side (x <= t: left), another party's node down both, and the leaves reached are
 * set: at most 2^(depth+1) nodes per row and tree.
 */
export async function openReach(path: string, splitsPath: string, trees: number, depth: number): Promise<PartyReach> {
  const own = partySplitsSchema.parse(JSON.parse(await readFilePinned(splitsPath, 'utf8'))).splits;
  const names = [...new Set(own.map((s) => s.feature))];
  const { n, cols } = await readSplitColumns(path, names);
  const leaves = 2 ** depth;
  const width = trees * leaves;
  const internal = treeNodes(depth) - leaves;
  // Per tree and internal node: the owned split's column (-1: another party's node) and threshold.
  const feat = new Int32Array(trees * internal).fill(-1);
  const thr = new Float64Array(trees * internal);
  for (const s of own) {
    if (s.tree >= trees || s.node >= internal) throw new Error('splits file does not match the model shape');
    feat[s.tree * internal + s.node] = names.indexOf(s.feature);
    thr[s.tree * internal + s.node] = s.threshold;
  }
  const stack = new Int32Array(depth + 2);
  const rows = (r0: number, r1: number, one: number): Float64Array => walk(new Float64Array((r1 - r0) * width), r0, r1, one);
  const bits = (r0: number, r1: number): Uint8Array => walk(new Uint8Array((r1 - r0) * width), r0, r1, 1);
  function walk<T extends Float64Array | Uint8Array>(data: T, r0: number, r1: number, one: number): T {
    for (let i = r0; i < r1; i++) {
      const row = (i - r0) * width;
      for (let tr = 0; tr < trees; tr++) {
        const base = tr * internal;
        const out = row + tr * leaves;
        let top = 0;
        stack[top++] = 0;
        while (top > 0) {
          const node = stack[--top]!;
          if (node >= internal) {
            data[out + node - internal] = one;
            continue;
          }
          const f = feat[base + node]!;
          // Children of node v are 2v + 1 (left) and 2v + 2 (right).
          if (f < 0) {
            stack[top++] = 2 * node + 2;
            stack[top++] = 2 * node + 1;
          } else {
            stack[top++] = cols[f]![i]! <= thr[base + node]! ? 2 * node + 1 : 2 * node + 2;
          }
        }
      }
    }
    return data;
  }
  return { n, width, rows, bits };
}

export interface PredOutput {
  predName: string;
  /** Columns of the receiver's own table copied next to the scores (ids, label), in this order. */
  keep: string[];
  idColumn: string;
}

/** A party's table as predict needs it at its PYU: the public header and, at the receiver, the kept columns. */
export interface PredTable {
  columns: string[];
  numRows: number;
  /** The receiver's kept columns (ids, label) that its header holds, typed as `readCsv` types them. */
  kept: Record<string, Column>;
}

/**
 * Predict's one pass over a party's table at its PYU: the header, the row count (for the layout
 * and the operator's bounds) and, at the receiver, the columns copied next to the scores. The
 * receiver's table is not read a second time to write the output, and the columns are typed
 * before the SPU work starts. Batches are retained only when columns are kept: a column is
 * numeric when every cell of every batch is (the `readCsv` rule), which needs every batch.
 */
async function predictRead(_ctx: PyuContext, path: string, keep: string[], idColumn: string): Promise<PredTable> {
  const batches: CsvBatch[] = [];
  let columns: string[] = [];
  let numRows = 0;
  const retain = keep.length > 0;
  for await (const b of readCsvBatches(path, { chunkBytes: 4 << 20, retain })) {
    columns = [...b.header];
    numRows += b.numRows;
    if (retain) batches.push(b);
  }
  const kept: Record<string, Column> = {};
  for (const name of keep) {
    const j = columns.indexOf(name);
    if (j < 0) continue; // the driver refuses a kept column the receiver does not hold
    kept[name] = batchColumn(batches, j, name === idColumn);
  }
  return { columns, numRows, kept };
}

/** Public: the header and row count of a `predictRead` table. */
function predictHeader(_ctx: PyuContext, t: PredTable): { columns: string[]; numRows: number } {
  return { columns: t.columns, numRows: t.numRows };
}

/** At the receiver: the revealed scores next to the kept columns of its own table, as a CSV. */
async function writePredictions(_ctx: PyuContext, scores: PlainTensor, table: PredTable, outPath: string, o: PredOutput): Promise<{ rows: number; path: string }> {
  const n = scores.shape[0]!;
  const data: Record<string, Column> = {};
  if (o.keep.length > 0) {
    if (table.numRows !== n) throw new Error('prediction rows do not match the receiver table');
    for (const c of o.keep) {
      const col = table.kept[c];
      if (col === undefined) throw new Error(`the receiver table holds no column '${c}'`);
      data[c] = col;
    }
  }
  data[o.predName] = Float64Array.from(scores.data);
  await writeCsv(outPath, makeTable([...o.keep, o.predName], data));
  return { rows: n, path: outPath };
}

export const partyFunctions = { header, bin, bucketCounts, bucketMapOf, labelOf, splitMask, writeSplits, predictRead, predictHeader, writePredictions };
