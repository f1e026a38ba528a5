// Device module `sslr`: PYU functions run on the party that owns the data (reading its table,
// standardizing with a private scaler, writing predictions at the receiver), SPU programs run SPMD
// on the ranks (training, prediction, model share I/O). Loaded into every cluster thread.
import { defineDeviceModule } from '@sfw/runtime';
import type { MaskedMatrix, PlainTensor, PrivateTensor, PyuContext, SecretTensor, SpuContext } from '@sfw/runtime';
import { DataError, applyStandardize, columnMeanStd, getColumn, getNumericColumn, makeTable, readCsv, readCsvBatches, readCsvHeader, writeCsv } from '@sfw/data';
import type { Column, Table } from '@sfw/data';
import { convergedProgram, epochProgram, scoreChunks } from './program.ts';
import type { ConvergedPub, EpochPub, PredictPub } from './program.ts';
import { readScaler, readShareFile, writeAtomic, writeShareFile } from '@sfw/model/files';
import type { Scaler } from '@sfw/model/files';
import { spuLrOps } from './spu-adapter.ts';

export interface TableHeader {
  columns: string[];
  numRows: number;
}

export interface FeatureOptions {
  /** Append the constant-1 intercept column (the last party's block). */
  ones: boolean;
  /** 'fit': standardize and save the private scaler; 'apply': use the saved scaler; 'none'. */
  standardize: 'fit' | 'apply' | 'none';
  scalerPath?: string;
  /** Also read this label column in the same CSV pass (the label party): result `{ x, y }`. */
  label?: string;
  /** Also keep these columns from the same CSV pass (the prediction receiver's ids / label): result `{ x, kept }`. */
  keep?: KeepSpec;
}

/** Columns a party keeps to itself for its output file (ids are read as strings). */
export interface KeepSpec {
  columns: string[];
  stringColumns: string[];
}

/** Kept columns, held at their party (never shared with the SPU). */
export interface KeptColumns {
  numRows: number;
  columns: Record<string, Column>;
}

/** A party's block with what the same CSV pass also read: the label (`y`) and/or kept columns. */
export interface FeatureBundle {
  x: PlainTensor;
  y?: PlainTensor;
  kept?: KeptColumns;
}

/** Column names and row count only (public metadata: the platform already knows the schema). */
async function header(_ctx: PyuContext, path: string): Promise<TableHeader> {
  return readCsvHeader(path);
}

/**
 * One streaming pass over a party's CSV: the feature columns go straight from the file's bytes to
 * float64 (the one cell rule, `cellNumber`), the few extra columns (label, ids) are typed as
 * `readCsv` types them. Parsing the table is most of a prediction's CPU time.
 */
async function readFeatureColumns(path: string, names: string[], extra: string[], stringColumns: string[]): Promise<{ features: Float64Array[][]; extra: Table; numRows: number }> {
  const parts: Float64Array[][] = names.map(() => []);
  const extraNums: (Float64Array | undefined)[][] = extra.map(() => []);
  const extraText: string[][][] = extra.map(() => []);
  let numRows = 0;
  let fIdx: number[] | undefined;
  let eIdx: number[] | undefined;
  for await (const b of readCsvBatches(path)) {
    if (fIdx === undefined || eIdx === undefined) {
      const absent = [...names, ...extra].filter((c) => !b.header.includes(c));
      if (absent.length > 0) throw new DataError('COLUMN_MISSING', `columns not found: ${absent.map((c) => `'${c}'`).join(', ')}`);
      fIdx = names.map((c) => b.header.indexOf(c));
      eIdx = extra.map((c) => b.header.indexOf(c));
    }
    for (const [j, at] of fIdx.entries()) {
      const col = b.numbers(at);
      if (col === undefined) throw new DataError('COLUMN_TYPE', `column '${names[j]!}' is not numeric`);
      parts[j]!.push(col);
    }
    // Extra columns keep both forms until the end decides their type (numeric only if every batch is).
    for (const [j, at] of eIdx.entries()) {
      if (!stringColumns.includes(extra[j]!)) extraNums[j]!.push(b.numbers(at));
      extraText[j]!.push(b.strings(at));
    }
    numRows += b.numRows;
  }
  const concat = (ps: Float64Array[]): Float64Array => {
    const col = new Float64Array(numRows);
    let o = 0;
    for (const p of ps) {
      col.set(p, o);
      o += p.length;
    }
    return col;
  };
  const data: Record<string, Column> = {};
  extra.forEach((c, j) => {
    const nums = extraNums[j]!;
    data[c] = nums.length > 0 && nums.every((p) => p !== undefined) ? concat(nums as Float64Array[]) : extraText[j]!.flat();
  });
  return { features: parts, extra: makeTable(extra, data), numRows };
}

