// Split points for the bin tables, as SecretFlow's stats/core/utils.py computes them.

/**
 * Equal-frequency split points (n_bin + 1, increasing): numpy/jax `interp(linspace(0, n, b+1),
 * arange(n), sorted(x), right='extrapolate')`. The top point is extrapolated one step past the
 * largest score, so the first (highest) bin of the table is always empty.
 */
export function equalObs(sortedAsc: Float64Array, nBin: number): Float64Array {
  const n = sortedAsc.length;
  const out = new Float64Array(nBin + 1);
  const step = n / nBin;
  for (let k = 0; k <= nBin; k++) {
    const x = k === nBin ? n : k * step;
    out[k] = interpExtrapolate(sortedAsc, x);
  }
  return out;
}

function interpExtrapolate(fp: Float64Array, x: number): number {
  const n = fp.length;
  if (n === 0) return NaN;
  if (n === 1) return fp[0]!;
  if (x <= 0) return fp[0]!;
  // Segment index as jnp.interp picks it: clip(searchsorted(xp, x, 'right'), 1, n-1).
  let i = Math.floor(x) + 1;
  if (i > n - 1) i = n - 1;
  if (i < 1) i = 1;
  const delta = x - (i - 1);
  return fp[i - 1]! + delta * (fp[i]! - fp[i - 1]!);
}

/** Equal-range split points: min + i*(max-min)/b for i < b, then max + 0.01 (SecretFlow's top edge). */
export function equalRange(scores: Float64Array, nBin: number): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of scores) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const seg = (max - min) / nBin;
  const out = new Float64Array(nBin + 1);
  for (let i = 0; i < nBin; i++) out[i] = min + i * seg;
  out[nBin] = max + 0.01;
  return out;
}
