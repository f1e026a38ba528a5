// One-pass accumulation of a numeric column's moments, careful about cancellation:
// - central moments M2..M4 by the single-value updates of Pebay (2008, "Formulas for robust,
//   one-pass parallel computation of covariances and arbitrary-order statistical moments", eq. 1.1,
//   the k = 1 case of the pairwise merge), so var/skew/kurtosis never subtract large raw power sums;
// - raw power sums (sum, sum_2..sum_4, which SecretFlow reports as such) with Neumaier-compensated
//   addition, so their rounding error does not grow with the row count.

/** Neumaier (improved Kahan) summation: s + c is the sum to about one rounding. */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

export class MomentAccumulator {
  n = 0;
  mean = 0;
  m2 = 0;
  m3 = 0;
  m4 = 0;
  min = Infinity;
  max = -Infinity;
  readonly sums = [new CompensatedSum(), new CompensatedSum(), new CompensatedSum(), new CompensatedSum()] as const;

  add(x: number): void {
    const n1 = this.n;
    const n = n1 + 1;
    this.n = n;
    const delta = x - this.mean;
    const dn = delta / n;
    const dn2 = dn * dn;
    const term1 = delta * dn * n1;
    this.mean += dn;
    this.m4 += term1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * this.m2 - 4 * dn * this.m3;
    this.m3 += term1 * dn * (n - 2) - 3 * dn * this.m2;
    this.m2 += term1;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const x2 = x * x;
    this.sums[0].add(x);
    this.sums[1].add(x2);
    this.sums[2].add(x2 * x);
    this.sums[3].add(x2 * x2);
  }
}

/** SecretFlow's table_statistics columns for a numeric column (pandas semantics, ddof 1 where pandas uses it). */
export interface NumericStats {
  datatype: string;
  total_count: number;
  count: number;
  count_na: number;
  na_ratio: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  var: number | null;
  std: number | null;
  sem: number | null;
  skew: number | null;
  kurtosis: number | null;
  q1: number | null;
  q2: number | null;
  q3: number | null;
  moment_2: number | null;
  moment_3: number | null;
  moment_4: number | null;
  central_moment_2: number | null;
  central_moment_3: number | null;
  central_moment_4: number | null;
  sum: number;
  sum_2: number;
  sum_3: number;
  sum_4: number;
}

export const NUMERIC_STAT_COLUMNS = [
  'datatype', 'total_count', 'count', 'count_na', 'na_ratio', 'min', 'max', 'mean', 'var', 'std', 'sem', 'skew', 'kurtosis',
  'q1', 'q2', 'q3', 'moment_2', 'moment_3', 'moment_4', 'central_moment_2', 'central_moment_3', 'central_moment_4',
  'sum', 'sum_2', 'sum_3', 'sum_4',
] as const satisfies ReadonlyArray<keyof NumericStats>;

export interface CategoricalStats {
  datatype: string;
  count: number;
  nunique: number;
}

export const CATEGORICAL_STAT_COLUMNS = ['datatype', 'count', 'nunique'] as const satisfies ReadonlyArray<keyof CategoricalStats>;

/** JSON has no NaN: undefined figures (too few values) travel as null. */
const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

// pandas zeroes a central moment below 1e-14 before dividing by it (nanops._zero_out_fperr).
const zeroOut = (v: number): number => (Math.abs(v) < 1e-14 ? 0 : v);

/**
 * Final figures as pandas computes them: var/std/sem with ddof 1; skew = adjusted Fisher-Pearson
 * G1 = sqrt(n(n-1))/(n-2) * m3/m2^1.5 (0 for a constant column, undefined below 3 values); kurtosis
 * = the unbiased excess estimator G2 (0 for a constant column, undefined below 4 values).
 */
export function finishNumeric(acc: MomentAccumulator, totalRows: number, datatype: string, q: [number, number, number] | null): NumericStats {
  const n = acc.n;
  const mean = n > 0 ? acc.mean : NaN;
  const variance = n > 1 ? acc.m2 / (n - 1) : NaN;
  const std = Math.sqrt(variance);
  let skew = NaN;
  if (n >= 3) {
    // On the sums of powers of deviations, as pandas (nanops.nanskew) zeroes them.
    const s2 = zeroOut(acc.m2);
    const s3 = zeroOut(acc.m3);
    skew = s2 === 0 ? 0 : ((n * Math.sqrt(n - 1)) / (n - 2)) * (s3 / s2 ** 1.5);
  }
  let kurt = NaN;
  if (n >= 4) {
    const s2 = zeroOut(acc.m2);
    const s4 = acc.m4;
    if (s2 === 0) kurt = 0;
    else {
      const adj = (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
      kurt = (n * (n + 1) * (n - 1) * s4) / ((n - 2) * (n - 3) * s2 * s2) - adj;
    }
  }
  const raw = (k: 0 | 1 | 2 | 3): number => acc.sums[k].value;
  return {
    datatype,
    total_count: totalRows,
    count: n,
    count_na: totalRows - n,
    na_ratio: totalRows > 0 ? (totalRows - n) / totalRows : 0,
    min: n > 0 ? acc.min : null,
    max: n > 0 ? acc.max : null,
    mean: orNull(mean),
    var: orNull(variance),
    std: orNull(std),
    sem: orNull(std / Math.sqrt(n)),
    skew: orNull(skew),
    kurtosis: orNull(kurt),
    q1: q === null ? null : q[0],
    q2: q === null ? null : q[1],
    q3: q === null ? null : q[2],
    moment_2: n > 0 ? raw(1) / n : null,
    moment_3: n > 0 ? raw(2) / n : null,
    moment_4: n > 0 ? raw(3) / n : null,
    central_moment_2: n > 0 ? acc.m2 / n : null,
    central_moment_3: n > 0 ? acc.m3 / n : null,
    central_moment_4: n > 0 ? acc.m4 / n : null,
    sum: raw(0),
    sum_2: raw(1),
    sum_3: raw(2),
    sum_4: raw(3),
  };
}
