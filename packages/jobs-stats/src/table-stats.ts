// table_statistics at one party, streaming: the file is read batch by batch (readCsvBatches), never
// whole. Pass 1 accumulates every column's moments (moments.ts), decides its type (numeric while
// every non-missing cell is a decimal literal, as readCsv types columns), counts distinct strings up
// to a cap, and keeps numeric values for the quartiles while they fit `memoryBudgetBytes`. Only what
// did not fit needs more passes: exact quartiles by histogram refinement (quantiles.ts) and distinct
// counts of a column whose first non-numeric cell came after its string set was dropped.
import { cellNumber, readCsvBatches } from '@sfw/data';
import { MomentAccumulator, finishNumeric } from './moments.ts';
import type { CategoricalStats, NumericStats } from './moments.ts';
import { RankRefiner, ValueBuffer, quartileRanks, quartilesFrom } from './quantiles.ts';

export interface TableStatsOptions {
  /** Columns to describe (default: every column but `idColumn`). */
  columns?: readonly string[] | undefined;
  idColumn?: string | undefined;
  /** Bytes of numeric values kept for exact quartiles in one pass (default 256 MiB). */
  memoryBudgetBytes?: number | undefined;
  /** Distinct strings remembered per column in pass 1 (default 65536). */
  distinctCap?: number | undefined;
  chunkBytes?: number | undefined;
}

export interface PartyTableStats {
  numeric: Record<string, NumericStats>;
  categorical: Record<string, CategoricalStats>;
  rows: number;
  /** Passes over the file (1 when everything fit the memory budget). */
  passes: number;
  quantiles: 'in-memory' | 'refinement passes';
}

interface ColumnState {
  name: string;
  index: number;
  numeric: boolean;
  allInt: boolean;
  nonMissing: number;
  acc: MomentAccumulator;
  values: ValueBuffer | null;
  distinct: Set<string> | null;
  refiner: RankRefiner | null;
}

export const DEFAULT_MEMORY_BUDGET = 256 << 20;

const isIntegerText = (cell: string): boolean => cell.indexOf('.') === -1 && cell.indexOf('e') === -1 && cell.indexOf('E') === -1;

export async function tableStatistics(path: string, opts: TableStatsOptions = {}): Promise<PartyTableStats> {
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const cap = opts.distinctCap ?? 65536;
  const stream = opts.chunkBytes === undefined ? {} : { chunkBytes: opts.chunkBytes };
  let cols: ColumnState[] = [];
  let rows = 0;
  let keepValues = true;
  let bytes = 0;
  for await (const batch of readCsvBatches(path, stream)) {
    if (cols.length === 0) cols = columnStates(batch.header, opts);
    rows += batch.numRows;
    for (const c of cols) {
      const j = c.index;
      const nums = c.numeric ? batch.numbers(j) : undefined;
      if (nums !== undefined) {
        let integral = c.allInt;
        for (let i = 0; i < nums.length; i++) {
          const v = nums[i]!;
          if (v !== v) continue; // a missing marker
          c.nonMissing++;
          c.acc.add(v);
          if (c.values !== null) c.values.push(v);
          if (integral && !Number.isInteger(v)) integral = false;
        }
        // int64 as pandas infers it: integral values, written without a point or an exponent.
        if (integral) integral = batch.strings(j).every((cell, i) => nums[i] !== nums[i] || isIntegerText(cell));
        c.allInt = integral;
      } else {
        for (const cell of batch.strings(j)) {
          const v = cellNumber(cell);
          if (v !== undefined && Number.isNaN(v)) continue; // a missing marker
          c.nonMissing++;
          if (!c.numeric) {
            if (c.distinct !== null) {
              c.distinct.add(cell);
              if (c.distinct.size > cap) c.distinct = null;
            }
            continue;
          }
          if (v === undefined) {
            // Distinct strings are only counted once a column is known not to be numeric: from here
            // when this is its first value, otherwise in a second pass (the earlier cells are gone).
            c.numeric = false;
            c.values = null;
            c.distinct = c.nonMissing === 1 ? new Set([cell]) : null;
            continue;
          }
          c.acc.add(v);
          if (c.allInt && !isIntegerText(cell)) c.allInt = false;
          if (c.values !== null) c.values.push(v);
        }
      }
      if (keepValues && c.values !== null) {
        bytes = cols.reduce((a, s) => a + (s.values?.bytes ?? 0), 0);
        if (bytes > budget) {
          keepValues = false;
          for (const s of cols) s.values = null;
        }
      }
    }
  }
  let passes = 1;
  // Further passes: exact quartiles of numeric columns whose values were dropped, and distinct
  // strings of columns whose set was dropped before they turned out not to be numeric.
  for (const c of cols) {
    if (c.numeric && c.values === null && c.acc.n > 0) c.refiner = new RankRefiner(quartileRanks(c.acc.n), c.acc.n, c.acc.min, c.acc.max);
  }
  let needDistinct = cols.filter((c) => !c.numeric && c.distinct === null);
  for (const c of needDistinct) c.distinct = new Set();
  for (;;) {
    const refining = cols.filter((c) => c.refiner !== null && !c.refiner.done);
    if (refining.length === 0 && needDistinct.length === 0) break;
    for (const c of refining) c.refiner!.beginPass();
    passes++;
    for await (const batch of readCsvBatches(path, stream)) {
      for (const c of refining) {
        const r = c.refiner!;
        for (const v of batch.numbers(c.index)!) if (!Number.isNaN(v)) r.add(v);
      }
      for (const c of needDistinct) {
        for (const cell of batch.strings(c.index)) {
          const v = cellNumber(cell);
          if (v === undefined || !Number.isNaN(v)) c.distinct!.add(cell);
        }
      }
    }
    for (const c of refining) c.refiner!.endPass();
    needDistinct = [];
  }
  const numeric: Record<string, NumericStats> = {};
  const categorical: Record<string, CategoricalStats> = {};
  for (const c of cols) {
    if (c.numeric) {
      const n = c.acc.n;
      let q: [number, number, number] | null = null;
      if (n > 0) q = c.values !== null ? c.values.quartiles() : quartilesFrom(n, (r) => c.refiner!.value(r));
      const datatype = c.allInt && n === rows && n > 0 ? 'int64' : 'float64';
      numeric[c.name] = finishNumeric(c.acc, rows, datatype, q);
    } else {
      categorical[c.name] = { datatype: 'object', count: c.nonMissing, nunique: c.distinct!.size };
    }
  }
  return { numeric, categorical, rows, passes, quantiles: keepValues ? 'in-memory' : 'refinement passes' };
}

function columnStates(header: readonly string[], opts: TableStatsOptions): ColumnState[] {
  const id = opts.idColumn ?? 'id';
  const names = opts.columns ?? header.filter((h) => h !== id);
  const index = new Map(header.map((h, j) => [h, j]));
  const absent = names.filter((n) => !index.has(n));
  if (absent.length > 0) throw new Error(`columns not found in this party's table: ${absent.length}`);
  return names.map((name) => ({
    name,
    index: index.get(name)!,
    numeric: true,
    allInt: true,
    nonMissing: 0,
    acc: new MomentAccumulator(),
    values: new ValueBuffer(),
    distinct: null,
    refiner: null,
  }));
}
