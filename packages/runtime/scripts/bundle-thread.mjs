#!/usr/bin/env node
// Bundles the cluster thread entry (runtime thread code + comlink + @sfw/spu + @sfw/ring, from their
// TypeScript sources) into dist/thread/bundle.js. Why: a thread that loads ~60 ESM files spends
// ~150-200 ms resolving and compiling them, and a cluster starts 2n+1 threads at once; one file
// loads in a fraction of that. Device modules are still imported by URL at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

await build({
  entryPoints: [here('../src/thread/main.ts')],
  outfile: here('../dist/thread/bundle.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@sfw/source'],
  sourcemap: 'linked',
  logLevel: 'warning',
  // esbuild's ESM output may reference require for node builtins in CJS deps; provide it.
  banner: { js: "import { createRequire as __sfwCreateRequire } from 'node:module'; const require = __sfwCreateRequire(import.meta.url);" },
});
