// Versions reported in results' metadata and by health_check.
import { readFileSync } from 'node:fs';

export function workerVersions(): Record<string, string> {
  let worker = '0.0.0';
  try {
    worker = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? worker;
  } catch {
    // Version stays unknown rather than failing start-up.
  }
  return { worker, node: process.version, protocol: 'celery-v2-json' };
}
