// The one place where this package meets the executor's file seam. Every path of a preprocessing
// task_config is per party (`{ party: path }`), so each one is declared as field `<name>.<party>`
// in that party's data root; the jobs open only the resolved inputs and staged outputs the executor
// hands them (docs/executor.md, "Files"), never a path from the message.
import { perPartyFiles } from '@sfw/executor';
import type { FileDecl, JobFiles } from '@sfw/executor';

type PartyPaths = Record<string, string>;

/** The declarations of a task: its per-party inputs and outputs by field name. */
export function prepFiles(inputs: Record<string, PartyPaths | undefined>, outputs: Record<string, PartyPaths | undefined>): FileDecl[] {
  return [
    ...Object.entries(inputs).flatMap(([field, rec]) => perPartyFiles(field, rec, 'input')),
    ...Object.entries(outputs).flatMap(([field, rec]) => perPartyFiles(field, rec, 'output')),
  ];
}

/** party -> resolved input path of the per-party field. */
export function inputPaths(files: JobFiles, field: string, rec: PartyPaths): PartyPaths {
  return Object.fromEntries(Object.keys(rec).map((p) => [p, files.input(`${field}.${p}`, p)]));
}

/** party -> staged output path of the per-party field (undefined when the field is not set). */
export function outputPaths(files: JobFiles, field: string, rec: PartyPaths | undefined): PartyPaths | undefined {
  return rec === undefined ? undefined : Object.fromEntries(Object.keys(rec).map((p) => [p, files.output(`${field}.${p}`, p)]));
}
