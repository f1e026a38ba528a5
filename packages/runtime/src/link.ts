// The data plane between endpoints (party threads, SPU ranks, the dealer). Protocol code never sees a
// transport: it talks to a Router (tags, epochs, waiting), and the Router talks to a Link (deliver a
// frame to a named peer, FIFO per pair). The Link is a MessagePort per peer pair; in party mode the
// port to a peer on another host leads to the main thread's network bridge, which forwards the frames
// over mutually authenticated TLS (src/net/, docs/runtime.md "Party mode").
import type { MessagePort } from 'node:worker_threads';
import type { ErrorInfo } from './errors.ts';

/** Endpoint ids: `party:<name>`, `rank:<i>`, `dealer`. */
export type EndpointId = string;

export const partyEndpoint = (party: string): EndpointId => `party:${party}`;
export const rankEndpoint = (rank: number): EndpointId => `rank:${rank}`;
export const DEALER_ENDPOINT: EndpointId = 'dealer';
/** The job driver of one party (party mode: drivers exchange what `obj.get()` reveals). */
export const driverEndpoint = (party: string): EndpointId => `driver:${party}`;

/**
 * Link-control tags (never used by protocol code). PEER_DOWN: an `error` frame the network bridge puts
 * into a thread's mailbox when the host of that peer left the task; every wait on the peer fails with
 * it. FLUSH: a thread's last frame of a task on a link to another host, so the bridge knows everything
 * the thread sent has been forwarded before it ends the task's links.
 */
export const PEER_DOWN_TAG = '\u0000down';
export const FLUSH_TAG = '\u0000flush';

/**
 * One message on a link. `tag` names the conversation (a share transfer, an SPU run, a PSI session)
 * so that concurrent operations between the same two endpoints never consume each other's messages;
 * `epoch` is the task generation, so frames of an ended task are dropped on arrival.
 */
export type Frame =
  | { readonly tag: string; readonly epoch: number; readonly kind: 'bytes'; readonly payload: Uint8Array }
  | { readonly tag: string; readonly epoch: number; readonly kind: 'value'; readonly payload: unknown }
  | { readonly tag: string; readonly epoch: number; readonly kind: 'error'; readonly payload: ErrorInfo };

export interface LinkStats {
  bytesSent: number;
  bytesRecv: number;
  messagesSent: number;
  messagesRecv: number;
}

export const emptyStats = (): LinkStats => ({ bytesSent: 0, bytesRecv: 0, messagesSent: 0, messagesRecv: 0 });

/**
 * Transport to a fixed set of peers. `send` must preserve order per peer and may take ownership of a
 * `bytes` payload's buffer. `'value'` payloads are structured-clone values (a network link encodes them
 * with `v8.serialize`, which is the same algorithm).
 */
export interface Link {
  readonly self: EndpointId;
  readonly peers: readonly EndpointId[];
  readonly stats: LinkStats;
  send(peer: EndpointId, frame: Frame): void;
  /** Register the single consumer of incoming frames. */
  onFrame(handler: (from: EndpointId, frame: Frame) => void): void;
  /** End of a task: mark every link that leaves this host (network bridge; no-op in-process). */
  flush?(epoch: number): void;
  /**
   * True when a view of a SharedArrayBuffer sent to `peer` arrives as the very same memory (a thread
   * of this process, see transferable); false or absent: it arrives as a copy (another host).
   */
  sharesMemoryWith?(peer: EndpointId): boolean;
  close(): void;
}

/**
 * The ArrayBuffer to transfer for `bytes`, copying first when the view does not own its whole buffer
 * (structured clone would copy the whole backing buffer; transferring it would detach other views,
 * e.g. Node's pooled Buffers).
 */
export function transferable(bytes: Uint8Array): { view: Uint8Array; transfer: ArrayBuffer[] } {
  const buf = bytes.buffer;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength;
  if (buf instanceof ArrayBuffer && whole) return { view: bytes, transfer: [buf] };
  // Shared memory (kernel threads' pooled buffers, the dealer's reused answers; docs/runtime.md) is
  // handed over, not copied, whole or as a view into a larger buffer (structured clone shares a
  // SharedArrayBuffer, it never copies one): the sender never touches the sent bytes again (the SPU
  // Comm contract), exactly as after a transfer, and a receiver in this process sees the same memory
  // (Comm.sharesSharedMemory: the dealer reuses an answer rank 0 has released).
  if (buf instanceof SharedArrayBuffer) return { view: bytes, transfer: [] };
  const copy = bytes.slice();
  return { view: copy, transfer: [copy.buffer] };
}

/** In-process Link: one MessagePort per peer (the main thread builds the mesh and transfers the ports). */
export class MessagePortLink implements Link {
  readonly stats: LinkStats = emptyStats();
  readonly peers: readonly EndpointId[];
  readonly #ports: ReadonlyMap<EndpointId, MessagePort>;
  #handler: ((from: EndpointId, frame: Frame) => void) | undefined;

  constructor(
    readonly self: EndpointId,
    ports: Readonly<Record<EndpointId, MessagePort>>,
    /** Peers on other hosts: their port leads to the network bridge. */
    private readonly remote: readonly EndpointId[] = [],
  ) {
    this.#ports = new Map(Object.entries(ports));
    this.peers = [...this.#ports.keys()];
    for (const [peer, port] of this.#ports) {
      port.on('message', (frame: Frame) => {
        this.stats.messagesRecv += 1;
        if (frame.kind === 'bytes') this.stats.bytesRecv += frame.payload.byteLength;
        this.#handler?.(peer, frame);
      });
      // Idle ports must not keep a thread alive; termination closes them anyway.
      port.unref();
    }
  }

  send(peer: EndpointId, frame: Frame): void {
    const port = this.#ports.get(peer);
    if (!port) throw new Error(`no link from ${this.self} to ${peer}`);
    this.stats.messagesSent += 1;
    if (frame.kind === 'bytes') {
      const { view, transfer } = transferable(frame.payload);
      this.stats.bytesSent += view.byteLength;
      port.postMessage({ ...frame, payload: view }, transfer);
    } else {
      port.postMessage(frame);
    }
  }

  onFrame(handler: (from: EndpointId, frame: Frame) => void): void {
    this.#handler = handler;
  }

  sharesMemoryWith(peer: EndpointId): boolean {
    return this.#ports.has(peer) && !this.remote.includes(peer);
  }

  flush(epoch: number): void {
    for (const peer of this.remote) this.#ports.get(peer)?.postMessage({ tag: FLUSH_TAG, epoch, kind: 'value', payload: null } satisfies Frame);
  }

  close(): void {
    for (const port of this.#ports.values()) port.close();
  }
}
