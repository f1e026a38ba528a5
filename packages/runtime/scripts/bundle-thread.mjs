#!/usr/bin/env node
// Bundles the cluster thread (runtime thread code + comlink + @sfw/spu + @sfw/ring, from their
// TypeScript sources) into dist/thread/bundle.cjs, which dist/thread/start.cjs runs in every thread.
// Why one file: a thread that loads ~60 ESM files spends ~150-200 ms resolving and compiling them,
// and a cluster starts 2n+1 threads at once. Why CommonJS: the thread then never loads Node's ESM
// loader, and the main thread can compile the file with V8's code cache (vm.Script cachedData) for
// all threads. Device modules are imported by URL at run time, unless they are linked in (below).
//
// `bundleThread({ outfile, modules })` (an application's build, e.g. the worker's) makes a bundle of
// the same thread code with device modules linked in: each is compiled into the bundle, keyed by its
// URL relative to the bundle, and evaluated in a thread only on the first call of one of its
// functions (module.ts Registry). The application passes the file as ClusterOptions.threadBundle.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { Script } from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const runtimeDir = here('../');

/**
 * Code that finds files next to itself (a piscina worker script, a native addon through
 * createRequire(import.meta.url), a CommonJS package's __dirname) must still find them from inside
 * the bundle. The runtime's own sources read import.meta.url as the bundle's URL (define below); in
 * every other file it becomes that file's own URL, relative to the bundle's so that the built tree
 * can move as a whole (a package's src/x.ts stands for its dist/x.js, what runs unbundled), and in
 * CommonJS packages __dirname / __filename become the file's own.
 */
