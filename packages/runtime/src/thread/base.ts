// State shared by every kind of cluster thread: its identity, router, function registry, SPU backend,
// object store and the per-task scope (epoch, abort signal) that `endTask` wipes.
import { parentPort } from 'node:worker_threads';
import { wipeRingScratch } from '@sfw/ring';
import { codedError, toErrorInfo } from '../errors.ts';
import type { Registry } from '../module.ts';
import type { Reply, ThreadEvent, ThreadInit, ThreadState } from '../protocol.ts';
import type { Router } from '../router.ts';
import type { SpuBackend, SpuConfig } from '../spu-backend.ts';
import { ObjectStore } from './store.ts';

/** Settle `p` into a Reply (errors become sanitized ErrorInfo attributed to `label`/`fn`). */
export function reply<T>(p: Promise<T>, label: string, fn: string): Promise<Reply<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, error: toErrorInfo(err, label, fn) }),
  );
}

export abstract class ThreadBase {
  readonly store: ObjectStore<unknown>;
  taskId = '';
  #abort = new AbortController();

  constructor(
    readonly init: ThreadInit,
    readonly router: Router,
    readonly registry: Registry,
    readonly backend: SpuBackend | null,
  ) {
    this.store = new ObjectStore(init.label);
  }

  get label(): string {
    return this.init.label;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The SPU config with a warning sink that forwards to the driver (callbacks cannot cross threads). */
  get spuConfig(): SpuConfig | null {
    const cfg = this.init.spu;
    if (!cfg) return null;
    const device = this.label;
    return {
      ...cfg,
      onWarning: (message: string) => {
        const ev: ThreadEvent = { type: 'warning', device, message };
        parentPort?.postMessage(ev);
      },
    };
  }

  requireSpu(): SpuBackend {
    if (!this.backend || !this.init.spu) throw codedError('BAD_VALUE', 'this cluster was started without an SPU');
    return this.backend;
  }

  beginTask(epoch: number, taskId: string): Promise<Reply<void>> {
    this.#wipe(epoch);
    this.taskId = taskId;
    this.onBeginTask();
    return Promise.resolve({ ok: true, value: undefined });
  }

  endTask(epoch: number): Promise<Reply<void>> {
    // Everything this thread sent during the task precedes this mark on each link to another host.
    this.router.link.flush?.(this.router.epoch);
    try {
      this.onEndTask();
    } finally {
      this.#wipe(epoch);
      this.taskId = '';
    }
    return Promise.resolve({ ok: true, value: undefined });
  }

  /** Soft time limit: fire the task signal; functions that honour it stop, their objects fail. */
  abortTask(): void {
    this.#abort.abort(codedError('ABORTED', 'task aborted'));
  }

  state(): ThreadState {
    return { objects: this.store.size, pendingFrames: this.router.pending, taskDir: this.taskDirPath(), epoch: this.router.epoch };
  }

  #wipe(epoch: number): void {
    this.#abort.abort(codedError('TASK_ENDED', 'task ended'));
    this.#abort = new AbortController();
    this.store.clear();
    // The ring kernels' WASM scratch memory still holds the last operands, which are shares.
    wipeRingScratch();
    this.router.reset(epoch);
    this.onWipe();
  }

  protected onBeginTask(): void {}
  protected onEndTask(): void {}
  protected onWipe(): void {}
  protected taskDirPath(): string | null {
    return null;
  }
}
