// WOE and IV from per-bin positive and total counts, computed at the label holder (SecretFlow
// vert_woe_binning): WOE_i = ln((pos_i / P) / (neg_i / N)), with 0.5 added to pos_i and neg_i when
// either is 0; IV = sum_i (pos_i / P - neg_i / N) * WOE_i. ChiMerge (Kerber 1992) merges adjacent
// numeric bins with the smallest chi-square until at most `targetBins` remain and every adjacent pair
// differs at the target p-value.

export interface BinCounts {
  /** Positives per bin (the else bin last when `hasElse`). */
  pos: number[];
  total: number[];
}

export function woeValue(pos: number, neg: number, P: number, N: number): number {
  if (pos === 0 || neg === 0) return Math.log(((pos + 0.5) / P) / ((neg + 0.5) / N));
  return Math.log((pos / P) / (neg / N));
}

/** WOE per bin and the IV summed over the bins (empty bins contribute nothing). */
export function woeIv(pos: readonly number[], total: readonly number[], P: number, N: number): { woe: number[]; iv: number } {
  let iv = 0;
  const woe = pos.map((p, i) => {
    const t = total[i]!;
    if (t === 0) return 0;
    const w = woeValue(p, t - p, P, N);
    iv += (p / P - (t - p) / N) * w;
    return w;
  });
  return { woe, iv };
}

/** Chi-square statistic of two adjacent bins' 2x2 table (positive/negative). */
export function chi2Pair(p1: number, n1: number, p2: number, n2: number): number {
  const r1 = p1 + n1, r2 = p2 + n2, cp = p1 + p2, cn = n1 + n2, all = r1 + r2;
  if (all === 0) return 0;
  let s = 0;
  for (const [o, r, c] of [[p1, r1, cp], [n1, r1, cn], [p2, r2, cp], [n2, r2, cn]] as const) {
    const e = (r * c) / all;
    if (e > 0) s += (o - e) ** 2 / e;
  }
  return s;
}

/** Inverse standard normal upper tail (Acklam's rational approximation, one Newton step). */
function normIsf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = 1 - p; // lower-tail probability
  let x: number;
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    x = (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  } else if (q > 1 - 0.02425) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    x = -(((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  } else {
    const r = q - 0.5, s = r * r;
    x = ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
  }
  return x;
}

/** chi2.isf(p, df=1) = norm.isf(p / 2)^2. */
export function chi2Threshold(pvalue: number): number {
  return normIsf(pvalue / 2) ** 2;
}

/**
 * ChiMerge over ordered bins. Returns, for each input bin, the index of its merged bin. At least two
 * bins remain (a single bin carries no information).
 */
export function chiMerge(pos: readonly number[], total: readonly number[], targetBins: number, pvalue: number): number[] {
  const threshold = chi2Threshold(pvalue);
  const groups = pos.map((p, i) => ({ p, n: total[i]! - p, members: [i] }));
  while (groups.length > 2) {
    let best = -1, bestChi = Infinity;
    for (let i = 0; i + 1 < groups.length; i++) {
      const g = groups[i]!, h = groups[i + 1]!;
      const chi = chi2Pair(g.p, g.n, h.p, h.n);
      if (chi < bestChi) [best, bestChi] = [i, chi];
    }
    if (groups.length <= targetBins && bestChi >= threshold) break;
    const g = groups[best]!, h = groups[best + 1]!;
    groups.splice(best, 2, { p: g.p + h.p, n: g.n + h.n, members: [...g.members, ...h.members] });
  }
  const out = new Array<number>(pos.length).fill(0);
  groups.forEach((g, k) => { for (const m of g.members) out[m] = k; });
  return out;
}