function ownLocation(outDir) {
  return {
    name: 'own-location',
    setup(b) {
      b.onLoad({ filter: /\.(m?js|cjs|ts)$/ }, (a) => {
        if (a.path.startsWith(runtimeDir)) return undefined;
        const text = readFileSync(a.path, 'utf8');
        const meta = text.includes('import.meta.url');
        const cjsDirs = a.path.includes(`${sep}node_modules${sep}`) && /\b__(dirname|filename)\b/.test(text);
        if (!meta && !cjsDirs) return undefined;
        const m = /^(.*)[/\\]src[/\\](.*)\.ts$/.exec(a.path);
        const runsAs = m && existsSync(`${m[1]}${sep}dist${sep}${m[2]}.js`) ? `${m[1]}${sep}dist${sep}${m[2]}.js` : a.path;
        const rel = (p) => relative(outDir, p).split(sep).join('/');
        let contents = text;
        if (meta) contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel(runsAs))}, __sfwBundleUrl).href`);
        if (cjsDirs) {
          contents = contents.replace(/\b__(dirname|filename)\b/g, (_m, which) =>
            `require("node:path").join(__dirname, ${JSON.stringify(rel(which === 'dirname' ? dirname(a.path) : a.path))})`);
        }
        return { contents, loader: a.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(a.path) };
      });
    },
  };
}

/**
 * A device module URL as esbuild should read it: a package's dist/x.js is bundled from its source
 * src/x.ts when that exists, so that the packages it shares with the thread code (@sfw/spu,
 * @sfw/ring, ...) resolve to the same sources and exist once in the bundle.
 */
function sourceOf(file) {
  const m = /^(.*)[/\\]dist[/\\](.*)\.js$/.exec(file);
  const src = m ? `${m[1]}${sep}src${sep}${m[2]}.ts` : null;
  return src && existsSync(src) ? src : file;
}

/** Packages with per-thread state that the modules bundle takes from the thread bundle (thread/linked.ts). */
const SHARED = ['@sfw/spu', '@sfw/ring'];

const common = (outfile) => ({
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  conditions: ['@sfw/source'],
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [lazyBuiltins, ownLocation(dirname(outfile))],
  // The bundled sources read import.meta.url (module URLs relative to themselves): the bundle's URL,
  // a parameter of the wrapper start.cjs compiles (thread-code.ts).
  define: { 'import.meta.url': '__sfwBundleUrl' },
});

/**
 * Build the thread bundle `outfile` and its code cache. With `modules` (device module file URLs), a
 * second bundle `modules.cjs` next to it holds those modules, and the thread bundle links them by
 * name and path (see thread/linked.ts for why they are a separate file).
 */
export async function bundleThread({ outfile, modules = [] }) {
  mkdirSync(dirname(outfile), { recursive: true });
  if (modules.length === 0) {
    await build({ ...common(outfile), entryPoints: [here('../src/thread/run.ts')], outfile });
    await writeCodeCache(outfile, modules);
    return;
  }
  const linked = [];
  for (const url of [...modules].sort()) {
    const mod = await import(url);
    const name = mod.default?.name;
    if (mod.default?.kind !== 'sfw.device-module' || typeof name !== 'string') throw new Error(`${url} has no default export made by defineDeviceModule`);
    if (linked.some((l) => l.name === name)) throw new Error(`two linked device modules are named ${name}`);
    const path = relative(dirname(outfile), fileURLToPath(url)).split(sep).join('/');
    linked.push({ name, path, file: sourceOf(fileURLToPath(url)) });
  }
  const modulesFile = join(dirname(outfile), 'modules.cjs');
  // require() of a bundled ES module: esbuild wraps it so that it is evaluated on that call.
  const modulesEntry = [
    'export const loaders = {',
    ...linked.map((l) => `  ${JSON.stringify(l.name)}: () => require(${JSON.stringify(l.file)}).default,`),
    '};',
  ].join('\n');
  await build({
    ...common(modulesFile),
    stdin: { contents: modulesEntry, resolveDir: dirname(outfile), sourcefile: 'modules-entry.js', loader: 'js' },
    outfile: modulesFile,
    external: SHARED,
  });
  await writeModulesCache(modulesFile, linked.map((l) => l.name));
  const threadEntry = [
    `import { startThread as start } from ${JSON.stringify(here('../src/thread/run.ts'))};`,
    `import { modulesBundle } from ${JSON.stringify(here('../src/thread/linked.ts'))};`,
    `const shared = { ${SHARED.map((p) => `${JSON.stringify(p)}: () => require(${JSON.stringify(p)})`).join(', ')} };`,
    `const bundle = modulesBundle(new URL('./modules.cjs', import.meta.url).href, shared);`,
    'const modules = [',
    ...linked.map((l) => `  { name: ${JSON.stringify(l.name)}, path: ${JSON.stringify(l.path)}, load: () => bundle()[${JSON.stringify(l.name)}]() },`),
    '];',
    'export function startThread(init, importUrl) {',
    '  return start(init, importUrl, { url: import.meta.url, modules });',
    '}',
  ].join('\n');
  // Resolved from the runtime's own directory: the shared packages are its dependencies.
  await build({ ...common(outfile), stdin: { contents: threadEntry, resolveDir: here('../src/thread/'), sourcefile: 'thread-entry.js', loader: 'js' }, outfile });
  await writeCodeCache(outfile, modules);
}

/**
 * Code cache of the modules bundle, made here in the build process after evaluating every module it
 * holds (so the cache has their top-level code too); the shared packages come from this package's
 * dependencies, as the thread bundle's would.
 */
async function writeModulesCache(file, names) {
  try {
    const { wrapBundle, sourceDigest } = await import('../dist/thread-code.js');
    const shared = Object.fromEntries(await Promise.all(SHARED.map(async (p) => [p, await import(p)])));
    const source = wrapBundle(readFileSync(file, 'utf8'));
    const script = new Script(source, { filename: file });
    const own = createRequire(file);
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, (id) => shared[id] ?? own(id), mod, file, dirname(file), pathToFileURL(file).href);
    for (const n of names) mod.exports.loaders[n]();
    writeFileSync(`${file}.cache`, Buffer.concat([sourceDigest(source), script.createCachedData()]));
  } catch (err) {
    console.warn(`bundle-thread: no code cache written for ${file} (${err instanceof Error ? err.message : String(err)}); threads will compile it`);
  }
}

// V8 code cache for the bundle, made by one real start-up so that it also holds the functions a
// thread compiles while starting (a cache taken right after compiling holds little more than the
// top level). The file starts with the SHA-256 of the wrapped source (thread-code.ts). A Node whose
// V8 rejects it falls back to compiling, and the process then keeps the first thread's own cache.
// Without a cache file the threads still start (compiling the bundle) and the process makes its own,
// so a build where threads cannot run only warns.
async function writeCodeCache(outfile, modules) {
  try {
    const { Cluster } = await import('../dist/index.js');
    const threadCode = await import('../dist/thread-code.js');
    const cluster = await Cluster.start({
      parties: ['a', 'b'],
      spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
      modules,
      threadBundle: outfile,
    });
    const deadline = Date.now() + 60_000;
    while (!threadCode.builtThreadCode(outfile)?.cache && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await cluster.shutdown();
    const code = threadCode.builtThreadCode(outfile);
    if (!code?.cache) throw new Error('no thread sent a code cache');
    writeFileSync(`${code.filename}.cache`, Buffer.concat([threadCode.sourceDigest(code.source), code.cache]));
  } catch (err) {
    console.warn(`bundle-thread: no code cache written for ${outfile} (${err instanceof Error ? err.message : String(err)}); threads will compile the bundle`);
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await bundleThread({ outfile: here('../dist/thread/bundle.cjs') });
}
