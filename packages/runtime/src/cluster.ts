// The Cluster: one worker_thread per party (PYU), one per SPU rank, and the dealer; a full mesh of
// MessageChannels between them for the data plane; comlink on a private port for control.
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { BUILTIN_MODULE_URL } from './builtins.ts';
import { ClusterError, DeviceError, toErrorInfo } from './errors.ts';
import { LinkError } from './net/gateway.ts';
import { ClusterCore, quiet, type ProgressEvent } from './core.ts';
import { Pyu, Spu, type DeviceObject, type SpuObject } from './devices.ts';
import { DEALER_ENDPOINT, driverEndpoint, partyEndpoint, rankEndpoint, type EndpointId } from './link.ts';
import { NetBridge, type BridgePort } from './net/bridge.ts';
import type { Gateway } from './net/gateway.ts';
import { Router } from './router.ts';
import type { Role, ThreadFiles, ThreadState } from './protocol.ts';
import { startedWithMallocTunables } from './malloc.ts';
import { threadConfig, type SpuConfig } from './spu-backend.ts';
import type { PlainTensor } from './tensor.ts';
import { builtThreadCode } from './thread-code.ts';
import { ThreadHandle } from './thread-handle.ts';

export interface ClusterOptions {
  /** Party names; sorted, SPU rank i belongs to the i-th (SecretFlow orders SPU nodes by party name). */
  readonly parties: readonly string[];
  /**
   * Start SPU rank threads with this configuration (omit for a PYU-only cluster). Its `onWarning`
   * stays in the main thread and receives the ranks' security warnings.
   */
  readonly spu?: SpuConfig | undefined;
  /** Device module URLs every thread imports (see `deviceModuleUrl`). */
  readonly modules?: readonly string[] | undefined;
  /** `'thread'` (default) starts the trusted dealer thread for TTP correlated randomness. */
  readonly dealer?: 'thread' | 'none' | undefined;
  /** Module URL whose default export is an SpuBackend; defaults to the adapter of @sfw/spu. */
  readonly spuBackend?: string | undefined;
  /** Upper bound for thread start-up (module loading included). Default 30 s. */
  readonly startTimeoutMs?: number | undefined;
  /**
   * Party mode: this process is one host of a cross-silo cluster (see docs/deployment.md). Only the
   * threads of `self` start here (its PYU and SPU rank, or the dealer on the dealer host); the other
   * endpoints are reached through `gateway` over mutually authenticated TLS. Omit for in-process.
   */
  readonly network?: NetworkOptions | undefined;
  /**
   * V8 limits of every party, rank and dealer thread (heap sizes in MB). A thread that overruns
   * them dies alone with a `RESOURCE_LIMIT` DeviceError; the process and its other work go on.
   */
  readonly resourceLimits?: ThreadResourceLimits | undefined;
  /**
   * Threads each SPU rank and the dealer run their large kernels on (themselves + helpers; see
   * docs/runtime.md "SPU kernel threads"). Default: the host's cores shared among the SPU threads
   * started here (1 when they are at least as many as the cores); the worker's SFW_SPU_KERNEL_THREADS.
   */
  readonly spuKernelThreads?: number | undefined;
  /**
   * Let the dealer thread reuse the answers rank 0 has released (they travel as shared memory; docs/
   * spu.md "Dealer"). Default: whether this process was started with the glibc malloc settings of
   * docs/deployment.md, without which the reuse costs more page faults than it saves.
   */
  readonly spuReuseAnswers?: boolean | undefined;
  /**
   * A thread bundle an application built with its device modules linked in (path or file URL; see
   * docs/runtime.md "Thread bundles"). Every thread starts from it instead of the runtime's own
   * bundle, and a `modules` entry it links is evaluated in a thread on the first call of one of its
   * functions instead of being imported at start. Ignored when the runtime runs from TypeScript or
   * the file does not exist (threads then start as without it).
   */
  readonly threadBundle?: string | URL | undefined;
  /**
   * Each party's data root (party -> directory). Given, every party thread and the SPU rank its
   * party hosts confine their pinned file opens (`@sfw/data`) to that root, resolved here once with
   * realpath (so the root itself may be reached through a link); the dealer opens no file. A party
   * without an entry is refused any pinned open. Omit for an unconfined cluster (tests, embedding).
   */
  readonly fileRoots?: Readonly<Record<string, string>> | undefined;
  /** With `fileRoots`: refuse to read a file with more than one hard link (docs/security.md). */
  readonly refuseHardLinkedReads?: boolean | undefined;
}

/** The real path of an operator's root (the root itself may be a link); as given when it is missing. */
function realRoot(root: string): string {
  try {
    return realpathSync(resolve(root));
  } catch {
    return resolve(root);
  }
}

