// groupby_statistics: the key parties reveal their rows' ordinal key codes (group keys are public,
// as in SecretFlow), the driver forms the groups and a public row order that makes every group
// contiguous, each value owner shares its columns in that order, the SPU aggregates per group and
// every aggregate is revealed to the receiver only.
import type { JobContext } from '@sfw/executor';
import type { SfReport } from '@sfw/executor';
import type { PlainTensor } from '@sfw/runtime';
import type { GroupKeys } from './device.ts';
import { alignedRows, fxpBitsOf, inputPaths, invalid, ownersOf, readHeaders } from './inputs.ts';
import type { Aggregation, GroupbyStatisticsConfig } from './params.ts';
import type { GroupbyPub } from './programs.ts';
import { groupbyReport } from './reports.ts';
import { isMissingCell } from '@sfw/data';

export interface GroupbyResult {
  by: string[];
  /** Group keys (sorted as pandas sorts them), one array per key column. */
  groups: Array<Array<string | number>>;
  /** `<column>_<function>` -> one value per group (null where pandas gives NaN). */
  values: Record<string, Array<number | null>>;
  receiver: string;
  report: SfReport;
}

const FIELD_BITS = { FM64: 64, FM128: 128 } as const;

/** Sort key values as pandas does: numerically when every value of the column is a number. */
function keyComparator(keys: string[][], column: number): (a: number, b: number) => number {
  const nums = keys.map((k) => Number(k[column]));
  if (nums.every((v) => Number.isFinite(v))) return (a, b) => nums[a]! - nums[b]!;
  return (a, b) => (keys[a]![column]! < keys[b]![column]! ? -1 : keys[a]![column]! > keys[b]![column]! ? 1 : 0);
}

export async function runGroupbyStatistics(ctx: JobContext, cfg: GroupbyStatisticsConfig): Promise<GroupbyResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  if (!cluster.parties.includes(cfg.receiver)) throw invalid('receiver', `party ${cfg.receiver} is not in the cluster`);
  const paths = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(ctx, paths);
  const byOwner = ownersOf(headers, cfg.by, 'by');
  const valueColumns = [...new Set(cfg.aggregations.map((a) => a.column))];
  const valueOwner = ownersOf(headers, valueColumns, 'aggregations');
  const n = alignedRows(headers);

  // Each key party's codes (revealed: group keys are public in this component).
  const keyParties = [...new Set(cfg.by.map((b) => byOwner.get(b)!))].sort();
  const partyKeys = await Promise.all(
    keyParties.map(async (party) => {
      const cols = cfg.by.filter((b) => byOwner.get(b) === party);
      const k = await cluster.pyu(party).call<GroupKeys | { tooMany: true }>('stats.groupKeys', paths[party]!, cols, cfg.max_group_size).get();
      if ('tooMany' in k) throw invalid('max_group_size', `more than ${cfg.max_group_size} groups`);
      return { party, cols, ...k };
    }),
  );
  // Joint key of a row = its key values in `by` order; rows with a missing key value are dropped (pandas dropna).
  const jointIndex = new Map<string, number>();
  const jointKeys: string[][] = [];
  const rowGroup = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const values = cfg.by.map((b) => {
      const pk = partyKeys.find((x) => x.party === byOwner.get(b))!;
      return pk.keys[pk.codes[i]!]![pk.cols.indexOf(b)]!;
    });
    if (values.some((v) => isMissingCell(v))) continue;
    const key = JSON.stringify(values);
    let g = jointIndex.get(key);
    if (g === undefined) {
      g = jointKeys.length;
      if (g >= cfg.max_group_size) throw invalid('max_group_size', `more than ${cfg.max_group_size} groups`);
      jointIndex.set(key, g);
      jointKeys.push(values);
    }
    rowGroup[i] = g;
  }
  // Groups in pandas order (sorted by the key columns), rows stably ordered by group.
  const order = jointKeys.map((_, g) => g);
  const cmps = cfg.by.map((_, j) => keyComparator(jointKeys, j));
  order.sort((a, b) => {
    for (const c of cmps) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
  const rank = new Int32Array(order.length);
  order.forEach((g, r) => (rank[g] = r));
  const perm: number[] = [];
  for (let i = 0; i < n; i++) if (rowGroup[i]! >= 0) perm.push(i);
  perm.sort((a, b) => rank[rowGroup[a]!]! - rank[rowGroup[b]!]! || a - b);
  const sizes = new Array<number>(order.length).fill(0);
  for (const i of perm) sizes[rank[rowGroup[i]!]!]!++;
  if (order.length === 0) throw invalid('by', 'every row has a missing key value');

  const big = 2 ** (FIELD_BITS[ctx.spu.field] - 5 - fxpBitsOf(ctx.spu));
  const fnsOf = (c: string): Aggregation[] => cfg.aggregations.filter((a) => a.column === c).map((a) => a.function);
  const inputs = valueColumns.map((c) => cluster.pyu(valueOwner.get(c)!).call<PlainTensor>('stats.groupValues', paths[valueOwner.get(c)!]!, c, perm, big).to(spu));
  const pub: GroupbyPub = { sizes, columns: valueColumns.map((c) => ({ fns: fnsOf(c) })) };
  const outputs = valueColumns.reduce((a, c) => a + 1 + fnsOf(c).length, 0);
  const outs = spu.run('stats.groupby', inputs, pub, { outputs });
  // Every aggregate is reconstructed at the receiver only; the result is the receiver's view.
  const receiver = cluster.pyu(cfg.receiver);
  const revealed = await Promise.all(outs.map((o) => o.reveal(receiver).get()));
  const values: Record<string, Array<number | null>> = {};
  let k = 0;
  for (const c of valueColumns) {
    const count = revealed[k++]!.data;
    for (const fn of fnsOf(c)) {
      const v = revealed[k++]!.data;
      values[`${c}_${fn}`] = Array.from(v, (x, g) => {
        if (fn === 'COUNT') return Math.round(x);
        const cnt = Math.round(count[g]!);
        if (cnt === 0 && fn !== 'SUM') return null;
        if (fn === 'VAR' && cnt < 2) return null;
        return x;
      });
    }
  }
  const groups = order.map((g) => jointKeys[g]!.map((v) => (Number.isFinite(Number(v)) && v.trim() !== '' ? Number(v) : v)));
  const cols = [...cfg.by, ...Object.keys(values)];
  const rows = groups.map((g, r) => [...g, ...Object.values(values).map((v) => v[r]!)]);
  return { by: cfg.by, groups, values, receiver: cfg.receiver, report: groupbyReport(cols, rows) };
}
