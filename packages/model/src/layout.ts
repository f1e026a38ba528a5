// Who holds what, worked out on the driver from the parties' column names (public metadata):
// feature blocks in SPU rank order, the label party, and which block carries the intercept column.
import { ParameterValidationError } from '@sfw/executor';

export interface PartyBlock {
  party: string;
  features: string[];
}

export interface DataLayout {
  /** Parties with at least one selected feature, in SPU rank order. */
  blocks: PartyBlock[];
  labelParty: string;
  numRows: number;
  /** Feature names in model order (block by block); the intercept follows them. */
  featureNames: string[];
  /** The party whose block gets the constant-1 column: the last block, or the label party when it has no features. */
  interceptParty: string;
}

export interface HeaderInfo {
  columns: string[];
  numRows: number;
}

function invalid(field: string, message: string): ParameterValidationError {
  return new ParameterValidationError(`Invalid task parameters: task_config.${field}: ${message}`, {
    details: { fields: [`task_config.${field}`] },
  });
}

export function checkParties(inputParties: readonly string[], clusterParties: readonly string[]): void {
  const unknown = inputParties.filter((p) => !clusterParties.includes(p));
  if (unknown.length > 0) throw invalid('input_ds', `parties not in the cluster: ${unknown.join(', ')}`);
}

export function resolveLayout(
  headers: ReadonlyMap<string, HeaderInfo>,
  rankOrder: readonly string[],
  featureSelects: readonly string[],
  label: string | undefined,
): DataLayout {
  const owner = new Map<string, string>();
  for (const [party, h] of headers) {
    for (const c of h.columns) {
      if (featureSelects.includes(c)) {
        if (owner.has(c)) throw invalid('feature_selects', `feature '${c}' is held by more than one party`);
        owner.set(c, party);
      }
    }
  }
  const missing = featureSelects.filter((f) => !owner.has(f));
  if (missing.length > 0) throw invalid('feature_selects', `columns not found in any party's table: ${missing.map((m) => `'${m}'`).join(', ')}`);
  let labelParty = '';
  if (label !== undefined) {
    const holders = [...headers].filter(([, h]) => h.columns.includes(label)).map(([p]) => p);
    if (holders.length === 0) throw invalid('label', `label column '${label}' not found in any party's table`);
    if (holders.length > 1) throw invalid('label', `label column '${label}' is held by more than one party`);
    labelParty = holders[0]!;
  }
  const rows = new Set([...headers.values()].map((h) => h.numRows));
  if (rows.size !== 1) throw invalid('input_ds', 'party tables have different row counts: align them with PSI first');
  const parties = rankOrder.filter((p) => headers.has(p));
  const blocks = parties
    .map((party) => ({ party, features: featureSelects.filter((f) => owner.get(f) === party) }))
    .filter((b) => b.features.length > 0);
  return {
    blocks,
    labelParty,
    numRows: [...rows][0]!,
    featureNames: blocks.flatMap((b) => b.features),
    interceptParty: blocks.at(-1)!.party,
  };
}
