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

/** Name -> function tables built in each thread from the loaded modules. */
export interface Registry {
  readonly pyu: ReadonlyMap<string, PyuFunction>;
  readonly spu: ReadonlyMap<string, SpuProgram>;
}

/** Imports a module by URL (`import()` of the caller's own module system). */
export type Importer = (url: string) => Promise<unknown>;

const importByUrl: Importer = (url) => import(url);

export async function loadRegistry(urls: readonly string[], linked: readonly DeviceModule[] = [], importUrl: Importer = importByUrl): Promise<Registry> {
  const pyu = new Map<string, PyuFunction>();
  const spu = new Map<string, SpuProgram>();
  const loaded = await Promise.all(
    urls.map(async (url) => {
      const mod = (await importUrl(url)) as { default?: unknown };
      if (!isDeviceModule(mod.default)) throw new Error(`${url} has no default export made by defineDeviceModule`);
      return mod.default;
    }),
  );
  for (const m of [...linked, ...loaded]) {
    for (const [fn, f] of Object.entries(m.pyu ?? {})) {
      if (pyu.has(`${m.name}.${fn}`)) throw new Error(`duplicate device function ${m.name}.${fn}`);
      pyu.set(`${m.name}.${fn}`, f);
    }
    for (const [fn, f] of Object.entries(m.spu ?? {})) {
      if (spu.has(`${m.name}.${fn}`)) throw new Error(`duplicate SPU program ${m.name}.${fn}`);
      spu.set(`${m.name}.${fn}`, f);
    }
  }
  return { pyu, spu };
}
