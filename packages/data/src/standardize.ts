// Feature standardization as SecretFlow's feature_calculate STANDARDIZE / sklearn StandardScaler:
// (x - mean) / std with the population std (ddof = 0); a constant column becomes 0 (scale 1).
// Missing values (NaN) are ignored when computing mean and std and stay NaN.
import { getNumericColumn } from './table.ts';
import type { Column, Table } from './table.ts';

export interface StandardizeStats {
  readonly mean: Record<string, number>;
  readonly std: Record<string, number>;
}

export function columnMeanStd(col: Float64Array): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  for (const v of col) {
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  }
  const mean = n === 0 ? NaN : sum / n;
  // Second pass for the variance: avoids the cancellation of E[x^2] - E[x]^2.
  let ss = 0;
  for (const v of col) if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
  return { mean, std: n === 0 ? NaN : Math.sqrt(ss / n) };
}

/** Standardizes `names` (default: every numeric column); returns the new table and the stats used. */
export function standardize(table: Table, names?: readonly string[]): { table: Table; stats: StandardizeStats } {
  const targets = names ?? table.columns.filter((c) => table.data[c] instanceof Float64Array);
  const data: Record<string, Column> = { ...table.data };
  const mean: Record<string, number> = {};
  const std: Record<string, number> = {};
  for (const name of targets) {
    const col = getNumericColumn(table, name);
    const s = columnMeanStd(col);
    mean[name] = s.mean;
    std[name] = s.std;
    data[name] = applyStandardize(col, s.mean, s.std);
  }
  return { table: { columns: [...table.columns], data, numRows: table.numRows }, stats: { mean, std } };
}

/** (x - mean) / std, or x - mean (= 0) when std is 0 or not finite, as StandardScaler does. */
export function applyStandardize(col: Float64Array, mean: number, std: number): Float64Array {
  const scale = std > 0 && Number.isFinite(std) ? std : 1;
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) out[i] = (col[i]! - mean) / scale;
  return out;
}