/** This party's feature block as a row-major matrix, ready to be secret-shared. */
async function features(_ctx: PyuContext, path: string, names: string[], opts: FeatureOptions): Promise<PlainTensor | FeatureBundle> {
  const extra = [...(opts.label === undefined ? [] : [opts.label]), ...(opts.keep?.columns ?? [])].filter((c, i, a) => a.indexOf(c) === i);
  const { features: batches, extra: t, numRows } = await readFeatureColumns(path, names, extra, opts.keep?.stringColumns ?? []);
  const k = names.length + (opts.ones ? 1 : 0);
  const n = numRows;
  const x: PlainTensor = { data: opts.standardize === 'none' ? rowMajor(names, batches, n, k) : await standardized(names, batches, n, k, opts), shape: [n, k] };
  if (opts.ones) for (let i = 0; i < n; i++) x.data[i * k + k - 1] = 1;
  if (opts.label === undefined && opts.keep === undefined) return x;
  const out: FeatureBundle = { x };
  if (opts.label !== undefined) out.y = labelOf(t, opts.label);
  if (opts.keep !== undefined) out.kept = keptOf(t, opts.keep.columns);
  return out;
}

/**
 * The row-major [n, k] block straight from the per-batch column parts, one batch of rows at a
 * time: a batch's rows (~1,000 x k doubles) stay in cache while its columns are written, instead of
 * one pass per column striding through the whole block, and no column is concatenated first.
 */
function rowMajor(names: string[], batches: Float64Array[][], n: number, k: number): Float64Array {
  const data = new Float64Array(n * k);
  const nb = batches[0]?.length ?? 0;
  for (let b = 0, row = 0; b < nb; b++) {
    let rows = 0;
    for (let j = 0; j < names.length; j++) {
      const part = batches[j]![b]!;
      rows = part.length;
      for (let i = 0, at = row * k + j; i < rows; i++, at += k) {
        const v = part[i]!;
        if (v - v !== 0) throw new Error(`feature column '${names[j]!}' has missing or non-finite values`);
        data[at] = v;
      }
    }
    row += rows;
  }
  return data;
}

/**
 * Standardized block: each column concatenated, scaled with this party's scaler (fit: computed
 * here and saved in this party's model directory, a private statistic; apply: the saved one), then
 * placed row-major batch by batch as `rowMajor` does.
 */
async function standardized(names: string[], batches: Float64Array[][], n: number, k: number, opts: FeatureOptions): Promise<Float64Array> {
  const scaler = opts.standardize === 'apply' ? await readScaler(opts.scalerPath!) : undefined;
  const fitted: Scaler = { mean: {}, std: {} };
  const cols = names.map((name, j) => {
    const col = new Float64Array(n);
    let o = 0;
    for (const p of batches[j]!) {
      col.set(p, o);
      o += p.length;
    }
    if (col.some((v) => !Number.isFinite(v))) throw new Error(`feature column '${name}' has missing or non-finite values`);
    const s = scaler !== undefined ? { mean: scaler.mean[name]!, std: scaler.std[name]! } : columnMeanStd(col);
    if (s.mean === undefined || s.std === undefined) throw new Error(`scaler has no entry for feature '${name}'`);
    fitted.mean[name] = s.mean;
    fitted.std[name] = s.std;
    return applyStandardize(col, s.mean, s.std);
  });
  if (opts.standardize === 'fit') await writeAtomic(opts.scalerPath!, JSON.stringify(fitted));
  // Back into the reader's batch boundaries, for the cache-friendly placement.
  const rebatched = cols.map((c) => {
    let o = 0;
    return (batches[0] ?? []).map((p) => c.subarray(o, (o += p.length)));
  });
  return rowMajor(names, rebatched, n, k);
}

