// Float64 plaintext reference of the same algorithm (same buckets, same public sampling, same gain,
// same sr sigmoid, same lambda floor): what the secure job must reproduce up to fixed-point error.
// Used by the tests and the benchmark; never by the jobs.
import { binFeature, binOf, bucketCount } from './binning.ts';
import type { BinnedFeature } from './binning.ts';
import type { Objective } from './params.ts';
import { LAMBDA_FLOOR } from './program.ts';
import { treeSample } from './sampling.ts';

export interface RefHyper {
  numBoostRound: number;
  maxDepth: number;
  learningRate: number;
  objective: Objective;
  regLambda: number;
  subsample: number;
  colsampleByTree: number;
  sketchEps: number;
  baseScore: number;
  seed: number;
}

export interface RefSplit {
  feature: number;
  bucket: number;
  threshold: number;
  /** Gains of every candidate column of the sampled features (in sampled order) at this node. */
  gains: Float64Array;
}

export interface RefTree {
  splits: RefSplit[];
  leaves: Float64Array;
  /** Rows reaching each leaf on the training data. */
  leafRows: number[][];
}

export interface RefModel {
  trees: RefTree[];
  binned: BinnedFeature[];
  /** Training margins after the last tree. */
  margins: Float64Array;
}

/** Lets a test make the reference take the secure run's choice at a node (e.g. among near-ties). */
export type SplitChooser = (tree: number, node: number, gains: Float64Array, best: number, candidates: ReadonlyArray<{ feature: number; threshold: number }>) => number;

export const srSigmoid = (x: number): number => (0.5 * x) / Math.sqrt(1 + x * x) + 0.5;

/** columns: one Float64Array per feature (model order), y: labels. */
export function trainBoostRef(columns: readonly Float64Array[], y: Float64Array, p: RefHyper, choose?: SplitChooser): RefModel {
  const n = y.length;
  const d = columns.length;
  const buckets = bucketCount(p.sketchEps);
  const binned = columns.map((c) => binFeature(c, buckets));
  const lam = Math.max(p.regLambda, LAMBDA_FLOOR);
  const margins = new Float64Array(n).fill(p.baseScore);
  const trees: RefTree[] = [];
  for (let t = 0; t < p.numBoostRound; t++) {
    const sample = treeSample(p.seed, t, n, d, p.subsample, p.colsampleByTree);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = sample.rows === null ? 1 : sample.rows[i]!;
      if (p.objective === 'logistic') {
        const q = srSigmoid(margins[i]!);
        g[i] = (q - y[i]!) * r;
        h[i] = q * (1 - q) * r;
      } else {
        g[i] = (margins[i]! - y[i]!) * r;
        h[i] = r;
      }
    }
    let nodes: number[][] = [Array.from({ length: n }, (_, i) => i)];
    const splits: RefSplit[] = [];
    for (let l = 0; l < p.maxDepth; l++) {
      const next: number[][] = [];
      for (const rows of nodes) {
        let GA = 0;
        let HA = 0;
        for (const i of rows) {
          GA += g[i]!;
          HA += h[i]!;
        }
        const cand: Array<{ f: number; j: number }> = [];
        const gains: number[] = [];
        for (const f of sample.features) {
          const B = binned[f]!.points.length;
          const gb = new Float64Array(B);
          const hb = new Float64Array(B);
          for (const i of rows) {
            const b = binned[f]!.bins[i]!;
            gb[b] = gb[b]! + g[i]!;
            hb[b] = hb[b]! + h[i]!;
          }
          let GL = 0;
          let HL = 0;
          for (let j = 0; j < B; j++) {
            GL += gb[j]!;
            HL += hb[j]!;
            const GR = GA - GL;
            const HR = HA - HL;
            gains.push((GL * GL) / (HL + lam) + (GR * GR) / (HR + lam));
            cand.push({ f, j });
          }
        }
        let best = 0;
        for (let k = 1; k < gains.length; k++) if (gains[k]! > gains[best]!) best = k;
        const gArr = Float64Array.from(gains);
        if (choose !== undefined) best = choose(t, splits.length, gArr, best, cand.map((c) => ({ feature: c.f, threshold: binned[c.f]!.points[c.j]! })));
        const { f, j } = cand[best]!;
        splits.push({ feature: f, bucket: j, threshold: binned[f]!.points[j]!, gains: gArr });
        const left: number[] = [];
        const right: number[] = [];
        for (const i of rows) (binned[f]!.bins[i]! <= j ? left : right).push(i);
        next.push(left, right);
      }
      nodes = next;
    }
    const leaves = new Float64Array(nodes.length);
    nodes.forEach((rows, k) => {
      let G = 0;
      let H = 0;
      for (const i of rows) {
        G += g[i]!;
        H += h[i]!;
      }
      leaves[k] = (-p.learningRate * G) / (H + lam);
      for (const i of rows) margins[i] = margins[i]! + leaves[k]!;
    });
    trees.push({ splits, leaves, leafRows: nodes });
  }
  return { trees, binned, margins };
}

/** Scores of new rows (columns in model order): margins, or sr probabilities for logistic. */
export function predictBoostRef(model: Pick<RefModel, 'trees'>, columns: readonly Float64Array[], objective: Objective, baseScore: number): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n).fill(baseScore);
  for (const tree of model.trees) {
    const depth = Math.log2(tree.leaves.length);
    for (let i = 0; i < n; i++) {
      let node = 0;
      for (let l = 0; l < depth; l++) {
        const s = tree.splits[node]!;
        const left = binOf(Float64Array.of(s.threshold), columns[s.feature]![i]!) === 0;
        node = 2 * node + (left ? 1 : 2);
      }
      out[i] = out[i]! + tree.leaves[node - (tree.leaves.length - 1)]!;
    }
  }
  if (objective === 'logistic') for (let i = 0; i < n; i++) out[i] = srSigmoid(out[i]!);
  return out;
}
