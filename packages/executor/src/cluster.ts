// The provider that keeps one cluster running across tasks. The executor imports only the runtime's
// types: the worker app hands in a `start` function wrapping `Cluster.start` (tests hand in a fake),
// so the reuse/rebuild policy is testable without threads, and `hello` / `health_check` answer even
// when the runtime cannot load.
import type { Cluster } from '@sfw/runtime';
import type { Logger } from '@sfw/log';
import { clusterSpecKey } from './envelope.ts';
import type { ClusterSpec } from './envelope.ts';

/** The lifecycle surface of a cluster the provider and executor use (the runtime's Cluster has it). */
export interface ClusterHandle {
  readonly healthy: boolean;
  beginTask(taskId: string): unknown;
  endTask(): unknown;
  shutdown(): Promise<void>;
  /** Hard stop (terminate every thread now). Falls back to shutdown when absent. */
  destroy?(): unknown;
}

export type StartCluster = (spec: ClusterSpec, log: Logger) => Promise<Cluster>;

export type ClusterStatus = 'none' | 'starting' | 'ready' | 'unhealthy';

export interface ClusterState {
  status: ClusterStatus;
  parties?: string[];
  spuParties?: string[];
  protocol?: string;
  field?: string;
  startedAt?: string;
  tasksServed: number;
  rebuilds: number;
}

export interface ClusterProvider {
  /** A cluster matching `spec`: the running one if it matches and is healthy, otherwise a new one. */
  acquire(spec: ClusterSpec, log: Logger): Promise<{ cluster: Cluster; reused: boolean }>;
  /**
   * Destroy the running cluster (after a hard kill or a crashed thread); the next acquire rebuilds.
   * With `only`, nothing happens unless that cluster is still the current one (a late cleanup of a
   * terminated task must not destroy its replacement).
   */
  invalidate(reason: string, log: Logger, only?: Cluster): Promise<void>;
  state(): ClusterState;
  /** Orderly stop at worker shutdown. */
  shutdown(log: Logger): Promise<void>;
}

/** Keeps at most one cluster, reused while its spec matches and it reports healthy. */
export class PooledClusterProvider implements ClusterProvider {
  readonly #start: StartCluster;
  #current: { key: string; spec: ClusterSpec; cluster: Cluster; startedAt: string } | undefined;
  #starting = false;
  #tasksServed = 0;
  #rebuilds = 0;

  constructor(start: StartCluster) {
    this.#start = start;
  }

  async acquire(spec: ClusterSpec, log: Logger): Promise<{ cluster: Cluster; reused: boolean }> {
    const key = clusterSpecKey(spec);
    const cur = this.#current;
    if (cur !== undefined && cur.key === key && cur.cluster.healthy) {
      this.#tasksServed++;
      return { cluster: cur.cluster, reused: true };
    }
    if (cur !== undefined) {
      log.info({ reason: cur.key === key ? 'unhealthy' : 'config changed' }, 'replacing cluster');
      this.#rebuilds++;
      await this.#stop(cur.cluster, !cur.cluster.healthy, log);
      this.#current = undefined;
    }
    this.#starting = true;
    try {
      const cluster = await this.#start(spec, log);
      this.#current = { key, spec, cluster, startedAt: new Date().toISOString() };
      this.#tasksServed++;
      return { cluster, reused: false };
    } finally {
      this.#starting = false;
    }
  }

  async invalidate(reason: string, log: Logger, only?: Cluster): Promise<void> {
    const cur = this.#current;
    if (cur === undefined) return;
    if (only !== undefined && cur.cluster !== only) {
      // A stale cluster (already replaced): still make sure its threads are gone.
      await this.#stop(only, true, log);
      return;
    }
    this.#current = undefined;
    this.#rebuilds++;
    log.warn({ reason }, 'destroying cluster');
    await this.#stop(cur.cluster, true, log);
  }

  state(): ClusterState {
    const cur = this.#current;
    const base = { tasksServed: this.#tasksServed, rebuilds: this.#rebuilds };
    if (cur === undefined) return { status: this.#starting ? 'starting' : 'none', ...base };
    return {
      status: cur.cluster.healthy ? 'ready' : 'unhealthy',
      parties: cur.spec.parties,
      spuParties: cur.spec.spuParties,
      protocol: cur.spec.spu.protocol,
      field: cur.spec.spu.field,
      startedAt: cur.startedAt,
      ...base,
    };
  }

  async shutdown(log: Logger): Promise<void> {
    const cur = this.#current;
    this.#current = undefined;
    if (cur !== undefined) await this.#stop(cur.cluster, false, log);
  }

  async #stop(cluster: ClusterHandle, hard: boolean, log: Logger): Promise<void> {
    try {
      if (hard && cluster.destroy !== undefined) await cluster.destroy();
      else await cluster.shutdown();
    } catch (err) {
      // A cluster that fails to stop is dropped anyway; its threads die with the process.
      log.error({ errName: err instanceof Error ? err.name : typeof err }, 'cluster stop failed');
    }
  }
}
