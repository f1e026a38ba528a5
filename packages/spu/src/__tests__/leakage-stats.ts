// Shared machinery of the statistical leakage tests (mul/matmul, comparison, fixed-mask matmul):
// record what one rank receives and opens, histogram the top and bottom 4 bits of every 64-bit word,
// and compare two such views with a chi-square test of homogeneity (16 bins, 15 degrees of freedom,
// reject at p < 1e-6). Test-only: `src/__tests__` is not part of the build.
import { expect } from 'vitest';
import type { Comm } from '../comm.ts';

/** chi2.isf(1e-6, df=15): a statistic above this rejects "same distribution" at p < 1e-6. */
export const CRITICAL = 56.49;

/** Wraps a rank's Comm and keeps a copy of everything it sends to and receives from peers. */
export class RecordingComm implements Comm {
  /** Every message received, the dealer's included. */
  readonly received: Uint8Array[] = [];
  /** Messages received from other ranks only. */
  readonly fromPeers: Uint8Array[] = [];
  /** Messages sent to other ranks (not to the dealer). */
  readonly sent: Uint8Array[] = [];
  constructor(readonly inner: Comm) {}
  get rank(): number { return this.inner.rank; }
  get worldSize(): number { return this.inner.worldSize; }
  get stats(): Comm['stats'] { return this.inner.stats; }
  send(to: number, data: Uint8Array): void {
    if (to < this.worldSize) this.sent.push(data.slice());
    this.inner.send(to, data);
  }
  async recv(from: number): Promise<Uint8Array> {
    const d = await this.inner.recv(from);
    this.received.push(d.slice());
    if (from < this.worldSize) this.fromPeers.push(d.slice());
    return d;
  }
}

/** The 64-bit words of a message (copied, so the view owns aligned memory). */
export const wordsOf = (b: Uint8Array): BigUint64Array => new BigUint64Array(b.slice().buffer, 0, b.byteLength >> 3);

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

/** What one rank saw: every received word, and every value it opened (its share + the peer's). */
export interface View { received: Hist; opened: Hist }

/** Asserts two views are indistinguishable (and that enough was observed for the test to mean it). */
export function expectSameView(a: View, b: View): void {
  expect(a.opened.top.reduce((s, v) => s + v, 0)).toBeGreaterThan(1000);
  for (const key of ['received', 'opened'] as const)
    for (const part of ['top', 'low'] as const) expect(chi2(a[key][part], b[key][part]), `${key}.${part}`).toBeLessThan(CRITICAL);
}
