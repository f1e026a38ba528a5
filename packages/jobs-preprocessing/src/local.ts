// What one party does with its own table, in its own thread: fit a rule on its columns (whole file or
// streamed in chunks), report parameter issues, and only then, when the driver says every party is
// fine, write the transformed table and the rule. Columns the job does not touch are read as text
// and written back unchanged (an id such as "00123" stays "00123").
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readFilePinned, writeFilePinned } from '@sfw/data';
import type { Table } from '@sfw/data';
import { fitCalculate } from './calculate.ts';
import { ColumnPool, withColumns } from './columns.ts';
import type { ColumnAlloc } from './columns.ts';
import { FillnaFit } from './fillna.ts';
import { PrepIssueError, issue } from './issues.ts';
import type { PrepIssue } from './issues.ts';
import { OnehotFit } from './onehot.ts';
import { fitVariable } from './binning.ts';
import type { BinningMethod } from './binning.ts';
import type { FillnaConfig } from './params.ts';
import { applyRule, parseRule } from './rules.ts';
import type { BinningRule, CalculateStep, Rule } from './rules.ts';
import { ChunkWriter, ParsedColumns, headerOf, isLarge, readChunks, readChunksForWrite, readTable, writeTable } from './table-io.ts';

export type LocalSpec =
  | { kind: 'fillna'; cfg: FillnaConfig }
  | { kind: 'feature_calculate'; steps: CalculateStep[] }
  | { kind: 'onehot_encode'; features: string[]; drop: 'no_drop' | 'first' | 'mode'; min_frequency: number }
  | { kind: 'binning'; features: string[]; method: BinningMethod; bin_num: number }
  | { kind: 'substitution'; rule_path: string | undefined }
  | { kind: 'feature_filter'; drop: string[] };

/** A party's fitted state, kept in its thread between the fit and the write. */
export interface Fitted {
  issues: PrepIssue[];
  path: string;
  /** Columns read as text (not touched by the job). */
  text: string[];
  rule?: Rule | undefined;
  drop?: string[] | undefined;
  /** The transformed table when the file was read whole. */
  table?: Table;
  /** Streamed: bytes per read batch (default 4 MiB). */
  chunkBytes?: number | undefined;
  /** Streamed: the numeric columns the fit parsed, for the write pass (dropped after it). */
  parsed?: ParsedColumns | undefined;
}

/**
 * Bytes of parsed numeric columns a streamed task keeps from its fit pass for its write pass (the
 * file's first batches; the rest is parsed again): 1,000,000 rows x 18 numbers fit in it.
 */
export const PARSED_CACHE_BYTES = 192 * 1024 * 1024;

/** How a party reads its file: whole up to WHOLE_FILE_BYTES, else streamed (tests force either). */
export interface ReadMode {
  stream?: boolean;
  chunkBytes?: number;
  /** Streamed: the budget of parsed columns kept from the fit for the write (0: none). */
  parsedCacheBytes?: number;
}

/** Columns a spec reads as values (the rest pass through as text). */
function usedColumns(spec: LocalSpec, rule: Rule | undefined): string[] {
  switch (spec.kind) {
    case 'fillna': return spec.cfg.features;
    case 'feature_calculate': return spec.steps.map((s) => s.column);
    case 'onehot_encode': case 'binning': return spec.features;
    case 'feature_filter': return [];
    case 'substitution':
      if (rule === undefined) return [];
      switch (rule.kind) {
        case 'fillna': return rule.columns.map((c) => c.column);
        case 'feature_calculate': return rule.steps.map((s) => s.column);
        case 'onehot_encode': return rule.columns.map((c) => c.column);
        case 'binning': case 'woe_binning': return rule.variables.map((v) => v.name);
      }
  }
}

async function fitRule(party: string, spec: LocalSpec, chunks: () => AsyncIterable<Table> | Iterable<Table>, loaded: Rule | undefined): Promise<Rule | undefined> {
  switch (spec.kind) {
    case 'fillna': {
      const f = new FillnaFit(spec.cfg);
      for await (const t of chunks()) f.add(t);
      return f.finish(party);
    }
    case 'feature_calculate':
      return fitCalculate(spec.steps.map((s) => ({ ...s, operands: [...s.operands] })), party, chunks);
    case 'onehot_encode': {
      const f = new OnehotFit(spec, spec.features);
      for await (const t of chunks()) f.add(t);
      return f.finish(party);
    }
    case 'binning': {
      // Quantiles need every value: binning reads its columns whole (they are numbers or categories).
      const parts: Table[] = [];
      for await (const t of chunks()) parts.push(t);
      const t = parts.length === 1 ? parts[0]! : concatRows(parts);
      const variables = spec.features.map((f) => {
        const col = t.data[f];
        if (col === undefined) throw issue('task_config.feature_selects', `column '${f}' not found`);
        return fitVariable(f, col, spec.method, spec.bin_num).variable;
      });
      const rule: BinningRule = { type: 'sf.rule.binning', version: '0.1', kind: 'binning', party, method: spec.method, variables };
      return rule;
    }
    case 'substitution': case 'feature_filter':
      return loaded;
  }
}

