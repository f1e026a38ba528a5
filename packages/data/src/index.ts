export type { Column, Table, DataErrorCode } from './table.ts';
export {
  DATA_ERROR_CODES,
  DataError,
  getColumn,
  getNumericColumn,
  hconcat,
  isNumericColumn,
  makeTable,
  missingColumns,
  selectColumns,
  takeRows,
  toRowMajor,
} from './table.ts';
export type { CsvBatch, CsvReadOptions, CsvStreamOptions } from './csv-read.ts';
export { batchColumn, concatNumbers, parseCsv, readCsv, readCsvBatches, readCsvHeader } from './csv-read.ts';
export { cellNumber, isMissingCell } from './csv-number.ts';
export { formatCsv, formatCsvHeader, formatCsvRowBytes, formatCsvRows, writeCsv } from './csv-write.ts';
export type { CsvByteScratch, CsvPassThrough } from './csv-write.ts';
export type { StandardizeStats } from './standardize.ts';
export { applyStandardize, columnMeanStd, standardize } from './standardize.ts';
export { selectNth, selectRanks } from './select.ts';
export type { PinnedConfinement, PinnedMode, PinnedOpenOptions } from './pinned.ts';
export { confinePinnedOpens, pinnedConfinement, openPinned, openPinnedSync, readFilePinned, readFilePinnedSync, writeFilePinned } from './pinned.ts';
