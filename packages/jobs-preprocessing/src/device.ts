// Device module `prep`: the PYU functions run in the thread of the party that owns the table, and
// the SPU program of vert_woe_binning. Loaded into every cluster thread.
import { readCsvHeader, takeRows } from '@sfw/data';
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PlainTensor, PyuContext } from '@sfw/runtime/device';
import { fitLocal, writeLocal } from './local.ts';
import type { Fitted, LocalSpec, WriteSummary } from './local.ts';
import type { PrepIssue } from './issues.ts';
import type { FeatureIv } from './rules.ts';
import { splitIndices } from './split.ts';
import { headerOf, lineBreaksAtMost, readTable, rowsAtMost, writeTable } from './table-io.ts';
import { binCounts } from './woe-program.ts';
import * as woe from './woe-party.ts';
import type { WoeBinning, WoeBins, WoeForParty, WoeLabel, WoeLayout, WoeSolution } from './woe-party.ts';

/**
 * Column names and row count (public metadata: the platform knows each party's schema). With
 * `maxRows`, a file whose size alone, or else its count of line-break bytes, proves it holds at
 * most that many rows is not counted (the count splits every record, and the bound check is its
 * only use): `numRows` is then undefined.
 */
async function header(_ctx: PyuContext, path: string, maxRows?: number): Promise<{ columns: string[]; numRows: number | undefined }> {
  if (maxRows !== undefined) {
    const columns = await headerOf(path);
    if ((await rowsAtMost(path, columns.length)) <= maxRows) return { columns, numRows: undefined };
    if ((await lineBreaksAtMost(path)) <= maxRows) return { columns, numRows: undefined };
  }
  const h = await readCsvHeader(path);
  return { columns: h.columns, numRows: h.numRows };
}

async function fit(ctx: PyuContext, path: string, spec: LocalSpec): Promise<Fitted> {
  return fitLocal(ctx.party, path, spec);
}

/** Only the issues of a fitted state (field paths and column names, no values) go to the driver. */
function issues(_ctx: PyuContext, f: { issues: PrepIssue[] }): PrepIssue[] {
  return f.issues;
}

async function write(_ctx: PyuContext, f: Fitted, outPath: string | undefined, rulePath: string | undefined): Promise<WriteSummary> {
  return writeLocal(f, outPath, rulePath);
}

/** train_test_split at one party: every column as text, rows picked by the shared permutation. */
async function split(_ctx: PyuContext, path: string, o: { rows: number; train_size: number; test_size: number; seed: number; shuffle: boolean; train: string; test: string }): Promise<{ train: number; test: number }> {
  const columns = await headerOf(path);
  const t = await readTable(path, columns);
  if (t.numRows !== o.rows) throw new Error('the table changed between the row count and the split');
  const { train, test } = splitIndices(t.numRows, o.train_size, o.test_size, o.seed, o.shuffle);
  await writeTable(o.train, takeRows(t, train));
  await writeTable(o.test, takeRows(t, test));
  return { train: train.length, test: test.length };
}

async function rowCount(_ctx: PyuContext, path: string): Promise<number> {
  return (await readCsvHeader(path)).numRows;
}

// ---- vert_woe_binning ----
const woeBin = (_ctx: PyuContext, path: string, features: string[], b: WoeBinning, label?: { name: string; positive: string }): Promise<WoeBins> => woe.bin(path, features, b, label);
const woeLayout = (_ctx: PyuContext, b: WoeBins): WoeLayout => woe.layoutOf(b);
const woeTotals = (_ctx: PyuContext, b: WoeBins): Float64Array => woe.totals(b);
const woeCodes = (_ctx: PyuContext, b: WoeBins): PlainTensor => woe.binCodes(b);
const woeLabel = (_ctx: PyuContext, b: WoeBins): WoeLabel => woe.labelOf(b);
const woeLabelVector = (_ctx: PyuContext, l: WoeLabel): PlainTensor => woe.labelVector(l);
const woeSolve = (_ctx: PyuContext, l: WoeLabel, layout: WoeLayout, totals: Float64Array, positives: PlainTensor, b: WoeBinning): WoeSolution[] => woe.solve(l, layout, totals, positives, b);
const woeSolveLocal = (_ctx: PyuContext, l: WoeLabel, bins: WoeBins, b: WoeBinning): WoeSolution[] => woe.solveLocal(l, bins, b);
const woeNone = (): WoeSolution[] => [];
const woeForParty = (_ctx: PyuContext, s: WoeSolution[]): WoeForParty => woe.forParty(s);
/** IVs by feature, at the label holder (they stay in its rule). */
const woeIvs = (_ctx: PyuContext, party: string, s: WoeSolution[]): FeatureIv[] => s.map((x) => ({ name: x.name, party, iv: x.iv }));
function woeConcatIvs(_ctx: PyuContext, ...lists: FeatureIv[][]): FeatureIv[] {
  return lists.flat();
}
const woeFinish = (ctx: PyuContext, bins: WoeBins, sol: WoeForParty, b: WoeBinning, ivs?: FeatureIv[]): Promise<Fitted> => woe.finish(ctx.party, bins, sol, b, ivs);

export default defineDeviceModule('prep', {
  pyu: {
    header, fit, issues, write, split, rowCount,
    woeBin, woeLayout, woeTotals, woeCodes, woeLabel, woeLabelVector, woeSolve, woeSolveLocal, woeForParty, woeNone, woeIvs, woeConcatIvs, woeFinish,
  },
  spu: { binCounts },
});
