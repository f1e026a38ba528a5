// The PYU side of SS-XGB: what each party computes on its own plaintext, in its own thread. Bin
// state (split points, bins, the label) stays in the party's object store between calls; the driver
// only ever receives the public per-feature bucket counts.
import { readFile } from 'node:fs/promises';
import type { PlainTensor, PyuContext } from '@sfw/runtime';
import { getColumn, getNumericColumn, makeTable, readCsv, readCsvHeader, writeCsv } from '@sfw/data';
import type { Column } from '@sfw/data';
import { writeAtomic } from '@sfw/model/files';
import { binFeature, binOf, bucketMap } from './binning.ts';
import type { BinnedFeature } from './binning.ts';
import { partySplitsSchema, treeNodes } from './model-store.ts';
import type { PartySplit } from './model-store.ts';

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

/** Left-child indicator of a split this party owns: 1 where bin(x_f) <= j (x_f <= t_j). */
function splitMask(_ctx: PyuContext, s: BinState, feature: number, bucket: number): PlainTensor {
  const f = s.features[feature]!;
  const data = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) data[i] = f.bins[i]! <= bucket ? 1 : 0;
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

/**
 * Prediction, at one party: for every tree and leaf, 1 when each split on the leaf's path that this
 * party owns sends the row that way (splits of other parties are taken as satisfied). The product
 * over parties, done in SPU, is the one-hot leaf of each row. Row-major [n, trees * 2^depth].
 */
async function reach(_ctx: PyuContext, path: string, splitsPath: string, trees: number, depth: number): Promise<PlainTensor> {
  const own = partySplitsSchema.parse(JSON.parse(await readFile(splitsPath, 'utf8'))).splits;
  const names = [...new Set(own.map((s) => s.feature))];
  const t = await readCsv(path, { columns: names });
  const cols = new Map(names.map((nm) => [nm, numeric(t, nm, 'feature')]));
  const n = t.numRows;
  const leaves = 2 ** depth;
  const width = trees * leaves;
  const data = new Float64Array(n * width).fill(1);
  const internal = treeNodes(depth) - leaves;
  for (const s of own) {
    if (s.tree >= trees || s.node >= internal) throw new Error('splits file does not match the model shape');
    const x = cols.get(s.feature)!;
    const pts = Float64Array.of(s.threshold);
    // Leaves under the node's left subtree need x <= t; those under the right subtree need x > t.
    const level = Math.floor(Math.log2(s.node + 1));
    const pos = s.node - (2 ** level - 1);
    const span = 2 ** (depth - level);
    const lo = s.tree * leaves + pos * span;
    for (let i = 0; i < n; i++) {
      const goLeft = binOf(pts, x[i]!) === 0;
      const row = i * width;
      const [a, b] = goLeft ? [lo + span / 2, lo + span] : [lo, lo + span / 2];
      for (let k = a; k < b; k++) data[row + k] = 0;
    }
  }
  return { data, shape: [n, width] };
}

export interface PredOutput {
  predName: string;
  /** Columns of the receiver's own table copied next to the scores (ids, label), in this order. */
  keep: string[];
  idColumn: string;
}

/** At the receiver: the revealed scores next to the kept columns of its own table, as a CSV. */
async function writePredictions(_ctx: PyuContext, scores: PlainTensor, inputPath: string, outPath: string, o: PredOutput): Promise<{ rows: number; path: string }> {
  const n = scores.shape[0]!;
  const data: Record<string, Column> = {};
  if (o.keep.length > 0) {
    const t = await readCsv(inputPath, { columns: o.keep, stringColumns: [o.idColumn] });
    if (t.numRows !== n) throw new Error('prediction rows do not match the receiver table');
    for (const c of o.keep) data[c] = getColumn(t, c);
  }
  data[o.predName] = Float64Array.from(scores.data);
  await writeCsv(outPath, makeTable([...o.keep, o.predName], data));
  return { rows: n, path: outPath };
}

export const partyFunctions = { header, bin, bucketCounts, bucketMapOf, labelOf, splitMask, writeSplits, reach, writePredictions };
