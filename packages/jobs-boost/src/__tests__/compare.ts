// Test-only: runs the float64 reference along the secure model's splits and measures the agreement.
// At each node the secure choice must be a float64 argmax up to a near-tie tolerance (fixed-point
// sums differ from float64 by a few ulps); the reference then takes that choice, so the two trees
// have the same structure and their leaf weights can be compared one by one.
import { getNumericColumn, readCsv } from '@sfw/data';
import { trainBoostRef } from '../reference.ts';
import type { RefHyper, RefModel } from '../reference.ts';
import type { OpenedModel } from './model-reader.ts';

export interface Agreement {
  ref: RefModel;
  nodes: number;
  /** Nodes where the secure split is the reference's own argmax (same feature and bucket). */
  sameSplit: number;
  /** Nodes where it is another column whose float64 gain ties the best (within the tolerance). */
  nearTies: number;
  /** Worst relative gain shortfall of a secure choice (0 when all are exact argmaxes). */
  worstShortfall: number;
  maxLeafDiff: number;
}

export async function readColumns(paths: Record<string, string>, features: readonly string[], label: string): Promise<{ columns: Float64Array[]; y: Float64Array }> {
  const tables = await Promise.all(Object.values(paths).map((p) => readCsv(p, { stringColumns: ['id'] })));
  const col = (name: string): Float64Array => {
    const t = tables.find((x) => x.columns.includes(name));
    if (t === undefined) throw new Error(`no column ${name}`);
    return Float64Array.from(getNumericColumn(t, name));
  };
  return { columns: features.map(col), y: col(label) };
}

export function compareWithReference(model: OpenedModel, columns: Float64Array[], y: Float64Array, hyper: RefHyper, tieTol = 1e-4): Agreement {
  const names = model.meta.feature_names;
  let nodes = 0;
  let sameSplit = 0;
  let nearTies = 0;
  let worstShortfall = 0;
  const ref = trainBoostRef(columns, y, hyper, (t, node, gains, best, cands) => {
    nodes++;
    const s = model.splits[t]![node]!;
    const f = names.indexOf(s.feature);
    const k = cands.findIndex((c) => c.feature === f && c.threshold === s.threshold);
    if (k < 0) throw new Error(`secure split (tree ${t}, node ${node}) is not a candidate of the reference`);
    if (k === best) sameSplit++;
    else {
      const short = (gains[best]! - gains[k]!) / Math.max(1, Math.abs(gains[best]!));
      worstShortfall = Math.max(worstShortfall, short);
      if (short <= tieTol) nearTies++;
    }
    return k;
  });
  let maxLeafDiff = 0;
  ref.trees.forEach((tr, t) => tr.leaves.forEach((w, k) => (maxLeafDiff = Math.max(maxLeafDiff, Math.abs(w - model.leaves[t]![k]!)))));
  return { ref, nodes, sameSplit, nearTies, worstShortfall, maxLeafDiff };
}
