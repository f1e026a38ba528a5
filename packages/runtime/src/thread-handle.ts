// Main-thread side of one cluster thread: the Worker, its comlink proxy, and crash detection. Every
// request races the thread's death, so a crash rejects the pending operations with a DeviceError that
// names the thread and the function instead of leaving promises hanging.
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { wrap, type Remote } from 'comlink';
import { portEndpoint } from './comlink-port.ts';
import { DeviceError, sanitizeMessage, toErrorInfo, type ErrorInfo } from './errors.ts';
import type { Reply, ThreadApi, ThreadEvent, ThreadInit } from './protocol.ts';

export interface SpawnSpec {
  readonly script: URL;
  readonly execArgv: string[];
  readonly resourceLimits?: ResourceLimits;
  readonly init: Omit<ThreadInit, 'control'>;
  readonly onEvent: (ev: ThreadEvent) => void;
  readonly onDeath: (info: ErrorInfo) => void;
}

export class ThreadHandle {
  readonly label: string;
  readonly api: Remote<ThreadApi>;
  readonly #worker: Worker;
  readonly #control: MessagePort;
  #death: ErrorInfo | null = null;
  /** Functions running on this thread now, so a crash can name what it interrupted. */
  readonly #inflight = new Map<string, number>();
  #expectExit = false;
  readonly #died: Promise<ErrorInfo>;
  readonly exited: Promise<void>;

  constructor(spec: SpawnSpec) {
    this.label = spec.init.label;
    const { port1, port2 } = new MessageChannel();
    this.#control = port1;
    const peers = Object.values(spec.init.peers);
    this.#worker = new Worker(spec.script, {
      workerData: { ...spec.init, control: port2 },
      transferList: [port2, ...peers],
      execArgv: spec.execArgv,
      ...(spec.resourceLimits === undefined ? {} : { resourceLimits: spec.resourceLimits }),
      name: `sfw:${this.label}`,
    });
    this.api = wrap<ThreadApi>(portEndpoint(port1));
    let markDead!: (info: ErrorInfo) => void;
    this.#died = new Promise((resolve) => (markDead = resolve));
    const die = (info: ErrorInfo): void => {
      if (this.#death) return;
      if ((info.code === 'THREAD_CRASHED' || info.code === 'RESOURCE_LIMIT') && this.#inflight.size > 0) info = { ...info, fn: [...this.#inflight.keys()].join(', ') };
      this.#death = info;
      markDead(info);
      spec.onDeath(info);
    };
    this.#worker.on('message', (ev: ThreadEvent) => spec.onEvent(ev));
    this.#worker.on('error', (err: Error) => {
      // Node ends a thread that overruns its resourceLimits with ERR_WORKER_OUT_OF_MEMORY.
      if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        die({ code: 'RESOURCE_LIMIT', device: this.label, fn: 'thread', errorName: 'ERR_WORKER_OUT_OF_MEMORY', message: 'the thread ran out of its memory limit' });
        return;
      }
      die({ code: 'THREAD_CRASHED', device: this.label, fn: 'thread', errorName: err.name, message: `uncaught: ${sanitizeMessage(err.message)}` });
    });
    this.exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        const why = this.#expectExit ? 'cluster shut down' : `thread exited with code ${code}`;
        die({ code: this.#expectExit ? 'ABORTED' : 'THREAD_CRASHED', device: this.label, fn: 'thread', errorName: 'Error', message: why });
        resolve();
      });
    });
  }

  get dead(): boolean {
    return this.#death !== null;
  }

  /** Run one request; a thread-side failure or the thread's death becomes a DeviceError naming `fn`. */
  async request<T>(fn: string, op: (api: Remote<ThreadApi>) => Promise<Reply<T>>): Promise<T> {
    if (this.#death) throw new DeviceError({ ...this.#death, fn });
    this.#inflight.set(fn, (this.#inflight.get(fn) ?? 0) + 1);
    // A request that cannot be posted or answered (e.g. an argument or a result that structured clone
    // refuses) fails as a DeviceError of this thread and function, like any other failure.
    const answered = op(this.api).then(
      (r) => ({ r }),
      (err: unknown) => ({ r: { ok: false as const, error: toErrorInfo(err, this.label, fn, 'BAD_VALUE') } }),
    );
    answered.catch(() => undefined); // if the death wins the race, a late rejection is not unhandled
    const outcome = await Promise.race([answered, this.#died.then((d) => ({ d }))]).finally(() => {
      const n = (this.#inflight.get(fn) ?? 1) - 1;
      if (n > 0) this.#inflight.set(fn, n);
      else this.#inflight.delete(fn);
    });
    if ('d' in outcome) throw new DeviceError({ ...outcome.d, fn });
    if (!outcome.r.ok) throw new DeviceError(outcome.r.error);
    return outcome.r.value;
  }

  /** Fire-and-forget notification (abort signals); a dead thread is ignored. */
  notify(op: (api: Remote<ThreadApi>) => Promise<unknown>): void {
    if (this.#death) return;
    op(this.api).catch(() => undefined);
  }

  async terminate(): Promise<void> {
    this.#expectExit = true;
    this.#control.close();
    await this.#worker.terminate();
    await this.exited;
  }
}
