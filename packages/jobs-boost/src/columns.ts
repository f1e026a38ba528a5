// The public column layout of the parties' concatenated bucket maps: which global bucket column is
// which (party, feature, split point). Built on the driver from the bucket counts each party
// publishes (the bucket map's shape); used to turn a revealed winning column into its owner.
export interface FeatureColumns {
  party: string;
  /** Index of the feature in its party's block. */
  local: number;
  /** Index in the global feature list (model order). */
  global: number;
  start: number;
  count: number;
}

export interface ColumnLayout {
  features: FeatureColumns[];
  /** Columns of each party's map, in block order. */
  partyCols: number[];
  total: number;
}

export function columnLayout(blocks: ReadonlyArray<{ party: string; counts: readonly number[] }>): ColumnLayout {
  const features: FeatureColumns[] = [];
  const partyCols: number[] = [];
  let start = 0;
  for (const b of blocks) {
    b.counts.forEach((count, local) => {
      features.push({ party: b.party, local, global: features.length, start, count });
      start += count;
    });
    partyCols.push(b.counts.reduce((a, c) => a + c, 0));
  }
  return { features, partyCols, total: start };
}

/** Column ranges of the sampled features, and the owner of each column position inside them. */
export function sampledColumns(layout: ColumnLayout, sampled: readonly number[]): { ranges: Array<[number, number]>; owners: Array<{ f: FeatureColumns; bucket: number }> } {
  const ranges: Array<[number, number]> = [];
  const owners: Array<{ f: FeatureColumns; bucket: number }> = [];
  for (const gi of sampled) {
    const f = layout.features[gi]!;
    ranges.push([f.start, f.start + f.count]);
    for (let j = 0; j < f.count; j++) owners.push({ f, bucket: j });
  }
  return { ranges, owners };
}
