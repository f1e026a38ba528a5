// The registration list and the worker's dependencies name the same jobs packages, and every
// package adds at least one task type through its `register`.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { TaskRegistry } from '@sfw/executor';
import { JOB_PACKAGES, registerJobs } from './jobs.ts';

describe('job registration', () => {
  it('lists exactly the @sfw/jobs-* dependencies of the worker', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@sfw/jobs-')).sort();
    expect(JOB_PACKAGES.map((p) => p.name).sort()).toEqual(deps);
  });

  it('each package registers its task types into the registry it is given', () => {
    const registry = new TaskRegistry();
    const { packages } = registerJobs(registry);
    for (const p of packages) expect(p.tasks.length, p.name).toBeGreaterThan(0);
    expect(registry.list().map((t) => t.taskType)).toEqual(
      expect.arrayContaining(['psi', 'ss_lr_train', 'ss_lr_predict', 'biclassification_eval', 'regression_eval', 'ss_xgb_train', 'ss_xgb_predict']),
    );
    // A fresh registry is untouched: registration is not a side effect of importing the packages.
    expect(new TaskRegistry().list()).toEqual([]);
  });

  it('registering the same package twice is harmless, a different definition under a taken name is not', () => {
    const registry = new TaskRegistry();
    registerJobs(registry);
    expect(() => registerJobs(registry)).not.toThrow();
    const psi = registry.get('psi')!;
    expect(() => registry.add({ ...psi })).toThrow(/already registered/);
  });
});
