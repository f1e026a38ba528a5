// The second bundle of an application's thread code (scripts/bundle-thread.mjs): the device modules
// it links, kept out of the thread bundle every thread compiles at start. A thread compiles it (from
// V8's code cache made at build time) only when it first calls one of those modules' functions, and
// evaluates only the module called. The packages with per-thread state (@sfw/spu, @sfw/ring: the
// WebAssembly kernels and their scratch memory, which endTask wipes) are not in it: its require()
// gets the thread bundle's own instances, so a job and the runtime compute on one copy.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { DeviceModule } from '../module.ts';
import { sourceDigest, wrapBundle } from '../thread-code.ts';

/** Module name -> its loader, as the modules bundle exports them. */
type Loaders = Readonly<Record<string, () => DeviceModule>>;

/**
 * `url`: the modules bundle; `shared`: package name -> the thread bundle's instance. Returns a
 * function that compiles and runs the bundle on its first call and then returns its loaders.
 */
export function modulesBundle(url: string, shared: Readonly<Record<string, () => unknown>>): () => Loaders {
  let loaders: Loaders | undefined;
  return () => {
    if (loaders) return loaders;
    const filename = fileURLToPath(url);
    const source = wrapBundle(readFileSync(filename, 'utf8'));
    let cache: Buffer | undefined;
    try {
      const file = readFileSync(`${filename}.cache`);
      if (file.subarray(0, 32).equals(sourceDigest(source))) cache = file.subarray(32);
    } catch {
      // No cache: compile.
    }
    const script = new Script(source, { filename, ...(cache ? { cachedData: cache } : {}) });
    const own = createRequire(filename);
    const req = (id: string): unknown => (Object.hasOwn(shared, id) ? shared[id]!() : own(id));
    const mod = { exports: {} as { loaders?: Loaders } };
    (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, req, mod, filename, dirname(filename), url);
    if (!mod.exports.loaders) throw new Error(`${filename} is not a device modules bundle`);
    return (loaders = mod.exports.loaders);
  };
}
