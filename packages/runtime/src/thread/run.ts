// Start of every cluster thread (party, SPU rank, dealer). Builds the data-plane link from the ports
// the main thread transferred, loads the device modules and the SPU backend, then exposes the
// ThreadApi over the control port with comlink. Entered from main.ts (ESM: sources, tsx) or from
// start.cjs, which runs the bundle of this file from V8's code cache (scripts/bundle-thread.mjs).
import { writeFileSync } from 'node:fs';
import { expose } from 'comlink';
import { portEndpoint } from '../comlink-port.ts';
import { toErrorInfo, type ErrorInfo } from '../errors.ts';
import { MessagePortLink } from '../link.ts';
import builtins from '../builtins.ts';
import { loadRegistry, Registry, type Importer, type LinkedModules } from '../module.ts';
import type { Reply, ThreadApi, ThreadInit } from '../protocol.ts';
import { Router } from '../router.ts';
import { loadSpuBackend, type SpuBackend } from '../spu-backend.ts';
import { PartyOps } from './party-ops.ts';
import { SpuOps } from './spu-ops.ts';

/**
 * Bring this thread up from its init data; resolves once the ThreadApi is exposed. `importUrl`
 * imports job modules and a custom SPU backend (a caller whose own code cannot run `import()`, such
 * as a script compiled from the code cache, passes one that can). `linked`: the device modules a
 * thread bundle compiled in (see scripts/bundle-thread.mjs); those are not imported.
 */
export async function startThread(init: ThreadInit, importUrl?: Importer, linked?: LinkedModules): Promise<void> {
  nameThread(init.label);
  // Before any module runs: every pinned open of this thread (@sfw/data) stays inside its party's
  // data root, whatever path a job hands it. A registered global, so the runtime needs no import of
  // @sfw/data and every copy of that module loaded here reads it.
  if (init.files !== undefined) {
    (globalThis as Record<symbol, unknown>)[Symbol.for('sfw.data.pinnedConfinement')] = { roots: [...init.files.roots], refuseHardLinkedReads: init.files.refuseHardLinkedReads };
  }
  const router = new Router(new MessagePortLink(init.endpoint, init.peers, init.remotePeers ?? []));

  let registry = new Registry();
  let backend: SpuBackend | null = null;
  let loadError: ErrorInfo | null = null;
  try {
    // The dealer runs no registered function, so it skips the device modules. The builtin module and
    // the default SPU backend (loaded only when the cluster has an SPU) are part of the thread bundle
    // in production (scripts/bundle-thread.mjs); job modules and a custom backend are imported by URL.
    const [r, b] = await Promise.all([
      init.role === 'dealer' ? Promise.resolve(registry) : loadRegistry(init.modules, [builtins], importUrl, linked),
      !init.spu
        ? Promise.resolve(null)
        : init.spuBackend
          ? loadSpuBackend(init.spuBackend, importUrl)
          : import('../spu-default-backend.ts').then((m) => m.default),
    ]);
    registry = r;
    backend = b;
    if (init.role !== 'party' && (init.kernelThreads ?? 1) > 1) backend?.setKernelThreads?.(init.kernelThreads!);
  } catch (err) {
    loadError = toErrorInfo(err, init.label, 'load');
  }

  const ops = init.role === 'party' ? new PartyOps(init, router, registry, backend) : new SpuOps(init, router, registry, backend);
  const notHere = (op: string): Promise<Reply<never>> =>
    Promise.resolve({ ok: false, error: { code: 'BAD_VALUE', device: init.label, fn: op, errorName: 'Error', message: `${op} is not a ${init.role} operation` } });
  const party = ops instanceof PartyOps ? ops : null;
  const spu = ops instanceof SpuOps ? ops : null;

  const api: ThreadApi = {
    ready: () =>
      Promise.resolve(loadError ? { ok: false, error: loadError } : { ok: true, value: registry.names() }),
    beginTask: (epoch, taskId) => ops.beginTask(epoch, taskId),
    endTask: (epoch) => ops.endTask(epoch),
    abortTask: () => ops.abortTask(),
    state: () => ops.state(),
    call: (id, fn, args) => party?.call(id, fn, args) ?? notHere('call'),
    fetch: (id) => party?.fetch(id) ?? notHere('get'),
    sendTo: (id, p, newId) => party?.sendTo(id, p, newId) ?? notHere('to(pyu)'),
    recvFrom: (p, newId) => party?.recvFrom(p, newId) ?? notHere('to(pyu)'),
    share: (id, newId) => party?.share(id, newId) ?? notHere('to(spu)'),
    placePrivate: (id, newId) => party?.placePrivate(id, newId) ?? notHere('private'),
    collect: (newId) => party?.collect(newId) ?? notHere('reveal'),
    recvShare: (p, id) => spu?.recvShare(p, id) ?? notHere('to(spu)'),
    recvPrivate: (p, owner, id) => spu?.recvPrivate(p, owner, id) ?? notHere('private'),
    run: (runId, fn, inputs, pub, outputs, privates) => spu?.run(runId, fn, inputs, pub, outputs, privates) ?? notHere('run'),
    revealTo: (id, p, newId) => spu?.revealTo(id, p, newId) ?? notHere('reveal'),
    getShare: (id) => spu?.getShare(id) ?? notHere('get'),
    abortRun: (runId) => spu?.abortRun(runId),
    serve: (runId) => spu?.serve(runId) ?? notHere('dealer'),
    stopServe: (runId) => spu?.stopServe(runId),
  };

  expose(api, portEndpoint(init.control));
}

/**
 * The OS name of this thread, `sfw:<label>` (e.g. `sfw:spu:rank0`), so that `top -H`, `perf` and
 * /proc/self/task/<tid>/stat tell a cluster's threads apart (the bench records per-thread CPU time
 * and page faults by it). Linux keeps 15 bytes; elsewhere (no /proc) the name stays as it was.
 */
function nameThread(label: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', `sfw:${label}`.slice(0, 15));
  } catch {
    // not Linux, or /proc not mounted: a name is only a measuring aid
  }
}
