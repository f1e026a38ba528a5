// The import graph of the workspace, read from the sources (non-test files only): every arrow points
// to a lower layer, a package imports only its declared dependencies (never a devDependency), no job
// imports another job, and inside @sfw/spu the kernels (mpc/) and the numerics never import the
// layers above them. A strict layer order also rules out loops. The same walk keeps non-test code
// free of double casts (`as unknown as`), which would hide a wrong type from the compiler.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');

// Lower number = lower layer. A package may import only packages of a strictly lower layer.
const LAYER: Record<string, number> = {
  '@sfw/ring': 0,
  '@sfw/log': 0,
  '@sfw/data': 1,
  '@sfw/spu': 1,
  // Test data and references: apps (the bench) may use it; packages only as a devDependency, in tests.
  '@sfw/testkit': 2,
  '@sfw/runtime': 2,
  '@sfw/celery': 2,
  '@sfw/executor': 3,
  // What several jobs share about a model (layout, share files) sits below every job.
  '@sfw/model': 4,
  // jobs-*: 5 (below), all on one layer, so no job imports another; apps: 6.
  '@sfw/worker': 6,
  // The bench measures the worker app as it starts its cluster (its job list and thread bundle).
  '@sfw/bench': 7,
};
const isJob = (name: string): boolean => name.startsWith('@sfw/jobs-');
const layerOf = (name: string): number | undefined => (isJob(name) ? 5 : LAYER[name]);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== '__tests__' && e !== 'node_modules') out.push(...walk(p));
    } else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

interface Pkg {
  name: string;
  dir: string;
  deps: Set<string>;
}
const packages: Pkg[] = ['packages', 'apps'].flatMap((top) =>
  readdirSync(join(root, top)).map((d) => {
    const pj = JSON.parse(readFileSync(join(root, top, d, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
    return { name: pj.name, dir: join(root, top, d), deps: new Set(Object.keys(pj.dependencies ?? {})) };
  }),
);

describe('import graph', () => {
  it('every package has a layer', () => {
    for (const p of packages) expect(layerOf(p.name), p.name).toBeDefined();
  });

  it('arrows point to declared, lower layers; no job imports another job', () => {
    const problems: string[] = [];
    for (const p of packages) {
      for (const f of walk(join(p.dir, 'src'))) {
        for (const spec of importsOf(f)) {
          if (!spec.startsWith('@sfw/')) continue;
          const target = spec.split('/').slice(0, 2).join('/');
          if (target === p.name) continue;
          const where = relative(root, f);
          // `<pkg>/testing` subpaths run jobs without the seam's checks: tests and apps/bench only.
          if (spec.endsWith('/testing') && p.name !== '@sfw/bench') problems.push(`${where}: imports ${spec} (test and benchmark helpers only)`);
          if (!p.deps.has(target)) problems.push(`${where}: imports ${target}, not a dependency (devDependencies are for tests)`);
          const from = layerOf(p.name)!, to = layerOf(target);
          if (to === undefined || to >= from) problems.push(`${where}: ${p.name} -> ${target} does not point to a lower layer`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('no double cast (`as unknown as`) in non-test code: declare the type or check it with a guard', () => {
    const casts = packages.flatMap((p) =>
      walk(join(p.dir, 'src')).flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (/\bas\s+unknown\s+as\b/.test(line) ? [`${relative(root, f)}:${i + 1}`] : [])),
      ),
    );
    expect(casts).toEqual([]);
  });

  it('no file, tests included, reaches into another package by a relative path (helpers go through a testing subpath)', () => {
    const all = (dir: string): string[] =>
      readdirSync(dir).flatMap((e) => {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) return e === 'node_modules' || e === 'dist' ? [] : all(p);
        return p.endsWith('.ts') ? [p] : [];
      });
    const problems = packages.flatMap((p) =>
      all(join(p.dir, 'src')).flatMap((f) =>
        importsOf(f)
          .filter((spec) => spec.startsWith('.') && !resolve(dirname(f), spec).startsWith(p.dir + '/'))
          .map((spec) => `${relative(root, f)}: imports ${spec}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('inside @sfw/spu: mpc/ imports nothing above it, numerics/ nothing but mpc/ and the foundation', () => {
    const src = join(root, 'packages/spu/src');
    const above = (from: string, to: string): boolean => {
      const t = relative(src, to);
      if (from.startsWith('mpc/')) return !t.startsWith('mpc/') && ['context.ts', 'protocol.ts', 'dealer.ts', 'share.ts', 'simulation.ts', 'index.ts'].includes(t) || t.startsWith('numerics/');
      if (from.startsWith('numerics/')) return ['context.ts', 'protocol.ts', 'simulation.ts', 'index.ts'].includes(t);
      return false;
    };
    const problems: string[] = [];
    for (const f of walk(src)) {
      const from = relative(src, f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const to = resolve(dirname(f), spec);
        if (above(from, to)) problems.push(`${from} imports ${relative(src, to)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
