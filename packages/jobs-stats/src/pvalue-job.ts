// ss_pvalue: Wald statistics of an SS-LR model's coefficients. The feature blocks are read (and, for a
// standardized model, scaled with each party's private scaler) exactly as for prediction, the weight
// shares are loaded from the model directory, and the SPU builds H, inverts it and forms the squared
// statistics. Only those p squared statistics are revealed; w, H and H^-1 never leave the SPU.
import { join } from 'node:path';
import type { JobContext } from '@sfw/executor';
import type { SfReport } from '@sfw/executor';
import { readModelMeta, scalerFileName, shareFileName } from '@sfw/model';
import { normalTwoSidedFromSquare, studentTwoSidedFromSquare } from './distributions.ts';
import { alignedRows, fxpBitsOf, featureLayout, inputPaths, invalid, modelDirs, readHeaders } from './inputs.ts';
import type { SsPvalueConfig } from './params.ts';
import type { WaldPub } from './programs.ts';
import type { ModelBlockOptions } from './device.ts';
import { descriptionsReport } from './reports.ts';

export const INTERCEPT = '_intercept_';

export interface PvalueResult {
  reg_type: 'logistic' | 'linear';
  /** 'z' (normal) for logistic, 't' (Student, df = n - p) for linear. */
  statistic: 'z' | 't';
  df?: number;
  /** |z| or |t| per coefficient (the sign stays secret; see docs/statistics.md). */
  abs_statistic: Record<string, number>;
  pvalue: Record<string, number>;
  report: SfReport;
}

export async function runSsPvalue(ctx: JobContext, cfg: SsPvalueConfig): Promise<PvalueResult> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  // Each SPU party's copy of the model directory (its own data root); the meta is public and the same in each.
  const modelDir = modelDirs(ctx.files);
  let meta: Awaited<ReturnType<typeof readModelMeta>>;
  try {
    meta = await readModelMeta(modelDir(spu.ranks[0]!));
  } catch {
    throw invalid('model', 'not an SS-LR model directory (meta.json missing or invalid)');
  }
  if (meta.spu.field !== ctx.spu.field || meta.spu.fxp_fraction_bits !== fxpBitsOf(ctx.spu)) {
    throw invalid('model', `the model's shares use ${meta.spu.field}/${meta.spu.fxp_fraction_bits} fraction bits; this SPU uses ${ctx.spu.field}/${fxpBitsOf(ctx.spu)}`);
  }
  if (meta.parties.join() !== spu.ranks.join()) throw invalid('model', 'the model was trained by other SPU parties');
  const paths = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(ctx, paths);
  const layout = featureLayout(headers, spu.ranks, meta.feature_names, meta.label_col);
  const n = alignedRows(headers);
  const p = meta.feature_names.length + 1;
  const sameBlocks = layout.interceptParty === meta.intercept_party && layout.blocks.every((b) => meta.party_features_length[b.party] === b.features.length);
  if (!sameBlocks) throw invalid('input_ds', "the parties' columns do not match the model's feature layout");
  if (meta.reg_type === 'linear' && n <= p) throw invalid('input_ds', `a linear model with ${p} coefficients needs more than ${p} rows`);

  const blocks = layout.blocks.map((b) => {
    const opts: ModelBlockOptions = { ones: b.party === layout.interceptParty };
    if (meta.standardized) opts.scalerPath = join(modelDir(b.party), scalerFileName(b.party));
    return cluster.pyu(b.party).call('stats.modelBlock', paths[b.party]!, b.features, opts);
  });
  const [w] = spu.run('stats.loadWeights', [], { sharePaths: spu.ranks.map((party) => join(modelDir(party), shareFileName(party))) });
  const inputs = [w!, ...blocks];
  if (meta.reg_type === 'linear') {
    const y = cluster.pyu(layout.labelParty).call('stats.label', paths[layout.labelParty]!, meta.label_col);
    inputs.splice(1, 0, y.to(spu));
  }
  // |H_jk| <= n for population-standardized features and the ones column (Cauchy-Schwarz, weights
  // a_i <= 1); unstandardized features are assumed |x| <= 256 (docs/statistics.md).
  const pub: WaldPub = { regType: meta.reg_type, rows: n, blockRows: cfg.block_rows, iters: cfg.inverse_iterations, hBound: meta.standardized ? n : n * 65536 };
  const [z2obj] = spu.run('stats.wald', inputs, pub);
  const z2 = (await z2obj!.get()).data;
  const names = [...layout.featureNames, INTERCEPT];
  const df = n - p;
  const absStat: Record<string, number> = {};
  const pvalue: Record<string, number> = {};
  names.forEach((name, j) => {
    const s = Math.max(0, z2[j]!);
    absStat[name] = Math.sqrt(s);
    pvalue[name] = meta.reg_type === 'logistic' ? normalTwoSidedFromSquare(s) : studentTwoSidedFromSquare(s, df);
  });
  return {
    reg_type: meta.reg_type,
    statistic: meta.reg_type === 'logistic' ? 'z' : 't',
    ...(meta.reg_type === 'linear' ? { df } : {}),
    abs_statistic: absStat,
    pvalue,
    report: descriptionsReport('pvalue', pvalue),
  };
}