/** One field of a `features` bundle, kept at this party (so each can be shared or used on its own). */
function pick(_ctx: PyuContext, o: FeatureBundle, key: 'x' | 'y' | 'kept'): PlainTensor | KeptColumns {
  const v = o[key];
  if (v === undefined) throw new Error(`the feature bundle holds no '${key}'`);
  return v;
}

function keptOf(t: Table, columns: string[]): KeptColumns {
  return { numRows: t.numRows, columns: Object.fromEntries(columns.map((c) => [c, getColumn(t, c)])) };
}

/** Kept columns alone, for a receiver that contributes no features. */
async function keepColumns(_ctx: PyuContext, path: string, keep: KeepSpec): Promise<KeptColumns> {
  return keptOf(await readCsv(path, { columns: keep.columns, stringColumns: keep.stringColumns }), keep.columns);
}

function labelOf(t: Table, name: string): PlainTensor {
  const y = getNumericColumn(t, name);
  if (y.some((v) => !Number.isFinite(v))) throw new Error(`label column '${name}' has missing or non-finite values`);
  return { data: Float64Array.from(y), shape: [t.numRows, 1] };
}

/** The intercept column alone, for a label party that contributes no features. */
function ones(_ctx: PyuContext, n: number): PlainTensor {
  return { data: new Float64Array(n).fill(1), shape: [n, 1] };
}

async function label(_ctx: PyuContext, path: string, name: string): Promise<PlainTensor> {
  return labelOf(await readCsv(path, { columns: [name] }), name);
}

export interface WritePredOptions {
  predName: string;
  saveIds: boolean;
  idColumn: string;
  saveLabel: boolean;
  label?: string | undefined;
}

/** The receiver's own columns a prediction output carries (ids first, then the label). */
export function predKeep(o: WritePredOptions): KeepSpec | undefined {
  const columns = [...(o.saveIds ? [o.idColumn] : []), ...(o.saveLabel && o.label !== undefined ? [o.label] : [])];
  return columns.length === 0 ? undefined : { columns, stringColumns: [o.idColumn] };
}

/**
 * At the receiver: the revealed scores (plus ids / label kept from the receiver's own CSV pass,
 * `kept`, null when neither is saved) as a CSV.
 */
async function writePredictions(_ctx: PyuContext, scores: PlainTensor, kept: KeptColumns | null, outPath: string, o: WritePredOptions): Promise<{ rows: number; path: string }> {
  const n = scores.shape[0]!;
  const columns: string[] = [];
  const data: Record<string, Column> = {};
  const keep = predKeep(o);
  if (keep !== undefined) {
    if (kept === null || kept.numRows !== n) throw new Error('prediction rows do not match the receiver table');
    for (const c of keep.columns) {
      columns.push(c);
      data[c] = kept.columns[c]!;
    }
  }
  columns.push(o.predName);
  data[o.predName] = Float64Array.from(scores.data);
  await writeCsv(outPath, makeTable(columns, data));
  return { rows: n, path: outPath };
}

// ---- SPU programs ----

// A program typed over its own public parameters P; it fits the runtime's SpuProgram as it is
// (SpuProgram takes `pub: never`, which any P accepts).
type Program<P> = (spu: SpuContext, inputs: SecretTensor[], pub: P, priv: PrivateTensor[]) => Promise<SecretTensor[]> | SecretTensor[];

const concat: Program<null> = (spu, inputs) => [inputs.length === 1 ? inputs[0]! : spu.concat(inputs, 1)];

const initWeights: Program<{ rows: number }> = (spu, _inputs, pub) => [spu.fromPublic(new Float64Array(pub.rows), [pub.rows, 1])];

