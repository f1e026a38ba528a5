// Suites are the files of ./suites next to this module: dist/suites/*.js when built,
// src/suites/*.ts when run from source (tests). Each default-exports a BenchSuite.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchSuite } from './suite.ts';

export interface DiscoveredSuite {
  file: string;
  suite: BenchSuite;
}

/** A suite file that failed to load (e.g. a package it imports is not built yet). */
export interface BrokenSuite {
  file: string;
  error: string;
}

function isSuite(x: unknown): x is BenchSuite {
  const s = x as Partial<BenchSuite> | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

export async function discoverSuites(
  dir = fileURLToPath(new URL('./suites/', import.meta.url)),
  broken: BrokenSuite[] = [],
): Promise<DiscoveredSuite[]> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const names = (await readdir(dir)).filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !/\.test\.[jt]s$/.test(f)).sort();
  const out: DiscoveredSuite[] = [];
  for (const name of names) {
    const file = join(dir, name);
    // One broken suite must not take the others down: record it and go on.
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      if (isSuite(mod.default)) out.push({ file, suite: mod.default });
      else broken.push({ file, error: 'does not default-export a BenchSuite' });
    } catch (e) {
      broken.push({ file, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
