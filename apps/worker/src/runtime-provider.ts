// The production cluster provider: `Cluster.start` from @sfw/runtime, kept and reused by the
// executor's PooledClusterProvider. The runtime is imported when the first cluster task arrives, so
// `hello` / `health_check` answer even if the runtime cannot load.
import { ClusterInitializationError, PooledClusterProvider } from '@sfw/executor';
import type { DataRoots } from '@sfw/executor';
import type { Logger } from '@sfw/log';
import type * as RuntimeModule from '@sfw/runtime';

export interface ProviderNetwork {
  readonly gateway: RuntimeModule.Gateway;
  readonly self: string;
  readonly dealerHost: string;
}

export interface RuntimeProviderOptions {
  startTimeoutSec?: number;
  network?: ProviderNetwork | undefined;
  /** V8 limits of every cluster thread (SFW_THREAD_MAX_OLD_GEN_MB, ...). */
  threadLimits?: RuntimeModule.ThreadResourceLimits;
  /** Kernel threads per SPU rank / dealer (SFW_SPU_KERNEL_THREADS); undefined: the runtime's default. */
  spuKernelThreads?: number | undefined;
  /**
   * The operator's data roots (real paths, `dataRootsOf`): each party's threads open task files only
   * inside its own root, checked again in the thread where the file is opened. Absent: unconfined.
   */
  dataRoots?: DataRoots | undefined;
  /** With `dataRoots`: threads refuse to read a file with more than one hard link. */
  refuseHardLinkedInputs?: boolean | undefined;
}

/**
 * The worker's thread bundle (scripts/bundle-threads.mjs, run by the build): the runtime's thread
 * code with every job's device module linked in and code-cached, so a cluster start does not load
 * the job modules file by file in each thread. Absent when running from the sources (tests); the
 * runtime then imports the modules by URL.
 */
export const WORKER_THREAD_BUNDLE = new URL('./thread/bundle.cjs', import.meta.url);

/** The party's own root or the default one (the executor's rule for resolving its paths). */
function partyRoot(roots: DataRoots, party: string): string {
  return (roots.parties !== undefined && Object.hasOwn(roots.parties, party) ? roots.parties[party] : undefined) ?? roots.default;
}

export function runtimeClusterProvider(opts: RuntimeProviderOptions = {}): PooledClusterProvider {
  return new PooledClusterProvider(async (spec, log: Logger) => {
    let runtime: typeof RuntimeModule;
    try {
      runtime = await import('@sfw/runtime');
    } catch (err) {
      throw new ClusterInitializationError('the @sfw/runtime package could not be loaded', { retryable: false, cause: err });
    }
    if (spec.spuParties.length !== spec.parties.length) {
      // The runtime places one SPU rank per party; a strict subset would need runtime support.
      throw new ClusterInitializationError('spu_config.cluster_def.nodes must list every party of sf_init_config.parties (SPU subsets are not supported yet)', {
        code: 'CLUSTER_MODE_UNSUPPORTED',
      });
    }
    log.info({ parties: spec.parties, protocol: spec.spu.protocol, field: spec.spu.field, beaverType: spec.spu.beaverType, modules: spec.modules.length }, 'starting cluster');
    return runtime.Cluster.start({
      parties: spec.parties,
      // Security warnings from the SPU (e.g. TFP: rank 0 sees every seed) go to the log, never silently.
      spu: { ...spec.spu, onWarning: (message: string) => log.warn({ security: true }, message) },
      modules: spec.modules,
      threadBundle: WORKER_THREAD_BUNDLE,
      startTimeoutMs: (opts.startTimeoutSec ?? 60) * 1000,
      // Party mode (the executor only lets `party:<self>` specs through on a party-mode worker).
      ...(spec.address.startsWith('party:') && opts.network ? { network: opts.network } : {}),
      ...(opts.threadLimits === undefined ? {} : { resourceLimits: opts.threadLimits }),
      ...(opts.spuKernelThreads === undefined ? {} : { spuKernelThreads: opts.spuKernelThreads }),
      ...(opts.dataRoots === undefined
        ? {}
        : { fileRoots: Object.fromEntries(spec.parties.map((p) => [p, partyRoot(opts.dataRoots!, p)])), refuseHardLinkedReads: opts.refuseHardLinkedInputs === true }),
    });
  });
}
