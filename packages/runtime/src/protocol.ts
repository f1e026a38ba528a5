// Control plane between the main thread and each cluster thread: a comlink-exposed `ThreadApi` on a
// dedicated MessagePort (comlink gives typed request/response with ids and error transport, so this
// package does not grow its own RPC), plus one-way events on the worker's parentPort.
import type { ThreadCode } from './thread-code.ts';
import type { MessagePort } from 'node:worker_threads';
import type { CommStats } from './comm.ts';
import type { ErrorInfo } from './errors.ts';
import type { EndpointId } from './link.ts';
import type { SpuThreadConfig } from './spu-backend.ts';

export type Role = 'party' | 'rank' | 'dealer';

export interface ThreadInit {
  readonly role: Role;
  readonly endpoint: EndpointId;
  /** Name used in errors and logs: the party name, `spu:rank<i>` or `spu:dealer`. */
  readonly label: string;
  readonly party: string | null;
  readonly rank: number | null;
  readonly parties: readonly string[];
  readonly worldSize: number;
  readonly spu: SpuThreadConfig | null;
  readonly spuBackend: string | null;
  /** SPU rank/dealer threads: threads for large kernels (this one + helpers); 1 = none. */
  readonly kernelThreads?: number;
  /** SPU rank/dealer threads: the dealer may reuse released answers (ClusterOptions.spuReuseAnswers). */
  readonly reuseAnswers?: boolean;
  readonly modules: readonly string[];
  /**
   * Where this thread's pinned file opens may lead (`@sfw/data` confinePinnedOpens): the real data
   * root of its party (a party thread, or the SPU rank the party hosts); none for the dealer. Absent:
   * the cluster was started without `fileRoots`, the thread is not confined.
   */
  readonly files?: ThreadFiles;
  readonly control: MessagePort;
  readonly peers: Readonly<Record<EndpointId, MessagePort>>;
  /** Peers on other hosts (party mode): the ports lead to the network bridge in the main thread. */
  readonly remotePeers?: readonly EndpointId[];
  /** For the TypeScript bootstrap: the thread entry module to import after registering tsx. */
  readonly entry?: string;
  /** For thread/start.cjs: the bundle to compile (taken out before the thread starts). */
  readonly code?: ThreadCode;
}

/** A thread's file confinement (the shape `@sfw/data`'s PinnedConfinement reads). */
export interface ThreadFiles {
  readonly roots: readonly string[];
  readonly refuseHardLinkedReads: boolean;
}

/** An argument of `pyu.call`: an inline structured-clone value or a reference to a local object. */
export type ArgSpec = { readonly v: unknown } | { readonly ref: number };

export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

export interface ShareMeta {
  readonly shape: readonly number[];
}

export interface RunReply {
  readonly stats: CommStats;
  /** Messages sent to each destination rank (index worldSize = dealer). */
  readonly sentTo: readonly number[];
  readonly shapes: ReadonlyArray<readonly number[]>;
}

export interface ThreadState {
  readonly objects: number;
  readonly pendingFrames: number;
  readonly taskDir: string | null;
  readonly epoch: number;
}

export interface ThreadApi {
  /** The functions registered so far; `deferred`: linked modules loaded on first use. */
  ready(): Promise<Reply<{ pyu: string[]; spu: string[]; deferred: string[] }>>;
  beginTask(epoch: number, taskId: string): Promise<Reply<void>>;
  endTask(epoch: number): Promise<Reply<void>>;
  abortTask(): void;
  state(): ThreadState;
  // party
  call(id: number, fn: string, args: ArgSpec[]): Promise<Reply<void>>;
  fetch(id: number): Promise<Reply<unknown>>;
  sendTo(id: number, party: string, newId: number): Promise<Reply<void>>;
  recvFrom(party: string, newId: number): Promise<Reply<void>>;
  share(id: number, newId: number): Promise<Reply<ShareMeta>>;
  placePrivate(id: number, newId: number): Promise<Reply<ShareMeta>>;
  collect(newId: number): Promise<Reply<void>>;
  // rank
  recvShare(party: string, id: number): Promise<Reply<ShareMeta>>;
  recvPrivate(party: string, owner: number, id: number): Promise<Reply<ShareMeta>>;
  run(runId: number, fn: string, inputs: number[], pub: unknown, outputs: number[], privates?: number[]): Promise<Reply<RunReply>>;
  revealTo(id: number, party: string, newId: number): Promise<Reply<void>>;
  getShare(id: number): Promise<Reply<{ share: Uint8Array; shape: readonly number[] }>>;
  abortRun(runId: number): void;
  // dealer
  serve(runId: number): Promise<Reply<RunReply>>;
  stopServe(runId: number): void;
}

/** One-way thread -> main events on parentPort. */
export type ThreadEvent =
  | { readonly type: 'progress'; readonly epoch: number; readonly party: string; readonly fn: string; readonly fraction: number; readonly message?: string }
  | { readonly type: 'taskDir'; readonly path: string }
  /** A security warning from the SPU backend (e.g. TFP in use); never contains data. */
  | { readonly type: 'warning'; readonly device: string; readonly message: string }
  /** V8 code cache of the thread bundle, made by a thread that started without one (thread/start.cjs). */
  | { readonly type: 'codeCache'; readonly filename: string; readonly data: Uint8Array };
