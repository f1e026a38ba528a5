// vert_woe_binning on the cluster (SecretFlow's SPU path). Who learns what (docs/preprocessing.md):
// - each feature party: its own split points and bin counts, and the WOE values of its own bins;
// - the label holder: per-bin positive counts and row counts of every feature party's bins (not
//   their split points or row memberships), hence every WOE and IV; the IVs stay in its rule;
// - the SPU ranks: the feature party's rank receives the label vector under a one-time pad; the
//   label holder's rank receives, per feature, the label and bin numbers in an order shuffled by a
//   permutation it does not know (exactly the per-bin row and positive counts; woe-program.ts);
// - the driver: column names, row counts, the number of bins per feature, parameter issues.
import { performance } from 'node:perf_hooks';
import type { JobContext } from '@sfw/executor';
import type { DeviceObject, PlainTensor } from '@sfw/runtime';
import { checkParties, clusterOf, fail, headers, owners, writeAll } from './driver.ts';
import type { FitWriteResult } from './driver.ts';
import type { Fitted } from './local.ts';
import type { VertWoeBinningConfig } from './params.ts';
import { inputPaths, outputPaths } from './paths.ts';
import type { FeatureIv } from './rules.ts';
import type { BinCountsPub } from './woe-program.ts';
import type { WoeBinning, WoeBins, WoeForParty, WoeLabel, WoeLayout, WoeSolution } from './woe-party.ts';

export interface WoeResult extends FitWriteResult {
  label_party: string;
  feature_parties: string[];
  bins: Record<string, number>;
}

export async function runVertWoeBinning(ctx: JobContext, cfg: VertWoeBinningConfig): Promise<WoeResult> {
  const cluster = clusterOf(ctx);
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  checkParties(ctx, cfg.input_ds, 'input_ds');
  const input = inputPaths(ctx.files, 'input_ds', cfg.input_ds);
  const h = await headers(ctx, input);
  const holders = [...h].filter(([, cols]) => cols.includes(cfg.label)).map(([p]) => p);
  if (holders.length !== 1) {
    fail([{ field: 'task_config.label', message: holders.length === 0 ? `column '${cfg.label}' not found at any party` : `column '${cfg.label}' is held by more than one party (${holders.join(', ')})` }]);
  }
  const labelParty = holders[0]!;
  const own = owners(h, cfg.feature_selects, 'task_config.feature_selects');
  const b: WoeBinning = {
    method: cfg.binning_method, bin_num: cfg.bin_num, chimerge_init_bins: cfg.chimerge_init_bins,
    chimerge_target_bins: cfg.chimerge_target_bins, chimerge_target_pvalue: cfg.chimerge_target_pvalue,
  };
  const labelPyu = cluster.pyu(labelParty);
  const parties = [...own.keys()];
  // One read per party: the label holder reads its label with its features.
  const bins = new Map<string, DeviceObject<WoeBins>>(parties.map((p) => [
    p,
    cluster.pyu(p).call<WoeBins>('prep.woeBin', input[p]!, own.get(p)!, b, p === labelParty ? { name: cfg.label, positive: cfg.positive_label } : undefined),
  ]));
  const layouts = new Map<string, WoeLayout>(await Promise.all(parties.map(async (p) => [p, await cluster.pyu(p).call<WoeLayout>('prep.woeLayout', bins.get(p)!).get()] as const)));
  const issues = [...layouts.values()].flatMap((l) => l.issues);
  if (issues.length > 0) fail(issues);
  const lab = labelPyu.call<WoeLabel>('prep.woeLabel', bins.get(labelParty)!);
  const rows = layouts.get(labelParty)!.rows;
  ctx.log.info({ ms: ms(), rows, parties: parties.length }, 'vert_woe_binning: tables read and binned');
  if ([...layouts.values()].some((l) => l.rows !== rows)) fail([{ field: 'task_config.input_ds', message: 'parties have different row counts; run PSI first' }]);

  // Label holder's own features: plaintext, in its thread.
  const solutions = new Map<string, DeviceObject<WoeSolution[]>>();
  solutions.set(labelParty, labelPyu.call<WoeSolution[]>('prep.woeSolveLocal', lab, bins.get(labelParty)!, b));

  // Feature parties: positives per bin in SPU, revealed to the label holder only.
  const featureParties = parties.filter((p) => p !== labelParty && own.get(p)!.length > 0);
  // A party with no selected feature gets a rule without variables.
  for (const p of parties) if (p !== labelParty && own.get(p)!.length === 0) solutions.set(p, labelPyu.call<WoeSolution[]>('prep.woeNone'));
  if (featureParties.length > 0) {
    const spu = cluster.spu();
    // The label vector and each feature party's bin numbers stay private blocks of their owners'
    // own ranks: nothing n-sized is secret-shared (woe-program.ts).
    const y = labelPyu.call<PlainTensor>('prep.woeLabelVector', lab);
    for (const [i, p] of featureParties.entries()) {
      const pyu = cluster.pyu(p);
      const codes = pyu.call<PlainTensor>('prep.woeCodes', bins.get(p)!);
      const pub: BinCountsPub = { groups: layouts.get(p)!.features.map((f) => f.width) };
      const [positives] = spu.run('prep.binCounts', [], pub, { private: [y, codes] });
      const atLabel = positives!.reveal(labelPyu);
      // The feature party's bin totals go to the label holder (it needs negatives = total - positive).
      const totals = pyu.call<Float64Array>('prep.woeTotals', bins.get(p)!).to(labelPyu);
      solutions.set(p, labelPyu.call<WoeSolution[]>('prep.woeSolve', lab, layouts.get(p)!, totals, atLabel, b));
      await solutions.get(p)!.ready;
      ctx.log.info({ ms: ms(), party: p, columns: layouts.get(p)!.features.reduce((a, f) => a + f.width, 0) }, 'vert_woe_binning: positives counted in SPU');
      ctx.progress((100 * (i + 1)) / featureParties.length, `woe counts of ${p}`);
    }
  }

  // IVs of every feature, kept at the label holder.
  const ivLists = parties.map((p) => labelPyu.call<FeatureIv[]>('prep.woeIvs', p, solutions.get(p)!));
  const ivs = labelPyu.call<FeatureIv[]>('prep.woeConcatIvs', ...ivLists);
  const fitted = new Map<string, DeviceObject<Fitted>>();
  for (const p of parties) {
    const pyu = cluster.pyu(p);
    // Each feature party receives its own WOE values only (an explicit disclosure to that party).
    const mine = labelPyu.call<WoeForParty>('prep.woeForParty', solutions.get(p)!).to(pyu);
    fitted.set(p, p === labelParty ? pyu.call<Fitted>('prep.woeFinish', bins.get(p)!, mine, b, ivs) : pyu.call<Fitted>('prep.woeFinish', bins.get(p)!, mine, b));
  }
  const written = await writeAll(cluster, fitted, { ds: outputPaths(ctx.files, 'output_ds', cfg.output_ds), rule: outputPaths(ctx.files, 'output_rule', cfg.output_rule) });
  ctx.log.info({ ms: ms() }, 'vert_woe_binning: rules written');
  const binsOut: Record<string, number> = {};
  for (const l of layouts.values()) for (const f of l.features) binsOut[f.name] = f.width - 1;
  return { ...written, label_party: labelParty, feature_parties: featureParties, bins: binsOut };
}
