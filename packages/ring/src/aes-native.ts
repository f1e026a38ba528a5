// The optional native AES-128-CTR keystream (native/sfw_aes.c, built by tools/setup.sh with
// node-gyp against the OpenSSL that Node itself carries). node:crypto has no call that writes into
// caller memory: cipher.update returns a fresh buffer per chunk (allocated, copied into a second
// zero-filled one), which costs more CPU than the AES itself. The binding writes the same keystream
// straight into a caller's view (a tensor, a SharedArrayBuffer, a kernel's WASM scratch) and keeps
// one EVP context per key. When the addon is missing or fails to load, or SFW_NATIVE_AES=0, every
// user takes node:crypto's path unchanged (the keystreams are byte-identical; prg.test.ts checks).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeAes } from './blocks.ts';

/** Where the build puts the addon (relative to this module's file: src/ and dist/ are siblings). */
export const NATIVE_AES_PATH = fileURLToPath(new URL('../native/build/Release/sfw_aes.node', import.meta.url));

/**
 * The binding at `path`, or undefined when `env` switches it off or it does not load. The switch is
 * read from the environment here, not passed in by an app: it must hold in every thread that loads
 * this package (cluster threads load their own copy, kernel threads follow their parent) before
 * the first keystream, and every thread of a process sees the same environment.
 */
// eslint-disable-next-line no-restricted-properties -- a process-wide escape hatch to node:crypto, see above
export function loadNativeAes(env: Record<string, string | undefined> = process.env, path = NATIVE_AES_PATH): NativeAes | undefined {
  if (env.SFW_NATIVE_AES === '0') return undefined;
  try {
    const m = createRequire(import.meta.url)(path) as Partial<NativeAes>;
    if (typeof m.ctx !== 'function' || typeof m.fill !== 'function' || typeof m.free !== 'function') return undefined;
    return m as NativeAes;
  } catch {
    return undefined;
  }
}

let binding = loadNativeAes();

/** The native binding in use (undefined: node:crypto). */
export function nativeAes(): NativeAes | undefined {
  return binding;
}

/**
 * Switch the binding for tests: on loads it again (if it can), off forces node:crypto. Kernel
 * threads read the choice when they start. Returns whether the binding is now in use.
 */
export function useNativeAes(on: boolean): boolean {
  binding = on ? loadNativeAes() : undefined;
  return binding !== undefined;
}