// The feature matrix is masked once per training (SecureML fixed mask, docs/spu-masked.md) and the
// handle is kept in this rank thread across the per-epoch SPU runs: X itself is then never stored,
// exported or re-imported again. Keyed by a driver-chosen random training key and the rank (one
// thread may host several ranks in tests). Bounded: a crashed training cannot pile up handles.
const maskCache = new Map<string, MaskedMatrix>();
const MAX_CACHED_MASKS = 8;
const cacheKey = (key: string, rank: number): string => `${key}:${rank}`;

export interface MaskPub {
  /** Random per-training key (public; names the mask, carries no data). */
  key: string;
}

/** A 1x1 public token the driver awaits (runs must return SPU values). */
const token = (spu: SpuContext): SecretTensor => spu.fromPublic([1], [1, 1]);

/** Concatenates the feature blocks and masks X once; X is not kept (the handle is enough). */
const maskFeatures: Program<MaskPub> = async (spu, inputs, pub) => {
  const x = inputs.length === 1 ? inputs[0]! : spu.concat(inputs, 1);
  const m = await spuLrOps(spu).fixedMask(x);
  maskCache.set(cacheKey(pub.key, spu.rank), m);
  while (maskCache.size > MAX_CACHED_MASKS) maskCache.delete(maskCache.keys().next().value!);
  return [token(spu)];
};

const cachedMask = (spu: SpuContext, key: string): MaskedMatrix => {
  const m = maskCache.get(cacheKey(key, spu.rank));
  if (m === undefined) throw new Error('the masked feature matrix of this training is not held by this SPU rank (released, evicted or the thread restarted)');
  return m;
};

export type EpochRunPub = EpochPub & MaskPub;

const epoch: Program<EpochRunPub> = (spu, inputs, pub) => epochProgram(spuLrOps(spu), cachedMask(spu, pub.key), inputs, pub);

/** Drops the mask (this rank's E and U share, the dealer's U). Every rank holds it or none does. */
const releaseMask: Program<MaskPub> = async (spu, _inputs, pub) => {
  const k = cacheKey(pub.key, spu.rank);
  const m = maskCache.get(k);
  if (m !== undefined) {
    maskCache.delete(k);
    await spuLrOps(spu).releaseMasked(m);
  }
  return [token(spu)];
};

const converged: Program<ConvergedPub> = (spu, inputs, pub) => convergedProgram(spuLrOps(spu), inputs, pub);

/**
 * Inputs: [w]; the feature blocks are private blocks (each at its own party's rank, in rank order,
 * ones column in the intercept party's block). X w = sum over blocks of X_p w_p by the
 * private-block product: no share of X is made, and only each block, masked, crosses to the other
 * ranks (docs/sslr.md, "Predict").
 */
const predict: Program<PredictPub> = (spu, inputs, pub, priv) => {
  const w = inputs[0];
  if (w === undefined || inputs.length !== 1 || priv.length === 0) throw new Error('sslr.predict takes the weights as its one input and the feature blocks as private blocks');
  return scoreChunks(spuLrOps(spu), priv[0]!.shape[0], pub, (r0, r1) => spu.privateMatmul(priv, w, { rows: [r0, r1] }));
};

/** Each rank writes its own share of w to its party's file; returns w so the driver can await it. */
const saveModel: Program<{ sharePaths: string[] }> = async (spu, inputs, pub) => {
  const w = inputs[0]!;
  await writeShareFile(pub.sharePaths[spu.rank]!, spu.unwrap(w), spu.cfg.fxpBits);
  return [w];
};

/** Each rank loads its own party's share file back as a secret. */
const loadModel: Program<{ sharePaths: string[] }> = async (spu, _inputs, pub) => {
  const share = await readShareFile(pub.sharePaths[spu.rank]!, { field: spu.cfg.field, fxpBits: spu.cfg.fxpBits });
  return [spu.wrap(share)];
};

export default defineDeviceModule('sslr', {
  pyu: { header, features, pick, ones, label, keepColumns, writePredictions },
  spu: { concat, initWeights, maskFeatures, epoch, releaseMask, converged, predict, saveModel, loadModel },
});
