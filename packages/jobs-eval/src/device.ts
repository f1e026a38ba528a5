// Device module `eval`: the metrics run on the ONE party that holds both label and prediction
// (SecretFlow computes them in plaintext there). Only the aggregate report leaves that party:
// summary metrics, bin tables whose score columns are coarse (publish.ts), and a thinned ROC curve
// (no per-sample scores, no thresholds).
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PyuContext } from '@sfw/runtime/device';
import { getNumericColumn, readCsv, readCsvHeader } from '@sfw/data';
import { biclassificationEval } from './biclassification.ts';
import type { BiclassificationResult } from './biclassification.ts';
import { regressionEval } from './regression.ts';
import type { RegressionResult } from './regression.ts';
import { coarseBins, scoreScale } from './publish.ts';
import type { ScoreScale } from './publish.ts';
import { thin } from './svg.ts';

export interface EvalInput {
  path: string;
  label: string;
  prediction: string;
}

async function columns(input: EvalInput): Promise<{ y: Float64Array; p: Float64Array }> {
  const t = await readCsv(input.path, { columns: [input.label, input.prediction] });
  const y = getNumericColumn(t, input.label);
  const p = getNumericColumn(t, input.prediction);
  if (y.some((v) => !Number.isFinite(v)) || p.some((v) => !Number.isFinite(v))) {
    throw new Error('label or prediction column has missing or non-finite values');
  }
  return { y, p };
}

/**
 * The result as it leaves the party: the ROC curve thinned to at most 200 points without its
 * thresholds, the bins' score columns coarse, and the scale they are given in.
 */
export type PublicBiclassification = Omit<BiclassificationResult, 'roc'> & { roc: { fpr: number[]; tpr: number[] }; scoreScale: ScoreScale };

async function biclassification(_ctx: PyuContext, input: EvalInput, params: { bucketSize: number; minItemCntPerBucket: number }): Promise<PublicBiclassification> {
  const { y, p } = await columns(input);
  if (y.some((v) => v !== 0 && v !== 1)) throw new Error(`label column '${input.label}' must be 0/1 for biclassification_eval`);
  const r = biclassificationEval(y, p, params);
  const pts = thin(r.roc.fpr, r.roc.tpr, 200);
  const scale = scoreScale(p);
  return {
    ...r,
    eqFrequentBins: coarseBins(r.eqFrequentBins, p, scale),
    eqRangeBins: coarseBins(r.eqRangeBins, p, scale),
    roc: { fpr: pts.map((q) => q[0]), tpr: pts.map((q) => q[1]) },
    scoreScale: scale,
  };
}

async function regression(_ctx: PyuContext, input: EvalInput, bucketSize: number): Promise<RegressionResult> {
  const { y, p } = await columns(input);
  return regressionEval(y, p, bucketSize);
}

/** Column names of the table (public metadata) for parameter checks with field paths. */
async function header(_ctx: PyuContext, path: string): Promise<{ columns: string[]; numRows: number }> {
  const h = await readCsvHeader(path);
  return { columns: h.columns, numRows: h.numRows };
}

export default defineDeviceModule('eval', { pyu: { header, biclassification, regression } });
