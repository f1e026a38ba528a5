#!/usr/bin/env node
// Transpiles one workspace package's src/ into dist/ (ESM, no bundling).
//
// Why not `tsc -b`: type checking is done once for the whole repo (`pnpm typecheck`), and the
// packages export their TypeScript sources under the "@sfw/source" condition for tests. The build
// only has to strip types fast so that production, benchmarks and worker threads start from plain
// JavaScript (a worker_thread that has to load a TypeScript loader first takes ~0.3 s to start).
// esbuild transpiles file by file; relative `./x.ts` specifiers are rewritten to `./x.js`.
import { build } from 'esbuild';
import { cp, readdir, rm, mkdir } from 'node:fs/promises';
import { join, relative, extname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const withTypes = args.includes('--types');
const pkgDir = args.find((a) => !a.startsWith('--')) ?? process.cwd();
const src = join(pkgDir, 'src');
const out = join(pkgDir, 'dist');

async function walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])),
  );
  return files.flat();
}

/** A relative `./x.ts` module specifier after `from` / `import` / `import(`. */
const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+?)\.ts\2/g;

const files = await walk(src);
const isTest = (f) => /\.test\.ts$/.test(f) || f.includes(`${join('src', '__tests__')}`);
const tsFiles = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !isTest(f));
// Run-time assets only (e.g. the thread bootstrap .mjs); notes next to the sources stay out.
const assets = files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.md') && !isTest(f));

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const rewriteTsSpecifiers = {
  name: 'rewrite-ts-specifiers',
  setup(b) {
    b.onEnd(async (result) => {
      for (const file of result.outputFiles ?? []) {
        const text = file.text.replace(TS_SPECIFIER, (_m, pre, q, p) => `${pre}${q}${p}.js${q}`);
        await mkdir(join(file.path, '..'), { recursive: true });
        const { writeFile } = await import('node:fs/promises');
        await writeFile(file.path, text);
      }
    });
  },
};

await build({
  entryPoints: tsFiles,
  outdir: out,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  write: false,
  logLevel: 'warning',
  plugins: [rewriteTsSpecifiers],
});

for (const a of assets) {
  if (extname(a) === '.map') continue;
  const dest = join(out, relative(src, a));
  await mkdir(join(dest, '..'), { recursive: true });
  await cp(a, dest);
}

// `--types`: the package is published, so it also gets declaration files (dist/**/*.d.ts) from its
// tsconfig.build.json. Only the embeddable packages pay for this (a few seconds each).
if (withTypes) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(pkgDir, 'tsconfig.build.json')], { stdio: 'inherit' });
  // tsc keeps the sources' `./x.ts` specifiers in declarations; a consumer resolves `./x.js`.
  const { readFile, writeFile } = await import('node:fs/promises');
  for (const f of (await walk(out)).filter((x) => x.endsWith('.d.ts'))) {
    const text = await readFile(f, 'utf8');
    const fixed = text.replace(TS_SPECIFIER, (_m, pre, q, p) => `${pre}${q}${p}.js${q}`);
    if (fixed !== text) await writeFile(f, fixed);
  }
}
