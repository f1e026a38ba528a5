// Joins a cluster's local threads to the hosts of their remote peers. Each thread keeps talking to a
// MessagePort per peer (its code is the same as in-process); for a peer on another host the other
// end of that port is held here, and frames are forwarded over the task's Session. Inbound frames are
// checked (the sending host must own the `from` endpoint, the `to` endpoint must be local) and stamped
// with the local task epoch, since each host numbers its own tasks.
import type { MessagePort } from 'node:worker_threads';
import type { ErrorInfo } from '../errors.ts';
import { emptyStats, FLUSH_TAG, PEER_DOWN_TAG, transferable, type EndpointId, type Frame, type Link, type LinkStats } from '../link.ts';
import { LinkError, type Gateway, type Session } from './gateway.ts';

export interface BridgePort {
  readonly local: EndpointId;
  readonly remote: EndpointId;
  readonly port: MessagePort;
}

export interface BridgePlan {
  readonly parties: readonly string[];
  readonly hostOf: (e: EndpointId) => string;
  readonly ports: readonly BridgePort[];
  /** This host's driver endpoint and the remote drivers it exchanges revealed values with. */
  readonly driver: EndpointId | null;
  readonly remoteDrivers: readonly EndpointId[];
  /** Public task parameters sent in HELLO (the dealer needs parties and SPU settings). */
  readonly info: unknown;
}

const pairKey = (local: EndpointId, remote: EndpointId): string => `${local}\u0000${remote}`;

export class NetBridge {
  readonly #gateway: Gateway;
  readonly #plan: BridgePlan;
  readonly #ports = new Map<string, BridgePort>();
  readonly #hosts: string[];
  #session: Session | null = null;
  #epoch = 0;
  #flushed = new Set<string>();
  #flushWaiter: (() => void) | null = null;
  #driverHandler: ((from: EndpointId, frame: Frame) => void) | null = null;
  /** A peer host left the current task (cleanly or not). */
  onHostDown: ((host: string, clean: boolean) => void) | null = null;
  /** Called for every inbound frame before delivery (the dealer service starts runs on demand). */
  onInbound: ((to: EndpointId, from: EndpointId, tag: string) => void) | null = null;
  readonly driverLink: Link | null;

  constructor(gateway: Gateway, plan: BridgePlan) {
    this.#gateway = gateway;
    this.#plan = plan;
    const hosts = new Set<string>();
    for (const p of plan.ports) {
      this.#ports.set(pairKey(p.local, p.remote), p);
      hosts.add(plan.hostOf(p.remote));
      p.port.on('message', (frame: Frame) => this.#outbound(p, frame));
      p.port.unref();
    }
    for (const d of plan.remoteDrivers) hosts.add(plan.hostOf(d));
    this.#hosts = [...hosts].sort();
    this.driverLink = plan.driver === null ? null : this.#makeDriverLink(plan.driver);
  }

  /** Hosts this cluster links to. */
  get hosts(): readonly string[] {
    return this.#hosts;
  }

  get session(): Session | null {
    return this.#session;
  }

  /** Rendezvous with every remote host for `task`; frames then flow stamped with `epoch`. */
  async open(task: string, epoch: number): Promise<void> {
    this.#session?.destroy('superseded');
    this.#session = null;
    this.#epoch = epoch;
    this.#flushed = new Set();
    const session = await this.#gateway.open(task, this.#hosts, this.#plan.parties, this.#plan.info);
    this.#session = session;
    session.attach(
      (host, d) => this.#inbound(host, d.from, d.to, d.frame),
      (host, reason, clean) => {
        this.#down(host, clean ? `${host} ended the task` : `link to ${host} lost: ${reason}`);
        this.onHostDown?.(host, clean);
      },
    );
  }

  /**
   * End the task's links after every local thread's last frame went out (bounded by `waitMs`: a
   * thread that died sends no mark). The peers see END: a clean exit, not a lost link.
   */
  async close(waitMs = 5000): Promise<void> {
    const session = this.#session;
    if (!session) return;
    if (this.#flushed.size < this.#ports.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => (this.#flushWaiter = r)),
        new Promise<void>((r) => (timer = setTimeout(r, waitMs))),
      ]);
      clearTimeout(timer);
      this.#flushWaiter = null;
    }
    session.close();
    this.#session = null;
  }

  /** Abort the task's links at once (the cluster is being destroyed). */
  destroy(): void {
    this.#session?.destroy('cluster destroyed');
    this.#session = null;
    for (const p of this.#ports.values()) p.port.close();
  }

  #outbound(p: BridgePort, frame: Frame): void {
    if (frame.tag === FLUSH_TAG) {
      this.#flushed.add(pairKey(p.local, p.remote));
      if (this.#flushed.size >= this.#ports.size) this.#flushWaiter?.();
      return;
    }
    // Frames of a task whose links are closed are dropped (their task has ended here).
    this.#session?.send(this.#plan.hostOf(p.remote), { from: p.local, to: p.remote, frame });
  }

  #inbound(host: string, from: EndpointId, to: EndpointId, frame: Frame): void {
    // A host may only speak for its own endpoints, and only to endpoints of this host.
    if (this.#plan.hostOf(from) !== host || frame.tag === PEER_DOWN_TAG || frame.tag === FLUSH_TAG) return;
    this.onInbound?.(to, from, frame.tag);
    const stamped = { ...frame, epoch: this.#epoch } as Frame;
    if (to === this.#plan.driver) {
      this.#driverHandler?.(from, stamped);
      return;
    }
    const p = this.#ports.get(pairKey(to, from));
    if (!p) return;
    if (stamped.kind === 'bytes') {
      const { view, transfer } = transferable(stamped.payload);
      p.port.postMessage({ ...stamped, payload: view }, transfer);
    } else {
      p.port.postMessage(stamped);
    }
  }

  #down(host: string, message: string): void {
    const info: ErrorInfo = { code: 'PEER_LOST', device: host, fn: 'link', errorName: 'LinkError', message };
    const frame: Frame = { tag: PEER_DOWN_TAG, epoch: this.#epoch, kind: 'error', payload: info };
    for (const p of this.#ports.values()) if (this.#plan.hostOf(p.remote) === host) p.port.postMessage(frame);
    for (const d of this.#plan.remoteDrivers) if (this.#plan.hostOf(d) === host) this.#driverHandler?.(d, frame);
  }

  #makeDriverLink(self: EndpointId): Link {
    const stats: LinkStats = emptyStats();
    const peers = this.#plan.remoteDrivers;
    const send = (peer: EndpointId, frame: Frame): void => {
      stats.messagesSent += 1;
      if (frame.kind === 'bytes') stats.bytesSent += frame.payload.byteLength;
      this.#session?.send(this.#plan.hostOf(peer), { from: self, to: peer, frame });
    };
    return {
      self,
      peers,
      stats,
      send,
      onFrame: (handler) => {
        this.#driverHandler = (from, frame) => {
          stats.messagesRecv += 1;
          if (frame.kind === 'bytes') stats.bytesRecv += frame.payload.byteLength;
          handler(from, frame);
        };
      },
      close: () => undefined,
    };
  }
}

export { LinkError };
