// The plaintext steps of vert_woe_binning at each party (see docs/preprocessing.md for who learns
// what). A feature party bins its columns and keeps the per-row bin codes; it hands the SPU its
// bin numbers (per feature, the else bin last) as a private block of its own SPU rank, and the
// label holder only its per-bin row counts. The label holder turns its label into a 0/1 positive
// vector, receives the per-bin positive counts from the SPU, computes WOE and IV (and merges bins
// for ChiMerge), and returns to each feature party only the WOE values of that party's own bins.
import type { Column } from '@sfw/data';
import { isNumericColumn } from '@sfw/data';
import type { PlainTensor } from '@sfw/runtime/device';
import { fitVariable } from './binning.ts';
import type { BinningMethod } from './binning.ts';
import { PrepIssueError, issue } from './issues.ts';
import type { PrepIssue } from './issues.ts';
import type { Fitted } from './local.ts';
import type { BinVariable, BinningRule, FeatureIv } from './rules.ts';
import { headerOf, readTable } from './table-io.ts';
import type { Table } from '@sfw/data';
import { chiMerge, woeIv } from './woe.ts';

export interface WoeBinning {
  method: 'quantile' | 'eq_range' | 'chimerge';
  bin_num: number;
  chimerge_init_bins: number;
  chimerge_target_bins: number;
  chimerge_target_pvalue: number;
}

interface BinnedFeature {
  variable: BinVariable;
  codes: Int32Array;
}

/** A party's binned features, kept in its thread. */
export interface WoeBins {
  issues: PrepIssue[];
  path: string;
  rows: number;
  features: BinnedFeature[];
  /** At the label holder: its label as a 0/1 positive vector. */
  label?: WoeLabel;
}

/**
 * Public layout: per feature its name, type, number of bins, and whether it has an else (null) bin;
 * its membership columns are the bins, then the else bin when there is one (an empty else bin
 * is left out: fewer columns to share and mask).
 */
export interface WoeLayout {
  issues: PrepIssue[];
  rows: number;
  features: LayoutFeature[];
}
export interface LayoutFeature { name: string; type: 'numeric' | 'string'; bins: number; else: boolean; width: number }

const hasElse = (v: BinVariable): boolean => v.else_counts > 0;
const width = (v: BinVariable): number => v.total_counts.length + (hasElse(v) ? 1 : 0);

export async function bin(path: string, features: string[], b: WoeBinning, label?: { name: string; positive: string }): Promise<WoeBins> {
  const out: WoeBins = { issues: [], path, rows: 0, features: [] };
  try {
    const t = await readTable(path);
    out.rows = t.numRows;
    if (label !== undefined) {
      out.label = labelFrom(t, label.name, label.positive);
      out.issues.push(...out.label.issues);
    }
    const method: BinningMethod = b.method === 'eq_range' ? 'eq_range' : 'quantile';
    const n = b.method === 'chimerge' ? b.chimerge_init_bins : b.bin_num;
    for (const f of features) {
      const col = t.data[f];
      if (col === undefined) throw issue('task_config.feature_selects', `column '${f}' not found`);
      out.features.push(fitVariable(f, col, method, n));
    }
  } catch (e) {
    if (e instanceof PrepIssueError) out.issues.push(...e.issues);
    else throw e;
  }
  return out;
}

export function layoutOf(b: WoeBins): WoeLayout {
  return {
    issues: b.issues,
    rows: b.rows,
    features: b.features.map((f) => ({ name: f.variable.name, type: f.variable.type, bins: f.variable.total_counts.length, else: hasElse(f.variable), width: width(f.variable) })),
  };
}

/** Per membership column, the number of rows (what the label holder needs besides positives). */
export function totals(b: WoeBins): Float64Array {
  return Float64Array.from(b.features.flatMap((f) => (hasElse(f.variable) ? [...f.variable.total_counts, f.variable.else_counts] : f.variable.total_counts)));
}

/**
 * Bin numbers [rows, features]: per feature, each row's membership column within the feature (its
 * bin, or the else bin, last, for a missing value). Small integers, exact as doubles.
 */
export function binCodes(b: WoeBins): PlainTensor {
  const f = b.features.length;
  const data = new Float64Array(b.rows * f);
  b.features.forEach((feat, j) => {
    const elseCol = width(feat.variable) - 1;
    const codes = feat.codes;
    for (let r = 0; r < b.rows; r++) {
      const c = codes[r]!;
      data[r * f + j] = c < 0 ? elseCol : c;
    }
  });
  return { data, shape: [b.rows, f] };
}

/** The label holder's 0/1 positive vector and class totals. */
export interface WoeLabel {
  issues: PrepIssue[];
  y: Float64Array;
  P: number;
  N: number;
}