export function concatRows(parts: Table[]): Table {
  const columns = parts[0]!.columns;
  const data: Table['data'] = {};
  for (const c of columns) {
    const cols = parts.map((p) => p.data[c]!);
    if (cols.every((x) => x instanceof Float64Array)) {
      const out = new Float64Array(cols.reduce((s, x) => s + x.length, 0));
      let o = 0;
      for (const x of cols as Float64Array[]) { out.set(x, o); o += x.length; }
      data[c] = out;
    } else {
      data[c] = cols.flatMap((x) => (x instanceof Float64Array ? Array.from(x, (v) => (Number.isNaN(v) ? '' : String(v))) : x));
    }
  }
  return { columns, data, numRows: parts.reduce((s, p) => s + p.numRows, 0) };
}

/** The table after the job: the rule applied, dropped columns removed. */
export function transform(f: Pick<Fitted, 'rule' | 'drop'>, t: Table, field?: string, alloc?: ColumnAlloc): Table {
  let out = f.rule === undefined ? t : applyRule(t, f.rule, field, alloc);
  if (f.drop !== undefined) out = withColumns(out, {}, [], f.drop);
  return out;
}

export async function loadRule(path: string, party: string): Promise<Rule> {
  let json: unknown;
  try {
    json = JSON.parse(await readFilePinned(path, 'utf8'));
  } catch {
    throw issue(`task_config.input_rule.${party}`, 'cannot read the rule file as JSON');
  }
  return parseRule(json, party);
}

/** Fits (or loads) the rule and checks it against the data; writes nothing. */
export async function fitLocal(party: string, path: string, spec: LocalSpec, mode: ReadMode = {}): Promise<Fitted> {
  const header = await headerOf(path);
  const f: Fitted = { issues: [], path, text: [], chunkBytes: mode.chunkBytes };
  try {
    const loaded = spec.kind === 'substitution' && spec.rule_path !== undefined ? await loadRule(spec.rule_path, party) : undefined;
    const used = new Set(usedColumns(spec, loaded));
    f.text = header.filter((c) => !used.has(c));
    if (spec.kind === 'feature_filter') {
      const absent = spec.drop.filter((c) => !header.includes(c));
      if (absent.length > 0) throw issue('task_config.drop_features', `column '${absent[0]!}' not found`);
      f.drop = spec.drop;
    }
    const field = spec.kind === 'substitution' ? `task_config.input_rule.${party}` : undefined;
    if (mode.stream ?? (await isLarge(path))) {
      // Kept only where neither the fit nor the transform modifies a column it reads (both make new
      // arrays): fillna and feature_calculate, whose statistics need a pass of their own.
      const cache = spec.kind === 'fillna' || spec.kind === 'feature_calculate' ? new ParsedColumns(mode.parsedCacheBytes ?? PARSED_CACHE_BYTES) : undefined;
      f.rule = await fitRule(party, spec, () => readChunks(path, f.text, f.chunkBytes, { skipText: true, cache }), loaded);
      f.parsed = cache;
      // Check the rule against the first chunk now, so that a type problem fails before any write.
      for await (const t of readChunks(path, f.text, f.chunkBytes, { cache })) { transform(f, t, field); break; }
    } else {
      const t = await readTable(path, f.text);
      f.rule = await fitRule(party, spec, () => [t], loaded);
      f.table = transform(f, t, field);
    }
  } catch (e) {
    f.parsed?.clear();
    f.parsed = undefined;
    if (e instanceof PrepIssueError) f.issues = e.issues;
    else throw e;
  }
  return f;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFilePinned(path, JSON.stringify(value, null, 1) + '\n');
}

export interface WriteSummary {
  rows: number;
  columns: string[];
}

/** Writes the transformed table (whole, or streamed chunk by chunk) and the rule. */
export async function writeLocal(f: Fitted, outPath: string | undefined, rulePath: string | undefined): Promise<WriteSummary> {
  if (f.issues.length > 0) throw new Error('a table with parameter issues is not written');
  if (rulePath !== undefined && f.rule !== undefined) await writeJson(rulePath, f.rule);
  if (outPath === undefined) return { rows: 0, columns: [] };
  if (f.table !== undefined) {
    await writeTable(outPath, f.table);
    return { rows: f.table.numRows, columns: f.table.columns };
  }
  const w = new ChunkWriter(outPath);
  const pool = new ColumnPool();
  let columns: string[] = [];
  try {
    for await (const { table, passThrough } of readChunksForWrite(f.path, f.text, f.chunkBytes, f.parsed)) {
      const out = transform(f, table, undefined, pool.alloc);
      columns = out.columns;
      await w.write(out, passThrough);
      pool.recycle(out, table);
    }
  } finally {
    f.parsed?.clear();
    f.parsed = undefined;
    await w.close();
  }
  return { rows: w.rows, columns };
}
