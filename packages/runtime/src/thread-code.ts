// The built thread bundle as the main thread hands it to every cluster thread: its source wrapped as
// a CommonJS function, plus V8's code cache for it (see thread/start.cjs). Read once per process; the
// cache comes from the build (dist/thread/bundle.cjs.cache) or, when that is missing or this Node
// rejects it, from the first thread that started without one (it sends its own back).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** Per bundle file: its code (null: no such file), and whether the cache was made by a thread of this process. */
const codes = new Map<string, { code: ThreadCode | null; madeHere: boolean }>();

const OWN_BUNDLE = new URL('./thread/bundle.cjs', import.meta.url);

/**
 * A built thread bundle: this package's own (`dist/thread/bundle.cjs`, the default) or one an
 * application built with its device modules linked in (ClusterOptions.threadBundle); null when the
 * file does not exist.
 */
export function builtThreadCode(bundle: string | URL = OWN_BUNDLE): ThreadCode | null {
  const filename = bundle instanceof URL || bundle.startsWith('file:') ? fileURLToPath(bundle) : bundle;
  const known = codes.get(filename);
  if (known) return known.code;
  if (!existsSync(filename)) {
    codes.set(filename, { code: null, madeHere: false });
    return null;
  }
  const url = pathToFileURL(filename);
  const source = wrapBundle(readFileSync(filename, 'utf8'));
  let cache: Uint8Array | undefined;
  try {
    const file = readFileSync(`${filename}.cache`);
    if (file.subarray(0, 32).equals(sourceDigest(source))) cache = file.subarray(32);
  } catch {
    // No cache from the build: the first thread makes one.
  }
  const code = cache ? { source, filename, url: url.href, cache } : { source, filename, url: url.href };
  codes.set(filename, { code, madeHere: false });
  return code;
}

/** A thread started without a cache this Node accepts and made one: keep it for the next threads. */
export function acceptCodeCache(filename: string, data: Uint8Array): void {
  const known = codes.get(filename);
  if (!known?.code || known.madeHere || !(data instanceof Uint8Array)) return;
  codes.set(filename, { code: { ...known.code, cache: data }, madeHere: true });
}