/**
 * Kernel threads per SPU thread when the caller gives none: the available cores divided among the
 * `spuThreads` rank/dealer threads of this process, so ranks on one host do not oversubscribe the
 * cores (at least 1; party and driver threads are mostly idle while the SPU computes).
 */
export function defaultSpuKernelThreads(spuThreads: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, spuThreads)));
}

export interface NetworkOptions {
  readonly gateway: Gateway;
  /** This host: one of `parties`, or `dealerHost`. Taken from the worker's configuration. */
  readonly self: string;
  /** Host name of the TTP dealer service (its certificate's name). Default `dealer`. */
  readonly dealerHost?: string | undefined;
}

export interface ThreadResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly stackSizeMb?: number;
}

const PARTY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const fromSource = import.meta.url.endsWith('.ts');
const ext = fromSource ? '.ts' : '.js';

/** The per-file ESM thread entry (sources, TypeScript device modules, a build without the bundle). */
const moduleEntry = new URL(`./thread/main${ext}`, import.meta.url);

interface EndpointPlan {
  readonly role: Role;
  readonly endpoint: EndpointId;
  readonly label: string;
  readonly party: string | null;
  readonly rank: number | null;
}

/** Which endpoint pairs need a data-plane channel. */
function needsChannel(a: EndpointPlan, b: EndpointPlan): boolean {
  if (a.role === 'dealer' || b.role === 'dealer') return a.role === 'rank' || b.role === 'rank';
  return true; // party-party (PSI, to(pyu)), party-rank (shares, reveals), rank-rank (protocol)
}

export class Cluster {
  readonly #core: ClusterCore;
  readonly #spu: Spu;
  readonly #pyus = new Map<string, Pyu>();
  #startMs = 0;

  private constructor(core: ClusterCore) {
    this.#core = core;
    this.#spu = new Spu(core);
    for (const p of core.parties) this.#pyus.set(p, new Pyu(core, p));
  }

