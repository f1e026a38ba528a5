// Statistics of the statistical leakage tests: histogram the top and the bottom 4 bits of every
// 64-bit word a party saw, and compare two such histograms with a chi-square test of homogeneity
// (16 bins, 15 degrees of freedom, reject at p < 1e-6). A share or a masked value is uniform, so two
// runs on different secrets give histograms the test cannot tell apart; a leak of the top or the
// bottom bits (the sign, the fraction) shows up as a large statistic.

/** chi2.isf(1e-6, df=15): a statistic above this rejects "same distribution" at p < 1e-6. */
export const CRITICAL = 56.49;

/** The 64-bit words of a message (copied, so the view owns aligned memory). */
export const wordsOf = (b: Uint8Array): BigUint64Array => new BigUint64Array(b.slice().buffer, 0, b.byteLength >> 3);

/** Counts of the top 4 bits (`top`) and the bottom 4 bits (`low`) of words, 16 bins each. */
export type Hist = { top: number[]; low: number[] };
export const newHist = (): Hist => ({ top: new Array<number>(16).fill(0), low: new Array<number>(16).fill(0) });

/** Counts the top 4 and the bottom 4 bits of each word. */
export function addWords(h: Hist, ws: Iterable<bigint>): void {
  for (const w of ws) {
    h.top[Number(w >> 60n)]! += 1;
    h.low[Number(w & 15n)]! += 1;
  }
}

/** Chi-square statistic of homogeneity for two histograms over the same bins. */
export function chi2(a: readonly number[], b: readonly number[]): number {
  const na = a.reduce((s, v) => s + v, 0), nb = b.reduce((s, v) => s + v, 0);
  let stat = 0;
  for (let i = 0; i < a.length; i++) {
    const tot = a[i]! + b[i]!;
    if (tot === 0) continue;
    const ea = (tot * na) / (na + nb), eb = (tot * nb) / (na + nb);
    stat += (a[i]! - ea) ** 2 / ea + (b[i]! - eb) ** 2 / eb;
  }
  return stat;
}

/** What one party saw: every received word, and every value it opened (its share + the peer's). */
export interface View { received: Hist; opened: Hist }

/** Fewest opened words for a comparison of two views to mean anything. */
export const MIN_OPENED = 1000;

/**
 * Why two views can be told apart: too few opened words, or a histogram whose chi-square statistic
 * is at or above CRITICAL (named `received.top` etc.). Empty when they are indistinguishable.
 */
export function viewDifferences(a: View, b: View): string[] {
  const out: string[] = [];
  const opened = a.opened.top.reduce((s, v) => s + v, 0);
  if (opened <= MIN_OPENED) out.push(`only ${opened} opened words observed (need more than ${MIN_OPENED})`);
  for (const key of ['received', 'opened'] as const)
    for (const part of ['top', 'low'] as const) {
      const stat = chi2(a[key][part], b[key][part]);
      if (!(stat < CRITICAL)) out.push(`${key}.${part}: chi2 ${stat.toFixed(1)} >= ${CRITICAL}`);
    }
  return out;
}
