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
export type { CsvReadOptions } from './csv.ts';
export { cellNumber, typeColumn, formatCsv, isMissingCell, parseCsv, parseCsvRecords, readCsv, readCsvHeader, writeCsv } from './csv.ts';
export type { CsvBatch, CsvStreamOptions } from './csv-stream.ts';
export { readCsvBatches } from './csv-stream.ts';
export type { StandardizeStats } from './standardize.ts';
export { applyStandardize, columnMeanStd, standardize } from './standardize.ts';
