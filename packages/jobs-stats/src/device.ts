// Device module `stats`: PYU functions run at the party that owns the table (its statistics, its
// standardized block, its group keys and value columns), SPU programs run SPMD on the ranks.
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PlainTensor, PyuContext, SecretTensor, SpuContext } from '@sfw/runtime/device';
import { applyStandardize, cellNumber, getColumn, getNumericColumn, readCsv, readCsvHeader } from '@sfw/data';
import { readScaler, readShareFile } from '@sfw/model/files';
import { tableStatistics } from './table-stats.ts';
import type { PartyTableStats, TableStatsOptions } from './table-stats.ts';
import { corr, groupby, vif, wald } from './programs.ts';

async function header(_ctx: PyuContext, path: string): Promise<{ columns: string[]; numRows: number }> {
  return readCsvHeader(path);
}

async function describe(_ctx: PyuContext, path: string, opts: TableStatsOptions): Promise<PartyTableStats> {
  return tableStatistics(path, opts);
}

export interface StandardizedBlock {
  /** n x d_p standardized columns (population std, as SecretFlow's ss_pearsonr). */
  z: PlainTensor;
  /** Z^T Z / n: this party's own block of the correlation matrix, computed here in float64. */
  g: PlainTensor;
  /** Public problems, reported by name only: columns with missing values, constant columns. */
  info: { missing: string[]; constant: string[] };
}

/** Reads and standardizes this party's selected columns; its own correlation block needs no SPU. */
async function standardize(_ctx: PyuContext, path: string, names: string[]): Promise<StandardizedBlock> {
  const t = await readCsv(path, { columns: names });
  const n = t.numRows;
  const d = names.length;
  const z = new Float64Array(n * d);
  const info = { missing: [] as string[], constant: [] as string[] };
  names.forEach((name, j) => {
    const col = getColumn(t, name);
    const v = col instanceof Float64Array ? col : Float64Array.from(col, (c) => cellNumber(c) ?? NaN);
    if (v.some((x) => !Number.isFinite(x))) {
      info.missing.push(name);
      return;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += (v[i]! - mean) / (i + 1);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (v[i]! - mean) ** 2;
    const std = Math.sqrt(ss / n);
    if (!(std > 0) || std <= 1e-12 * Math.max(1, Math.abs(mean))) {
      info.constant.push(name);
      return;
    }
    for (let i = 0; i < n; i++) z[i * d + j] = (v[i]! - mean) / std;
  });
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let a = 0; a < d; a++) {
      const za = z[row + a]!;
      for (let b = a; b < d; b++) g[a * d + b] = g[a * d + b]! + za * z[row + b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    g[a * d + a] = 1; // sum z^2 / n = 1 exactly for a population-standardized column
    for (let b = a + 1; b < d; b++) {
      g[a * d + b] = g[a * d + b]! / n;
      g[b * d + a] = g[a * d + b]!;
    }
  }
  return { z: { data: z, shape: [n, d] }, g: { data: g, shape: [d, d] }, info };
}

function pick<K extends keyof StandardizedBlock>(_ctx: PyuContext, o: StandardizedBlock, key: K): StandardizedBlock[K] {
  return o[key];
}

export interface GroupKeys {
  /** Per row, the index of its key tuple in `keys` (this party's by-columns only). */
  codes: number[];
  /** Distinct key tuples of this party's by-columns, as strings (missing -> ''). */
  keys: string[][];
}

/** Ordinal codes of this party's key columns (revealed, as SecretFlow reveals group keys). */
async function groupKeys(_ctx: PyuContext, path: string, by: string[], maxKeys: number): Promise<GroupKeys | { tooMany: true }> {
  const t = await readCsv(path, { columns: by, stringColumns: by });
  const cols = by.map((b) => getColumn(t, b) as string[]);
  const index = new Map<string, number>();
  const keys: string[][] = [];
  const codes = new Array<number>(t.numRows);
  for (let i = 0; i < t.numRows; i++) {
    const tuple = cols.map((c) => c[i]!);
    const k = JSON.stringify(tuple);
    let code = index.get(k);
    if (code === undefined) {
      code = keys.length;
      if (code >= maxKeys) return { tooMany: true };
      index.set(k, code);
      keys.push(tuple);
    }
    codes[i] = code;
  }
  return { codes, keys };
}

/**
 * One value column as the 4 x n input of the groupby program, rows in the public group order `perm`:
 * [value (missing -> 0), present, value (missing -> +big), value (missing -> -big)].
 */
async function groupValues(_ctx: PyuContext, path: string, column: string, perm: number[], big: number): Promise<PlainTensor> {
  const t = await readCsv(path, { columns: [column] });
  const col = getColumn(t, column);
  if (!(col instanceof Float64Array)) throw new Error('an aggregated column must be numeric');
  const n = perm.length;
  const out = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const v = col[perm[i]!]!;
    const ok = Number.isFinite(v);
    out[i] = ok ? v : 0;
    out[n + i] = ok ? 1 : 0;
    out[2 * n + i] = ok ? v : big;
    out[3 * n + i] = ok ? v : -big;
  }
  return { data: out, shape: [4, n] };
}

