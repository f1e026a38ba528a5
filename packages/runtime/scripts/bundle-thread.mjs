#!/usr/bin/env node
// Bundles the cluster thread (runtime thread code + comlink + @sfw/spu + @sfw/ring, from their
// TypeScript sources) into dist/thread/bundle.cjs, which dist/thread/start.cjs runs in every thread.
// Why one file: a thread that loads ~60 ESM files spends ~150-200 ms resolving and compiling them,
// and a cluster starts 2n+1 threads at once. Why CommonJS: the thread then never loads Node's ESM
// loader, and the main thread can compile the file with V8's code cache (vm.Script cachedData) for
// all threads. Device modules are still imported by URL at run time.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// Builtins a thread needs only once it computes (CSPRNG, AES-CTR PRG, temp dirs), not to start:
// node:crypto alone is 16 internal modules for Node to compile in every thread. In the bundle their
// functions become forwarders that load the builtin on first call. Only functions named in lower
// case are forwarded (a class or a constant would not survive the indirection): importing anything
// else from these builtins fails the build, and esbuild drops the forwarders nobody imports.
const LAZY = ['crypto', 'os'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^node:(${LAZY.join('|')})$`) }, (a) => ({ path: a.path.slice(5), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => {
      const mod = createRequire(import.meta.url)(`node:${a.path}`);
      const names = Object.keys(mod).filter((k) => /^[a-z]\w*$/.test(k) && typeof mod[k] === 'function');
      const fns = names.map((k) => `export function ${k}(...args) { return load().${k}(...args); }`);
      return {
        loader: 'js',
        // The bare name: it does not come back to this plugin.
        contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(a.path)}));\n${fns.join('\n')}\n`,
      };
    });
  },
};

await build({
  entryPoints: [here('../src/thread/run.ts')],
  outfile: here('../dist/thread/bundle.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  conditions: ['@sfw/source'],
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
  // The bundled sources read import.meta.url (module URLs relative to themselves): the bundle's URL,
  // a parameter of the wrapper start.cjs compiles (thread-code.ts).
  define: { 'import.meta.url': '__sfwBundleUrl' },
});

// V8 code cache for the bundle, made by one real start-up so that it also holds the functions a
// thread compiles while starting (a cache taken right after compiling holds little more than the
// top level). The file starts with the SHA-256 of the wrapped source (thread-code.ts). A Node whose
// V8 rejects it falls back to compiling, and the process then keeps the first thread's own cache.
// Without a cache file the threads still start (compiling the bundle) and the process makes its own,
// so a build where threads cannot run only warns.
try {
  const { Cluster } = await import('../dist/index.js');
  const threadCode = await import('../dist/thread-code.js');
  const cluster = await Cluster.start({ parties: ['a', 'b'], spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' } });
  const deadline = Date.now() + 60_000;
  while (!threadCode.builtThreadCode()?.cache && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await cluster.shutdown();
  const code = threadCode.builtThreadCode();
  if (!code?.cache) throw new Error('no thread sent a code cache');
  writeFileSync(`${code.filename}.cache`, Buffer.concat([threadCode.sourceDigest(code.source), code.cache]));
} catch (err) {
  console.warn(`bundle-thread: no code cache written (${err instanceof Error ? err.message : String(err)}); threads will compile the bundle`);
}
