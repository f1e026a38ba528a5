// Seeded generators for TEST DATA and public samples only. Never use these for shares, masks or
// seeds: those come from crypto.randomBytes via @sfw/ring's Prg.
import seedrandom from 'seedrandom';

export type Rng = () => number;

export function seededRng(seed: string | number): Rng {
  return seedrandom(String(seed));
}

/** Standard normal draws (Box-Muller). */
export function normals(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng(), 1e-300);
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export interface SyntheticRegressionData {
  /** Row-major n x d features (standard normal). */
  readonly x: Float64Array;
  /** Labels: 0/1 for logistic, real for linear. */
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
  /** The generating weights (d) and intercept. */
  readonly trueWeights: Float64Array;
  readonly trueIntercept: number;
}

/**
 * Features ~ N(0,1); logistic labels y ~ Bernoulli(sigmoid(x.w + b)) or linear y = x.w + b + noise.
 * Weights are drawn with scale 1/sqrt(d) so the logit stays O(1) whatever d is.
 */
export function syntheticLinearData(opts: {
  n: number;
  d: number;
  seed: string | number;
  kind: 'logistic' | 'linear';
  noise?: number;
}): SyntheticRegressionData {
  const rng = seededRng(opts.seed);
  const { n, d } = opts;
  const x = normals(rng, n * d);
  const w = normals(rng, d).map((v) => (2 * v) / Math.sqrt(d));
  const b = 0.3;
  const noise = normals(rng, n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < d; j++) z += x[i * d + j]! * w[j]!;
    if (opts.kind === 'logistic') y[i] = rng() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    else y[i] = z + (opts.noise ?? 0.5) * noise[i]!;
  }
  return { x, y, n, d, trueWeights: w, trueIntercept: b };
}
