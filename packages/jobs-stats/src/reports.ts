// The statistics results as SecretFlow `sf.report` structures (tabs -> divs -> tables or
// descriptions), with SecretFlow's column names and order. table_statistics stringifies every cell
// as SecretFlow does; the other reports carry numbers.
import type { SfReport } from '@sfw/executor';
import { CATEGORICAL_STAT_COLUMNS, NUMERIC_STAT_COLUMNS } from './moments.ts';
import type { CategoricalStats, NumericStats } from './moments.ts';

const str = (v: unknown): string => (v === null || v === undefined ? 'nan' : String(v));

export function tableStatisticsReport(numeric: Array<[string, NumericStats]>, categorical: Array<[string, CategoricalStats]>): SfReport {
  const tab = <R extends object>(name: string, cols: ReadonlyArray<keyof R & string>, rows: Array<[string, R]>) => ({
    name,
    divs: [
      {
        children: [
          {
            type: 'table' as const,
            table: {
              headers: cols.map((c) => ({ name: c, type: 'str' as const })),
              rows: rows.map(([n, r]) => ({ name: n, items: cols.map((c) => str(r[c])) })),
            },
          },
        ],
      },
    ],
  });
  const tabs = [tab<NumericStats>('numeric features', NUMERIC_STAT_COLUMNS, numeric)];
  if (categorical.length > 0) tabs.push(tab<CategoricalStats>('non-numeric features', CATEGORICAL_STAT_COLUMNS, categorical));
  return { name: 'table_statistics', tabs };
}

export function correlationReport(features: readonly string[], matrix: readonly number[][]): SfReport {
  return {
    name: 'corr',
    tabs: [
      {
        name: 'corr',
        divs: [
          {
            children: [
              {
                type: 'table',
                table: {
                  headers: features.map((f) => ({ name: f, type: 'float' as const })),
                  rows: features.map((f, i) => ({ name: f, items: [...matrix[i]!] })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export function descriptionsReport(name: string, values: Record<string, number>): SfReport {
  return {
    name,
    tabs: [{ name, divs: [{ children: [{ type: 'descriptions', descriptions: { items: Object.entries(values).map(([k, v]) => ({ name: k, type: 'float' as const, value: Number.isFinite(v) ? v : String(v) })) } }] }] }],
  };
}

export function groupbyReport(columns: readonly string[], rows: Array<Array<string | number | null>>): SfReport {
  return {
    name: 'groupby_statistics',
    tabs: [
      {
        name: 'groupby',
        divs: [
          {
            children: [
              {
                type: 'table',
                table: {
                  headers: columns.map((c) => ({ name: c, type: 'str' as const })),
                  rows: rows.map((r, i) => ({ name: String(i), items: r.map((v) => (v === null ? 'nan' : v)) })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}
