// The spu package's own leakage tests: the word statistics live in @sfw/testkit and the recording
// endpoint in @sfw/spu/simulation (other packages' leakage tests use both); this adds the assertion.
import { expect } from 'vitest';
import { viewDifferences, type View } from '@sfw/testkit';

export { CRITICAL, addWords, chi2, newHist, wordsOf } from '@sfw/testkit';
export type { Hist, View } from '@sfw/testkit';
export { RecordingComm } from '../simulation.ts';

/** Asserts two views are indistinguishable (and that enough was observed for the test to mean it). */
export function expectSameView(a: View, b: View): void {
  expect(viewDifferences(a, b)).toEqual([]);
}