/** The label column as the 0/1 positive vector (read in the same pass as the features). */
function labelFrom(t: Table, name: string, positive: string): WoeLabel {
  const col: Column | undefined = t.data[name];
  const none = { y: new Float64Array(0), P: 0, N: 0 };
  if (col === undefined) return { issues: [{ field: 'task_config.label', message: `column '${name}' not found` }], ...none };
  const keys = isNumericColumn(col) ? Array.from(col, (v) => (Number.isNaN(v) ? '' : String(v))) : col;
  if (keys.some((k) => k === '')) return { issues: [{ field: 'task_config.label', message: `column '${name}' has missing values` }], ...none };
  const y = Float64Array.from(keys, (k) => (k === positive ? 1 : 0));
  const P = y.reduce((s, v) => s + v, 0);
  const N = y.length - P;
  if (P === 0 || N === 0) return { issues: [{ field: 'task_config.positive_label', message: 'the label has only one class under this positive_label' }], y, P, N };
  return { issues: [], y, P, N };
}

export function labelOf(b: WoeBins): WoeLabel {
  if (b.label === undefined) throw new Error('this party was not asked to read the label');
  return b.label;
}

export const labelVector = (l: WoeLabel): PlainTensor => ({ data: l.y, shape: [l.y.length, 1] });

/** Per feature: WOE per (merged) bin, the else bin's WOE, the merge map for ChiMerge, and the IV. */
export interface WoeSolution {
  name: string;
  woe: number[];
  else_woe: number;
  groups?: number[];
  iv: number;
}

/** `pos` / `tot`: per bin, then the else bin when the feature has one. */
function solveOne(f: LayoutFeature, pos: number[], tot: number[], l: WoeLabel, b: WoeBinning): WoeSolution {
  let bp = pos.slice(0, f.bins), bt = tot.slice(0, f.bins);
  const ep = f.else ? pos[f.bins]! : 0, et = f.else ? tot[f.bins]! : 0;
  let groups: number[] | undefined;
  if (b.method === 'chimerge' && f.type === 'numeric' && bp.length > 2) {
    groups = chiMerge(bp, bt, b.chimerge_target_bins, b.chimerge_target_pvalue);
    const k = Math.max(...groups) + 1;
    const mp = new Array<number>(k).fill(0), mt = new Array<number>(k).fill(0);
    groups.forEach((g, i) => { mp[g]! += bp[i]!; mt[g]! += bt[i]!; });
    [bp, bt] = [mp, mt];
  }
  const withElse = woeIv([...bp, ep], [...bt, et], l.P, l.N);
  const s: WoeSolution = { name: f.name, woe: withElse.woe.slice(0, -1), else_woe: withElse.woe[withElse.woe.length - 1]!, iv: withElse.iv };
  if (groups !== undefined) s.groups = groups;
  return s;
}

/**
 * At the label holder: WOE/IV of a feature party's features from the revealed positive counts
 * (rounded: the SPU sum carries fixed-point error far below 0.5) and that party's bin totals.
 */
export function solve(l: WoeLabel, layout: WoeLayout, totalCounts: Float64Array, positives: PlainTensor, b: WoeBinning): WoeSolution[] {
  let off = 0;
  return layout.features.map((f) => {
    const pos = Array.from(positives.data.subarray(off, off + f.width), (v) => Math.round(v));
    const tot = Array.from(totalCounts.subarray(off, off + f.width));
    off += f.width;
    return solveOne(f, pos, tot, l, b);
  });
}

/** The label holder's own features: positives counted in plaintext. */
export function solveLocal(l: WoeLabel, bins: WoeBins, b: WoeBinning): WoeSolution[] {
  const lay = layoutOf(bins);
  return bins.features.map((f, i) => {
    const w = lay.features[i]!.bins + 1;
    const pos = new Array<number>(w).fill(0);
    f.codes.forEach((c, r) => { if (l.y[r] === 1) pos[c < 0 ? w - 1 : c]!++; });
    const tot = [...f.variable.total_counts, f.variable.else_counts];
    return solveOne({ ...lay.features[i]!, else: true }, pos, tot, l, b);
  });
}

/** What a feature party receives: its WOE values and merges, no IV. */
export type WoeForParty = Omit<WoeSolution, 'iv'>[];
export const forParty = (s: WoeSolution[]): WoeForParty => s.map(({ iv: _iv, ...rest }) => rest);

/** The party's rule: its variables with WOE filling values (merged bins for ChiMerge). */
export async function finish(party: string, bins: WoeBins, sol: WoeForParty, b: WoeBinning, ivs?: FeatureIv[]): Promise<Fitted> {
  const variables = bins.features.map((f, i) => {
    const s = sol[i]!;
    let v = f.variable;
    if (s.groups !== undefined && v.split_points !== undefined) {
      const g = s.groups;
      const split_points = v.split_points.filter((_, j) => g[j] !== g[j + 1]);
      const k = Math.max(...g) + 1;
      const total_counts = new Array<number>(k).fill(0);
      g.forEach((gi, j) => { total_counts[gi]! += v.total_counts[j]!; });
      v = { ...v, split_points, total_counts };
    }
    return { ...v, filling_values: s.woe, else_filling_value: v.else_counts > 0 ? s.else_woe : 0 };
  });
  const rule: BinningRule = { type: 'sf.rule.binning', version: '0.1', kind: 'woe_binning', party, method: b.method, variables };
  if (ivs !== undefined) rule.feature_iv_info = ivs;
  const used = new Set(variables.map((v) => v.name));
  const header = await headerOf(bins.path);
  return { issues: [], path: bins.path, text: header.filter((c) => !used.has(c)), rule };
}
