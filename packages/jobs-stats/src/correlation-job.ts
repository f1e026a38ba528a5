// ss_pearsonr and ss_vif: each party standardizes its own columns and computes its own block of the
// correlation matrix; the cross blocks are Beaver matrix products in the SPU (row blocks). Pearson
// reveals R; VIF keeps R secret, inverts it in the SPU and reveals only diag(R^-1).
import type { JobContext } from '@sfw/executor';
import type { SfReport } from '@sfw/executor';
import type { SpuObject } from '@sfw/runtime';
import { alignedRows, fxpBitsOf, featureLayout, inputPaths, invalid, readHeaders } from './inputs.ts';
import type { CorrPub, VifPub } from './programs.ts';
import type { StandardizedBlock } from './device.ts';
import type { SsPearsonrConfig, SsVifConfig } from './params.ts';
import { correlationReport, descriptionsReport } from './reports.ts';

async function correlationRun(ctx: JobContext, cfg: SsPearsonrConfig, program: 'stats.corr' | 'stats.vif', extra: object): Promise<{ features: string[]; out: SpuObject }> {
  const cluster = ctx.cluster;
  const spu = cluster.spu();
  const paths = inputPaths(ctx.files, cfg.input_ds);
  const headers = await readHeaders(ctx, paths);
  const layout = featureLayout(headers, spu.ranks, cfg.feature_selects);
  const rows = alignedRows(headers);
  if (rows < 2) throw invalid('input_ds', 'at least two rows are needed');
  const blocks = layout.blocks.map((b) => ({ pyu: cluster.pyu(b.party), obj: cluster.pyu(b.party).call<StandardizedBlock>('stats.standardize', paths[b.party]!, b.features) }));
  const infos = await Promise.all(blocks.map((b) => b.pyu.call<StandardizedBlock['info']>('stats.pick', b.obj, 'info').get()));
  const missing = infos.flatMap((i) => i.missing);
  if (missing.length > 0) throw invalid('feature_selects', `columns with missing or non-numeric values: ${missing.map((m) => `'${m}'`).join(', ')}`);
  const constant = infos.flatMap((i) => i.constant);
  if (constant.length > 0) throw invalid('feature_selects', `constant columns have no correlation: ${constant.map((m) => `'${m}'`).join(', ')}`);
  const gs = blocks.map((b) => b.pyu.call('stats.pick', b.obj, 'g').to(spu));
  const zs = blocks.map((b) => b.pyu.call('stats.pick', b.obj, 'z').to(spu));
  const pub: CorrPub = { dims: layout.blocks.map((b) => b.features.length), rows, blockRows: cfg.block_rows };
  const [out] = spu.run(program, [...gs, ...zs], { ...pub, ...extra });
  return { features: layout.featureNames, out: out! };
}

export interface PearsonrResult {
  features: string[];
  /** Textbook Pearson r (diagonal exactly 1, symmetric). */
  matrix: number[][];
  report: SfReport;
}

export async function runSsPearsonr(ctx: JobContext, cfg: SsPearsonrConfig): Promise<PearsonrResult> {
  const { features, out } = await correlationRun(ctx, cfg, 'stats.corr', {});
  // The correlation matrix is the job's output: revealed, as SecretFlow reveals it.
  const r = await out.get();
  const d = features.length;
  const matrix = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : (r.data[i * d + j]! + r.data[j * d + i]!) / 2)));
  return { features, matrix, report: correlationReport(features, matrix) };
}

export interface VifResult {
  features: string[];
  vif: Record<string, number>;
  report: SfReport;
}

export async function runSsVif(ctx: JobContext, cfg: SsVifConfig): Promise<VifResult> {
  const pub: Omit<VifPub, keyof CorrPub> = { iters: cfg.inverse_iterations };
  const { features, out } = await correlationRun(ctx, cfg, 'stats.vif', pub);
  const diag = await out.get();
  const vif = Object.fromEntries(features.map((f, j) => [f, diag.data[j]!]));
  // VIF >= 1 always; anything else means the fixed-point inverse failed (a singular or too
  // ill-conditioned R for this field): say so instead of reporting garbage.
  const bad = features.filter((f) => !(vif[f]! >= 0.99) || !Number.isFinite(vif[f]!));
  if (bad.length > 0) {
    throw new Error(
      `ss_vif: the correlation matrix is singular or too ill-conditioned for ${ctx.spu.field} with ${fxpBitsOf(ctx.spu)} fraction bits (columns ${bad.join(', ')}); drop collinear columns or use FM128`,
    );
  }
  return { features, vif, report: descriptionsReport('vif', vif) };
}
