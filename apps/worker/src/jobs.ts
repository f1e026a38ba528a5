// The jobs this worker serves: one line per jobs package. Each package exports `register`, which adds
// its task types to the registry the executor is built with; nothing registers itself on import.
// A new jobs package is a dependency in package.json plus one line here (jobs.test.ts checks that
// the two agree).
import { TaskRegistry } from '@sfw/executor';
import type { RegisterTasks } from '@sfw/executor';
import { register as registerBoost } from '@sfw/jobs-boost';
import { register as registerEval } from '@sfw/jobs-eval';
import { register as registerLinear } from '@sfw/jobs-linear';
import { register as registerPsi } from '@sfw/jobs-psi';
import { register as registerPreprocessing } from '@sfw/jobs-preprocessing';
import { register as registerStats } from '@sfw/jobs-stats';

export interface JobPackage {
  readonly name: string;
  readonly register: RegisterTasks;
}

export const JOB_PACKAGES: readonly JobPackage[] = [
  { name: '@sfw/jobs-psi', register: registerPsi },
  { name: '@sfw/jobs-linear', register: registerLinear },
  { name: '@sfw/jobs-boost', register: registerBoost },
  { name: '@sfw/jobs-eval', register: registerEval },
  { name: '@sfw/jobs-preprocessing', register: registerPreprocessing },
  { name: '@sfw/jobs-stats', register: registerStats },
];

export interface RegisteredPackage {
  name: string;
  /** Task types this package added. */
  tasks: string[];
}

/** Calls every package's `register` on `registry` (a new one by default); says which package added what. */
export function registerJobs(registry: TaskRegistry = new TaskRegistry(), packages: readonly JobPackage[] = JOB_PACKAGES): { registry: TaskRegistry; packages: RegisteredPackage[] } {
  const out: RegisteredPackage[] = [];
  for (const pkg of packages) {
    const before = new Set(registry.list().map((t) => t.taskType));
    pkg.register(registry);
    out.push({ name: pkg.name, tasks: registry.list().map((t) => t.taskType).filter((t) => !before.has(t)) });
  }
  return { registry, packages: out };
}