  /** Wall time of `Cluster.start` (threads up, modules and SPU backend loaded), in milliseconds. */
  get startMs(): number {
    return this.#startMs;
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const t0 = performance.now();
    const parties = [...new Set(options.parties)].sort();
    if (parties.length === 0) throw new ClusterError('BAD_USAGE', 'options.parties: at least one party is required');
    const bad = parties.find((p) => !PARTY_NAME.test(p));
    if (bad !== undefined) throw new ClusterError('BAD_USAGE', `options.parties: invalid party name (must match ${PARTY_NAME.source})`);
    const spu = options.spu ?? null;
    if (spu && parties.length < 2) throw new ClusterError('BAD_USAGE', 'options.spu: an SPU needs at least two parties');
    // The builtin module and the default SPU backend are linked into the thread entry.
    const modules = (options.modules ?? []).filter((m) => m !== BUILTIN_MODULE_URL);
    const backendUrl = spu ? (options.spuBackend ?? null) : null;

    const plan: EndpointPlan[] = parties.map((p) => ({ role: 'party', endpoint: partyEndpoint(p), label: p, party: p, rank: null }));
    if (spu) {
      parties.forEach((_p, i) => plan.push({ role: 'rank', endpoint: rankEndpoint(i), label: `spu:rank${i}`, party: null, rank: i }));
      // Only SEMI2K with a trusted third party needs the dealer (REF2K needs no randomness, TFP deals on rank 0).
      if ((options.dealer ?? 'thread') === 'thread' && spu.protocol === 'SEMI2K' && spu.beaverType === 'TTP') {
        plan.push({ role: 'dealer', endpoint: DEALER_ENDPOINT, label: 'spu:dealer', party: null, rank: parties.length });
      }
    }

    // Party mode: which host each endpoint lives on; only this host's endpoints get threads.
    const net = options.network ?? null;
    const dealerHost = net?.dealerHost ?? 'dealer';
    const hostOf = (e: EndpointId): string => {
      if (e === DEALER_ENDPOINT) return dealerHost;
      const [kind, name] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
      return kind === 'rank' ? parties[Number(name)]! : name;
    };
    if (net && !parties.includes(net.self) && net.self !== dealerHost) {
      throw new ClusterError('BAD_USAGE', `options.network.self: ${net.self} is neither a party nor the dealer host`);
    }
    const isLocal = (e: EndpointPlan): boolean => net === null || hostOf(e.endpoint) === net.self;

    // Data-plane mesh: one MessageChannel per needed pair, each end transferred to its thread; for a
    // pair split across hosts the remote end goes to the network bridge instead.
    const peers = new Map<EndpointId, Record<EndpointId, MessagePort>>(plan.map((e) => [e.endpoint, {}]));
    const remotePeers = new Map<EndpointId, EndpointId[]>(plan.map((e) => [e.endpoint, []]));
    const bridgePorts: BridgePort[] = [];
    for (let i = 0; i < plan.length; i++) {
      for (let j = i + 1; j < plan.length; j++) {
        const a = plan[i]!;
        const b = plan[j]!;
        if (!needsChannel(a, b) || (!isLocal(a) && !isLocal(b))) continue;
        const { port1, port2 } = new MessageChannel();
        peers.get(a.endpoint)![b.endpoint] = port1;
        peers.get(b.endpoint)![a.endpoint] = port2;
        if (!isLocal(a)) {
          bridgePorts.push({ local: b.endpoint, remote: a.endpoint, port: port1 });
          remotePeers.get(b.endpoint)!.push(a.endpoint);
        } else if (!isLocal(b)) {
          bridgePorts.push({ local: a.endpoint, remote: b.endpoint, port: port2 });
          remotePeers.get(a.endpoint)!.push(b.endpoint);
        }
      }
    }

    // Threads run built JS when this file is built JS; TypeScript (tests, .ts device modules) goes
    // through a bootstrap that registers tsx first.
    const needsTs = fromSource || modules.some((m) => m.endsWith('.ts')) || (backendUrl?.endsWith('.ts') ?? false);
    // Built JS: every thread compiles the one bundle from V8's code cache (thread/start.cjs).
    const code = needsTs ? null : ((options.threadBundle === undefined ? null : builtThreadCode(options.threadBundle)) ?? builtThreadCode());
    const script = needsTs ? new URL('./thread/bootstrap-ts.mjs', import.meta.url) : code ? new URL('./thread/start.cjs', import.meta.url) : moduleEntry;
    const execArgv = fromSource ? ['--conditions=@sfw/source'] : [];

    const core = new ClusterCore(parties, spu, backendUrl);
    if (net) {
      const selfIsParty = parties.includes(net.self);
      const bridge = new NetBridge(net.gateway, {
        parties,
        hostOf,
        ports: bridgePorts,
        driver: selfIsParty ? driverEndpoint(net.self) : null,
        remoteDrivers: selfIsParty ? parties.filter((p) => p !== net.self).map(driverEndpoint) : [],
        info: { parties, spu: spu ? threadConfig(spu) : null },
      });
      core.self = net.self;
      core.bridge = bridge;
      core.driver = bridge.driverLink ? new Router(bridge.driverLink) : null;
    }
    const spuLocal = plan.filter((e) => isLocal(e) && e.role !== 'party').length;
    const kernelThreads = options.spuKernelThreads ?? defaultSpuKernelThreads(spuLocal);
    const reuseAnswers = options.spuReuseAnswers ?? startedWithMallocTunables();
    if (!Number.isInteger(kernelThreads) || kernelThreads < 1 || kernelThreads > 64) throw new ClusterError('BAD_USAGE', 'options.spuKernelThreads must be an integer in [1, 64]');
    const roots = options.fileRoots;
    const rootsOf = (e: EndpointPlan): ThreadFiles | undefined => {
      if (roots === undefined) return undefined;
      const party = e.role === 'party' ? e.party! : e.role === 'rank' ? parties[e.rank!]! : null;
      const root = party !== null && Object.hasOwn(roots, party) ? roots[party] : undefined;
      return { roots: root === undefined ? [] : [realRoot(root)], refuseHardLinkedReads: options.refuseHardLinkedReads === true };
    };
    for (const e of plan) {
      if (!isLocal(e)) continue;
      const files = rootsOf(e);
      const thread = new ThreadHandle({
        script,
        execArgv,
        ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
        init: {
          ...e,
          parties,
          worldSize: spu ? parties.length : 0,
          spu: spu ? threadConfig(spu) : null,
          spuBackend: backendUrl,
          kernelThreads: e.role === 'party' ? 1 : kernelThreads,
          reuseAnswers,
          modules,
          ...(files === undefined ? {} : { files }),
          peers: peers.get(e.endpoint)!,
          remotePeers: remotePeers.get(e.endpoint)!,
          ...(needsTs ? { entry: moduleEntry.href } : {}),
          ...(code ? { code } : {}),
        },
        onEvent: (ev) => core.onThreadEvent(ev),
        onDeath: (info) => core.onThreadDeath(info),
      });
      if (e.role === 'party') core.partyThreads.set(e.label, thread);
      else if (e.role === 'rank') {
        core.rankThreads.push(thread);
        core.localRanks.push(e.rank!);
      } else core.dealerThread = thread;
    }

    const cluster = new Cluster(core);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(core.all.map((t) => core.request(t, 'load', (api) => api.ready()))),
        new Promise((_r, reject) => {
          timer = setTimeout(() => reject(new ClusterError('ABORTED', `cluster threads did not start within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      await cluster.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    cluster.#startMs = performance.now() - t0;
    return cluster;
  }

  /** Parties, sorted. */
  get parties(): readonly string[] {
    return this.#core.parties;
  }

  /** False once any thread crashed or the cluster was shut down: the owner must rebuild it. */
  get healthy(): boolean {
    return this.#core.healthy;
  }

  get taskId(): string | null {
    return this.#core.taskId;
  }

  pyu(party: string): Pyu {
    const p = this.#pyus.get(party);
    if (!p) throw new ClusterError('BAD_USAGE', `no party named ${party} in this cluster`);
    return p;
  }

  spu(): Spu {
    if (!this.#core.spuConfig) throw new ClusterError('BAD_USAGE', 'this cluster was started without an SPU');
    return this.#spu;
  }

  /** Start a task: every thread gets a fresh store, mailbox, abort signal and (lazily) temp dir. */
  async beginTask(taskId: string): Promise<void> {
    if (this.#core.taskId !== null) await this.endTask();
    this.#core.assertUsable();
    const core = this.#core;
    const epoch = ++core.epoch;
    core.taskId = taskId;
    core.resetIds();
    await Promise.all(core.all.map((t) => core.request(t, 'beginTask', (api) => api.beginTask(epoch, taskId))));
    core.driver?.reset(epoch);
    // Party mode: the rendezvous with the other hosts' copies of this task (fails naming the peer).
    if (core.bridge) {
      try {
        await core.bridge.open(taskId, epoch);
      } catch (err) {
        await this.endTask().catch(() => undefined);
        throw new DeviceError(toErrorInfo(err, err instanceof LinkError ? err.peer : 'link', 'rendezvous', 'PEER_LOST'));
      }
    }
  }

  /**
   * A name unique within the current task that every party's driver computes identically: in party
   * mode each party runs the same job code, so names of conversations and stored objects must not
   * come from local randomness or clocks.
   */
  uniqueName(prefix: string): string {
    this.#core.assertUsable();
    return `${prefix}-${this.#core.newId()}`;
  }

  /** Party mode: the bridge to the other hosts (link statistics, the dealer's run hook). */
  get bridge(): NetBridge | null {
    return this.#core.bridge;
  }

  /**
   * Dealer host: serve the correlated randomness of SPU run `runId` (the dealer service calls this
   * when the ranks' first frames of a run arrive; in-process the driver does it in `spu.run`).
   */
  serveRun(runId: number): Promise<unknown> {
    const dealer = this.#core.dealerThread;
    if (!dealer) return Promise.reject(new ClusterError('BAD_USAGE', 'this cluster has no dealer thread'));
    return quiet(this.#core.request(dealer, 'dealer', (api) => api.serve(runId)));
  }

  /** Party mode: this host's name. */
  get self(): string | null {
    return this.#core.self;
  }

  /**
   * End the task (success or failure): every store, queued message and task dir is wiped and the
   * task's handles stop working. Safe to call when no task is active.
   */
  async endTask(): Promise<void> {
    const core = this.#core;
    const epoch = ++core.epoch;
    core.taskId = null;
    core.driver?.reset(epoch);
    if (!core.healthy) {
      core.bridge?.destroy();
      return;
    }
    try {
      await Promise.all(core.all.map((t) => core.request(t, 'endTask', (api) => api.endTask(epoch))));
    } finally {
      // After every thread's last frame went out: END to each peer host (a clean exit, not a loss).
      await core.bridge?.close();
    }
  }

  /** Soft time limit: fire every thread's task signal (functions should stop; the task then ends). */
  abortTask(): void {
    for (const t of this.#core.all) t.notify((api) => Promise.resolve(api.abortTask()));
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    return this.#core.onProgress(listener);
  }

  /** Reveal to the driver: the plaintext of a PYU object, or the reconstruction of an SPU object. */
  get<T>(obj: DeviceObject<T>): Promise<T>;
  get(obj: SpuObject): Promise<PlainTensor>;
  get(obj: DeviceObject | SpuObject): Promise<unknown> {
    return obj.get();
  }

  /** Diagnostics for tests: what each thread still holds. */
  async inspect(): Promise<Record<string, ThreadState>> {
    const core = this.#core;
    core.assertUsable();
    const states = await Promise.all(core.all.map(async (t) => [t.label, await t.api.state()] as const));
    return Object.fromEntries(states);
  }

  /** Graceful stop: end the active task (bounded wait), then terminate every thread. */
  async shutdown(): Promise<void> {
    const core = this.#core;
    if (core.closed) return;
    if (core.taskId !== null && core.healthy) {
      await Promise.race([this.endTask().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    await this.destroy();
  }

  /** Hard kill (hard time limit, crash recovery): terminate every thread now and remove task dirs. */
  async destroy(): Promise<void> {
    const core = this.#core;
    core.closed = true;
    core.bridge?.destroy();
    await Promise.all(core.all.map((t) => t.terminate()));
    await core.removeTaskDirs();
  }
}
