// The built thread bundle as the main thread hands it to every cluster thread: its source wrapped as
// a CommonJS function, plus V8's code cache for it (see thread/start.cjs). Read once per process; the
// cache comes from the build (dist/thread/bundle.cjs.cache) or, when that is missing or this Node
// rejects it, from the first thread that started without one (it sends its own back).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ThreadCode {
  /** `(function (exports, require, module, __filename, __dirname, __sfwBundleUrl) { <bundle> \n})`. */
  readonly source: string;
  readonly filename: string;
  /** `filename` as a file URL (the bundle's import.meta.url). */
  readonly url: string;
  /** V8 code cache for `source` (vm.Script cachedData), when one is known. */
  readonly cache?: Uint8Array;
}

/**
 * Wrapping on the first line keeps the bundle's line numbers (stack traces, source map). The cache
 * file starts with the SHA-256 of this text: V8 checks a cache against the source's length only.
 */
export function wrapBundle(bundle: string): string {
  return `(function (exports, require, module, __filename, __dirname, __sfwBundleUrl) { ${bundle}\n})`;
}

export function sourceDigest(source: string): Buffer {
  return createHash('sha256').update(source).digest();
}

let code: ThreadCode | null | undefined;
/** The cache in use was made by a thread of this process (so this Node accepts it). */
let madeHere = false;

/** The bundle next to this module's `thread/` directory, or null when this build has none. */
export function builtThreadCode(): ThreadCode | null {
  if (code !== undefined) return code;
  const url = new URL('./thread/bundle.cjs', import.meta.url);
  const filename = fileURLToPath(url);
  if (!existsSync(filename)) return (code = null);
  const source = wrapBundle(readFileSync(filename, 'utf8'));
  let cache: Uint8Array | undefined;
  try {
    const file = readFileSync(`${filename}.cache`);
    if (file.subarray(0, 32).equals(sourceDigest(source))) cache = file.subarray(32);
  } catch {
    // No cache from the build: the first thread makes one.
  }
  return (code = cache ? { source, filename, url: url.href, cache } : { source, filename, url: url.href });
}

/** A thread started without a cache this Node accepts and made one: keep it for the next threads. */
export function acceptCodeCache(filename: string, data: Uint8Array): void {
  if (!code || madeHere || code.filename !== filename || !(data instanceof Uint8Array)) return;
  code = { ...code, cache: data };
  madeHere = true;
}
