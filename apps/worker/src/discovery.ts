// Jobs discovery: every `@sfw/jobs-*` dependency of this app is imported at start-up; each jobs
// package registers its task types when its index is evaluated. Adding a job = adding a dependency.
import { readFile } from 'node:fs/promises';
import type { Logger } from '@sfw/log';
import { listTasks } from '@sfw/executor';

export interface DiscoveredPackage {
  name: string;
  ok: boolean;
  /** Task types this package registered. */
  tasks: string[];
  error?: string;
}

export async function jobPackageNames(pkgJsonUrl: URL = new URL('../package.json', import.meta.url)): Promise<string[]> {
  const pkg = JSON.parse(await readFile(pkgJsonUrl, 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@sfw/jobs-')).sort();
}

export async function discoverJobs(log: Logger, names?: readonly string[]): Promise<DiscoveredPackage[]> {
  const out: DiscoveredPackage[] = [];
  for (const name of names ?? (await jobPackageNames())) {
    const before = new Set(listTasks().map((t) => t.taskType));
    try {
      await import(name);
      const tasks = listTasks().map((t) => t.taskType).filter((t) => !before.has(t));
      if (tasks.length === 0) log.warn({ pkg: name }, 'jobs package registered no task types');
      out.push({ name, ok: true, tasks });
    } catch (err) {
      // A broken jobs package must not take the worker down: its task types are just unknown.
      const error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'import failed';
      log.error({ pkg: name, error }, 'jobs package failed to load');
      out.push({ name, ok: false, tasks: [], error });
    }
  }
  return out;
}
