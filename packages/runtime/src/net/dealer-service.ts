// The TTP dealer as a service on its own host (`sfw dealer`). Parties dial it per task; once every
// party of the task has linked (HELLO names the task, its parties and public SPU settings), it starts
// a dealer-only cluster for that task and serves each SPU run when the ranks' first frames arrive.
// It never receives party data or shares: only the ranks' PRG seeds and correlation requests (kinds
// and public shapes). Trust assumption (docs/deployment.md): it must not collude with any party, since
// with a party's view the seeds reveal that party's peer's masked values.
import { Cluster } from '../cluster.ts';
import { DEALER_ENDPOINT } from '../link.ts';
import { Gateway, type GatewayOptions, type Hello } from './gateway.ts';

export interface DealerServiceOptions extends Omit<GatewayOptions, 'onHello'> {
  /** Upper bound for starting a task's dealer thread. */
  readonly startTimeoutMs?: number | undefined;
  /** Task-level events for the log (never data). */
  readonly onTask?: ((event: 'start' | 'end' | 'fail', fields: Record<string, unknown>) => void) | undefined;
}

interface TaskInfo {
  readonly parties: string[];
  readonly spu: { protocol: 'SEMI2K' | 'REF2K'; field: 'FM64' | 'FM128'; fxpFractionBits: number; beaverType: 'TTP' | 'TFP' };
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The public task parameters a party sends in HELLO, checked (they come from the network). */
function parseInfo(info: unknown): TaskInfo | null {
  if (typeof info !== 'object' || info === null) return null;
  const { parties, spu } = info as { parties?: unknown; spu?: unknown };
  if (!Array.isArray(parties) || parties.length < 2 || parties.length > 16 || !parties.every((p) => typeof p === 'string' && NAME.test(p))) return null;
  if (typeof spu !== 'object' || spu === null) return null;
  const s = spu as Record<string, unknown>;
  if (s['protocol'] !== 'SEMI2K' || s['beaverType'] !== 'TTP') return null; // only SEMI2K/TTP uses a dealer
  if (s['field'] !== 'FM64' && s['field'] !== 'FM128') return null;
  const bits = s['fxpFractionBits'];
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > 60) return null;
  return { parties: [...(parties as string[])].sort(), spu: { protocol: 'SEMI2K', field: s['field'], fxpFractionBits: bits, beaverType: 'TTP' } };
}

export class DealerService {
  readonly #tasks = new Map<string, Promise<void>>();
  readonly #clusters = new Set<Cluster>();
  #gateway!: Gateway;

  private constructor(readonly opts: DealerServiceOptions) {}

  static async start(opts: DealerServiceOptions): Promise<DealerService> {
    const svc = new DealerService(opts);
    svc.#gateway = await Gateway.start({ ...opts, onHello: (h) => svc.#onHello(h) });
    return svc;
  }

  get port(): number {
    return this.#gateway.port;
  }

  /** Tasks being served now. */
  get active(): number {
    return this.#tasks.size;
  }

  #onHello(hello: Hello): void {
    const active = this.#tasks.get(hello.task);
    if (active) {
      // A retry of a task whose previous attempt is still winding down here: serve it once that ends
      // (if the party is still waiting).
      void active.then(() => {
        if (!this.#tasks.has(hello.task) && this.#gateway.hasPending(hello.task, hello.from)) this.#onHello(hello);
      });
      return;
    }
    const info = parseInfo(hello.info);
    if (!info || !info.parties.includes(hello.from) || !info.parties.every((p) => this.#gateway.knows(p))) {
      this.opts.onTask?.('fail', { task: hello.task, reason: 'bad task parameters in hello' });
      return;
    }
    const run = this.#serve(hello.task, info).catch((err: unknown) => {
      this.opts.onTask?.('fail', { task: hello.task, reason: err instanceof Error ? err.message : 'error' });
    }).finally(() => this.#tasks.delete(hello.task));
    this.#tasks.set(hello.task, run);
  }

  async #serve(task: string, info: TaskInfo): Promise<void> {
    const cluster = await Cluster.start({
      parties: info.parties,
      spu: info.spu,
      network: { gateway: this.#gateway, self: this.opts.self, dealerHost: this.opts.self },
      startTimeoutMs: this.opts.startTimeoutMs,
    });
    this.#clusters.add(cluster);
    try {
      const bridge = cluster.bridge!;
      const served = new Set<string>();
      bridge.onInbound = (to, _from, tag) => {
        if (to !== DEALER_ENDPOINT || !tag.startsWith('run:') || served.has(tag)) return;
        served.add(tag);
        const runId = Number(tag.slice(4));
        if (Number.isSafeInteger(runId)) void cluster.serveRun(runId);
      };
      let finished!: () => void;
      const over = new Promise<void>((r) => (finished = r));
      // The task is over here when any party leaves it (cleanly or not).
      bridge.onHostDown = () => finished();
      await cluster.beginTask(task);
      this.opts.onTask?.('start', { task, parties: info.parties });
      await over;
      await cluster.endTask();
      this.opts.onTask?.('end', { task, runs: served.size });
    } finally {
      this.#clusters.delete(cluster);
      await cluster.destroy();
    }
  }

  async close(): Promise<void> {
    await this.#gateway.close();
    await Promise.all([...this.#clusters].map((c) => c.destroy()));
  }
}