export interface ModelBlockOptions {
  /** Append the constant-1 intercept column (the model's intercept party). */
  ones: boolean;
  /** This party's private scaler of a standardized model (docs/sslr.md); absent: raw values. */
  scalerPath?: string;
}

/**
 * This party's block of an SS-LR model's features, exactly as the model was trained on it: its own
 * columns in model order, standardized with its own scaler when the model was, the intercept column
 * last at the intercept party. Row-major n x (d_p [+ 1]).
 */
async function modelBlock(_ctx: PyuContext, path: string, names: string[], opts: ModelBlockOptions): Promise<PlainTensor> {
  const t = await readCsv(path, { columns: names });
  const scaler = opts.scalerPath === undefined ? undefined : await readScaler(opts.scalerPath);
  const cols = names.map((name) => {
    const col = getNumericColumn(t, name);
    if (col.some((v) => !Number.isFinite(v))) throw new Error(`feature column '${name}' has missing or non-finite values`);
    if (scaler === undefined) return col;
    const mean = scaler.mean[name], std = scaler.std[name];
    if (mean === undefined || std === undefined) throw new Error(`scaler has no entry for feature '${name}'`);
    return applyStandardize(col, mean, std);
  });
  const n = t.numRows;
  const k = cols.length + (opts.ones ? 1 : 0);
  const data = new Float64Array(n * k);
  cols.forEach((col, j) => {
    for (let i = 0; i < n; i++) data[i * k + j] = col[i]!;
  });
  if (opts.ones) for (let i = 0; i < n; i++) data[i * k + k - 1] = 1;
  return { data, shape: [n, k] };
}

/** The label column as an n x 1 matrix (the label party of a linear model's Wald statistics). */
async function label(_ctx: PyuContext, path: string, name: string): Promise<PlainTensor> {
  const y = getNumericColumn(await readCsv(path, { columns: [name] }), name);
  if (y.some((v) => !Number.isFinite(v))) throw new Error(`label column '${name}' has missing or non-finite values`);
  return { data: Float64Array.from(y), shape: [y.length, 1] };
}

/** Each rank loads its own party's share file of the model weights back as a secret. */
async function loadWeights(spu: SpuContext, _inputs: SecretTensor[], pub: { sharePaths: string[] }): Promise<SecretTensor[]> {
  const share = await readShareFile(pub.sharePaths[spu.rank]!, { field: spu.cfg.field, fxpBits: spu.cfg.fxpBits });
  return [spu.wrap(share)];
}

export default defineDeviceModule('stats', {
  pyu: { header, describe, standardize, pick, groupKeys, groupValues, modelBlock, label },
  spu: { corr, vif, wald, groupby, loadWeights },
});
