// Device modules: files every cluster thread imports, registering functions by name. Only names cross
// thread boundaries (a closure cannot be sent to another thread, and a name can be checked and logged).
import type { PrivateTensor, SecretTensor, SpuContext } from '@sfw/spu';
import type { PyuContext } from './context.ts';

export type PyuFunction = (ctx: PyuContext, ...args: never[]) => unknown;
/**
 * An SPU program, run SPMD on every rank with this rank's shares. `pub` is typed `never` here so that
 * a program declares its own public-parameter shape and still fits the registry. `priv` holds the
 * run's private blocks (`RunOptions.private`, in that order): values at the owner's rank only, for
 * `spu.privateMatmul`; a program that takes none may omit the parameter.
 */
export type SpuProgram = (spu: SpuContext, inputs: SecretTensor[], pub: never, priv: PrivateTensor[]) => SecretTensor[] | Promise<SecretTensor[]>;

export interface DeviceModuleSpec {
  readonly pyu?: Readonly<Record<string, PyuFunction>>;
  readonly spu?: Readonly<Record<string, SpuProgram>>;
}

export interface DeviceModule extends DeviceModuleSpec {
  readonly kind: 'sfw.device-module';
  readonly name: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** `export default defineDeviceModule('psi', { pyu: {...}, spu: {...} })`; functions are `psi.<fn>`. */
export function defineDeviceModule(name: string, spec: DeviceModuleSpec): DeviceModule {
  if (!NAME.test(name)) throw new Error(`device module name must match ${NAME.source}`);
  return { kind: 'sfw.device-module', name, ...spec };
}

/**
 * URL of a sibling module, with the caller's own extension: `.ts` when the caller runs from source
 * (tests), `.js` when it runs from dist. `deviceModuleUrl(import.meta.url, './device')`.
 */
export function deviceModuleUrl(callerUrl: string, relative: string): string {
  const ext = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  const rel = /\.[cm]?[jt]s$/.test(relative) ? relative.replace(/\.[cm]?[jt]s$/, ext) : relative + ext;
  return new URL(rel, callerUrl).href;
}

export function isDeviceModule(v: unknown): v is DeviceModule {
  return typeof v === 'object' && v !== null && (v as DeviceModule).kind === 'sfw.device-module' &&
    typeof (v as DeviceModule).name === 'string';
}

/**
 * A device module compiled into a thread bundle (scripts/bundle-thread.mjs): the thread evaluates it
 * only when one of its functions is first called, so a cluster that links every job's module starts
 * as fast as one with none, and a thread pays only for the jobs it runs.
 */
export interface LinkedModule {
  /** Its module name (`defineDeviceModule`'s first argument), read at build time. */
  readonly name: string;
  /** Its URL, relative to the bundle file: a `modules` entry that resolves to it is taken from the bundle. */
  readonly path: string;
  readonly load: () => DeviceModule;
}

/** The device modules a thread bundle links, with the bundle's own URL (to resolve their paths). */
export interface LinkedModules {
  readonly url: string;
  readonly modules: readonly LinkedModule[];
}

/**
 * Name -> function tables built in each thread from the loaded modules. A module linked into the
 * thread bundle is evaluated on the first lookup of one of its functions (`psi.run` loads `psi`);
 * a failure to evaluate it fails that call.
 */
export class Registry {
  readonly #pyu = new Map<string, PyuFunction>();
  readonly #spu = new Map<string, SpuProgram>();
  readonly #names = new Set<string>();
  readonly #deferred = new Map<string, () => DeviceModule>();

  add(m: DeviceModule): void {
    // A deferred module of the same name merges with this one now (its functions may collide).
    const same = this.#deferred.get(m.name);
    if (same) {
      this.#deferred.delete(m.name);
      this.add(same());
    }
    this.#names.add(m.name);
    for (const [fn, f] of Object.entries(m.pyu ?? {})) {
      if (this.#pyu.has(`${m.name}.${fn}`)) throw new Error(`duplicate device function ${m.name}.${fn}`);
      this.#pyu.set(`${m.name}.${fn}`, f);
    }
    for (const [fn, f] of Object.entries(m.spu ?? {})) {
      if (this.#spu.has(`${m.name}.${fn}`)) throw new Error(`duplicate SPU program ${m.name}.${fn}`);
      this.#spu.set(`${m.name}.${fn}`, f);
    }
  }

  /** Register `name` to be loaded on first use. */
  defer(name: string, load: () => DeviceModule): void {
    if (this.#names.has(name) || this.#deferred.has(name)) {
      this.add(checked(name, load));
      return;
    }
    this.#deferred.set(name, () => checked(name, load));
  }

  pyu(fn: string): PyuFunction | undefined {
    this.#loadFor(fn);
    return this.#pyu.get(fn);
  }

  spu(fn: string): SpuProgram | undefined {
    this.#loadFor(fn);
    return this.#spu.get(fn);
  }

  /** Functions registered so far, and the modules not loaded yet. */
  names(): { pyu: string[]; spu: string[]; deferred: string[] } {
    return { pyu: [...this.#pyu.keys()], spu: [...this.#spu.keys()], deferred: [...this.#deferred.keys()] };
  }

  #loadFor(fn: string): void {
    const load = this.#deferred.get(fn.slice(0, fn.indexOf('.')));
    if (!load) return;
    this.#deferred.delete(fn.slice(0, fn.indexOf('.')));
    this.add(load());
  }
}

function checked(name: string, load: () => DeviceModule): DeviceModule {
  const m = load();
  if (!isDeviceModule(m) || m.name !== name) throw new Error(`linked device module ${name} did not load as defineDeviceModule('${name}', ...)`);
  return m;
}

/** Imports a module by URL (`import()` of the caller's own module system). */
export type Importer = (url: string) => Promise<unknown>;

const importByUrl: Importer = (url) => import(url);

export async function loadRegistry(
  urls: readonly string[],
  linked: readonly DeviceModule[] = [],
  importUrl: Importer = importByUrl,
  bundled?: LinkedModules,
): Promise<Registry> {
  const inBundle = new Map((bundled?.modules ?? []).map((m) => [new URL(m.path, bundled!.url).href, m]));
  const loaded = await Promise.all(
    urls.filter((url) => !inBundle.has(url)).map(async (url) => {
      const mod = (await importUrl(url)) as { default?: unknown };
      if (!isDeviceModule(mod.default)) throw new Error(`${url} has no default export made by defineDeviceModule`);
      return mod.default;
    }),
  );
  const registry = new Registry();
  for (const m of [...linked, ...loaded]) registry.add(m);
  for (const url of urls) {
    const m = inBundle.get(url);
    if (m) registry.defer(m.name, m.load);
  }
  return registry;
}
