// A task file: the envelope itself, or `{ task_request_id, task_params }` as the web side sends it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface TaskFile {
  taskRequestId: string;
  params: unknown;
}

export async function readTaskFile(path: string, id?: string): Promise<TaskFile> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read task file ${path}: ${err instanceof SyntaxError ? 'not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'error')}`);
  }
  if (typeof data === 'object' && data !== null && 'task_params' in data) {
    const d = data as { task_request_id?: unknown; task_params: unknown };
    return { taskRequestId: id ?? (typeof d.task_request_id === 'string' ? d.task_request_id : defaultId(path)), params: d.task_params };
  }
  return { taskRequestId: id ?? defaultId(path), params: data };
}

function defaultId(path: string): string {
  return `${basename(path).replace(/\.json$/, '')}-${Date.now().toString(36)}`;
}
