// The shape of a SecretFlow `sf.report` (tabs -> divs -> children, each a list of descriptions or a
// table). Several task families return their results in it (evaluation, statistics), so a caller
// that reads SecretFlow reports by position finds the values where SecretFlow puts them.

export interface SfDescriptionItem {
  name: string;
  type: 'int' | 'float' | 'str';
  value: number | string;
}
export interface SfTable {
  headers: Array<{ name: string; type: 'float' | 'str' }>;
  rows: Array<{ name: string; items: Array<number | string> }>;
}
export type SfChild = { type: 'descriptions'; descriptions: { items: SfDescriptionItem[] } } | { type: 'table'; table: SfTable };
export interface SfReport {
  name: string;
  tabs: Array<{ name: string; divs: Array<{ children: SfChild[] }> }>;
}
