// Public per-tree sampling of rows (subsample) and features (colsample_by_tree). SecretFlow samples
// these in plaintext: which rows and columns a tree uses is public, only the data stays secret. The
// generator is a small seeded PRNG (mulberry32) so the secure job and the float64 reference draw the
// same samples; it is never used for shares or masks (those come from the SPU's CSPRNG).

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k distinct indices of [0, n), ascending (partial Fisher-Yates). */
function choose(rand: () => number, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

export interface TreeSample {
  /** 0/1 per row, or null when every row is used. */
  rows: Float64Array | null;
  /** Indices (into the global feature list) of the features this tree may split on, ascending. */
  features: number[];
}

export function treeSample(seed: number, tree: number, n: number, d: number, subsample: number, colsample: number): TreeSample {
  const rand = mulberry32((seed ^ Math.imul(tree + 1, 0x9e3779b1)) >>> 0);
  let rows: Float64Array | null = null;
  if (subsample < 1) {
    rows = new Float64Array(n);
    for (const i of choose(rand, n, Math.max(1, Math.floor(n * subsample)))) rows[i] = 1;
  }
  const features = colsample < 1 ? choose(rand, d, Math.max(1, Math.floor(d * colsample))) : Array.from({ length: d }, (_, i) => i);
  return { rows, features };
}
