// Driver-side state of a running cluster: the threads, the task epoch, object/run ids, and requests
// that fail fast once any thread has died (a dead rank would otherwise leave its peers waiting).
import { acceptCodeCache } from './thread-code.ts';
import { rm } from 'node:fs/promises';
import { ClusterError, DeviceError, type ErrorInfo } from './errors.ts';
import type { Reply, ThreadApi, ThreadEvent } from './protocol.ts';
import { loadSpuBackend, type SpuBackend, type SpuConfig } from './spu-backend.ts';
import type { ThreadHandle } from './thread-handle.ts';
import type { Router } from './router.ts';
import type { NetBridge } from './net/bridge.ts';
import type { Remote } from 'comlink';

export interface ProgressEvent {
  readonly party: string;
  readonly fn: string;
  readonly fraction: number;
  readonly message?: string;
}

export class ClusterCore {
  readonly parties: readonly string[];
  readonly spuConfig: SpuConfig | null;
  readonly partyThreads = new Map<string, ThreadHandle>();
  readonly rankThreads: ThreadHandle[] = [];
  dealerThread: ThreadHandle | null = null;
  /** Rank number of each entry of `rankThreads` (all ranks in-process; the own rank in party mode). */
  localRanks: number[] = [];
  /**
   * Party mode: the host this driver runs on (a party, or the dealer host). Every party runs the same
   * job code; each driver performs only the operations of its own threads, and ids are allocated in
   * program order from 1 per task so both sides name the same objects and conversations.
   */
  self: string | null = null;
  bridge: NetBridge | null = null;
  /** Party mode: the driver's own endpoint to the other parties' drivers (what `get()` reveals). */
  driver: Router | null = null;
  epoch = 0;
  taskId: string | null = null;
  closed = false;
  #nextId = 1;
  #death: ErrorInfo | null = null;
  #markDead!: (info: ErrorInfo) => void;
  readonly #died = new Promise<ErrorInfo>((resolve) => (this.#markDead = resolve));
  readonly #progress = new Set<(e: ProgressEvent) => void>();
  readonly #taskDirs = new Set<string>();

  #driverBackend: Promise<SpuBackend> | null = null;

  constructor(
    parties: readonly string[],
    spu: SpuConfig | null,
    readonly spuBackendUrl: string | null,
  ) {
    this.parties = parties;
    this.spuConfig = spu;
  }

  /** The SPU backend in the main thread, loaded on first `cluster.get(spuObj)` (reveal to the driver). */
  driverBackend(): Promise<SpuBackend> {
    if (!this.spuConfig) return Promise.reject(new ClusterError('BAD_USAGE', 'this cluster was started without an SPU'));
    this.#driverBackend ??= this.spuBackendUrl
      ? loadSpuBackend(this.spuBackendUrl)
      : import('./spu-default-backend.ts').then((m) => m.default);
    return this.#driverBackend;
  }

  get all(): ThreadHandle[] {
    return [...this.partyThreads.values(), ...this.rankThreads, ...(this.dealerThread ? [this.dealerThread] : [])];
  }

  get healthy(): boolean {
    return this.#death === null && !this.closed;
  }

  newId(): number {
    return this.#nextId++;
  }

  /** Ids restart with every task (party mode: all drivers must allocate the same sequence). */
  resetIds(): void {
    this.#nextId = 1;
  }

  /** Is this party's thread in this process? (Always, in-process.) */
  isLocal(party: string): boolean {
    return this.self === null || this.self === party;
  }

  onThreadDeath(info: ErrorInfo): void {
    if (this.#death || this.closed) return;
    this.#death = info;
    this.#markDead(info);
  }

  onThreadEvent(ev: ThreadEvent): void {
    switch (ev.type) {
      case 'progress': {
        if (ev.epoch !== this.epoch) return;
        const e: ProgressEvent = ev.message === undefined
          ? { party: ev.party, fn: ev.fn, fraction: ev.fraction }
          : { party: ev.party, fn: ev.fn, fraction: ev.fraction, message: ev.message };
        for (const l of this.#progress) {
          try {
            l(e);
          } catch {
            // A failing listener must not become an uncaught exception in the driver.
          }
        }
        return;
      }
      case 'taskDir':
        this.#taskDirs.add(ev.path);
        return;
      case 'warning':
        this.spuConfig?.onWarning?.(`${ev.device}: ${ev.message}`);
        return;
      case 'codeCache':
        acceptCodeCache(ev.filename, ev.data);
        return;
    }
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    this.#progress.add(listener);
    return () => this.#progress.delete(listener);
  }

  /** Throw unless the cluster can take work and `epoch` (of a handle) is the current task's. */
  assertUsable(epoch?: number): void {
    if (this.closed) throw new ClusterError('ABORTED', 'cluster is shut down');
    if (this.#death) {
      throw new ClusterError('CLUSTER_UNHEALTHY', `cluster is unhealthy (${this.#death.device} ${this.#death.code}); rebuild it`);
    }
    if (epoch !== undefined && epoch !== this.epoch) {
      throw new ClusterError('TASK_ENDED', 'this object belongs to a task that has ended');
    }
  }

  /** A request to one thread that also fails as soon as any thread of the cluster dies. */
  async request<T>(thread: ThreadHandle, fn: string, op: (api: Remote<ThreadApi>) => Promise<Reply<T>>): Promise<T> {
    const answered = thread.request(fn, op).then((v) => ({ v }));
    answered.catch(() => undefined);
    const outcome = await Promise.race([answered, this.#died.then((d) => ({ d }))]);
    if ('d' in outcome) throw new DeviceError(outcome.d);
    return outcome.v;
  }

  party(name: string): ThreadHandle {
    const t = this.partyThreads.get(name);
    if (!t) throw new ClusterError('BAD_USAGE', `no party named ${name} in this cluster`);
    return t;
  }

  /** Remove task directories the threads reported (used when threads are killed before cleaning up). */
  async removeTaskDirs(): Promise<void> {
    await Promise.all([...this.#taskDirs].map((d) => rm(d, { recursive: true, force: true })));
    this.#taskDirs.clear();
  }
}

/** Attach a no-op handler so a handle nobody awaits does not raise an unhandled rejection. */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
