// Demultiplexes a Link by (peer, tag) into FIFO mailboxes that protocol code awaits. It also enforces
// the per-task reset: frames carry the task epoch, frames of another epoch are dropped, and `reset`
// rejects every waiter and forgets every queued frame, so nothing of one task is readable in the next.
import { codedError, DeviceError, type ErrorInfo } from './errors.ts';
import { PEER_DOWN_TAG, type EndpointId, type Frame, type Link } from './link.ts';

interface Waiter {
  resolve(frame: Frame): void;
  reject(err: unknown): void;
}

const key = (peer: EndpointId, tag: string): string => `${peer}\u0000${tag}`;

export class Router {
  #epoch = 0;
  readonly #queues = new Map<string, Frame[]>();
  readonly #waiters = new Map<string, Waiter[]>();
  /** Peers whose host left the task (network links): waits on them fail once their queue is read. */
  readonly #down = new Map<EndpointId, ErrorInfo>();

  constructor(readonly link: Link) {
    link.onFrame((from, frame) => this.#deliver(from, frame));
  }

  get epoch(): number {
    return this.#epoch;
  }

  // Every method takes the epoch of the operation that uses it (default: the current one). An
  // operation of an ended task that is still running sends nothing (its frames would only pile up
  // in a peer's mailbox) and cannot receive.
  #stale(epoch: number | undefined): boolean {
    return epoch !== undefined && epoch !== this.#epoch;
  }

  sendBytes(to: EndpointId, tag: string, payload: Uint8Array, epoch?: number): void {
    if (this.#stale(epoch)) return;
    this.link.send(to, { tag, epoch: this.#epoch, kind: 'bytes', payload });
  }

  sendValue(to: EndpointId, tag: string, payload: unknown, epoch?: number): void {
    if (this.#stale(epoch)) return;
    this.link.send(to, { tag, epoch: this.#epoch, kind: 'value', payload });
  }

  /** Tell a receiver that what it waits for will not come (so it fails instead of hanging). */
  sendError(to: EndpointId, tag: string, info: ErrorInfo, epoch?: number): void {
    if (this.#stale(epoch)) return;
    this.link.send(to, { tag, epoch: this.#epoch, kind: 'error', payload: info });
  }

  /** Next frame from `peer` on `tag`; an error frame rejects with the sender's DeviceError. */
  async recv(peer: EndpointId, tag: string, epoch?: number): Promise<Frame> {
    if (this.#stale(epoch)) throw codedError('TASK_ENDED', 'the task of this operation has ended');
    const k = key(peer, tag);
    const q = this.#queues.get(k);
    const down = this.#down.get(peer);
    if (down && !(q && q.length > 0)) throw new DeviceError(down);
    const frame =
      q && q.length > 0
        ? q.shift()!
        : await new Promise<Frame>((resolve, reject) => {
            const list = this.#waiters.get(k) ?? [];
            list.push({ resolve, reject });
            this.#waiters.set(k, list);
          });
    if (q && q.length === 0) this.#queues.delete(k);
    if (frame.kind === 'error') throw new DeviceError(frame.payload);
    return frame;
  }

  async recvBytes(peer: EndpointId, tag: string, epoch?: number): Promise<Uint8Array> {
    const frame = await this.recv(peer, tag, epoch);
    if (frame.kind !== 'bytes') throw new Error(`expected bytes from ${peer}`);
    return frame.payload;
  }

  async recvValue(peer: EndpointId, tag: string, epoch?: number): Promise<unknown> {
    const frame = await this.recv(peer, tag, epoch);
    return frame.payload;
  }

  /** Reject the waiters of every tag that starts with `prefix` (an aborted SPU run). */
  failTag(prefix: string, err: Error): void {
    for (const [k, list] of this.#waiters) {
      const tag = k.slice(k.indexOf('\u0000') + 1);
      if (!tag.startsWith(prefix)) continue;
      this.#waiters.delete(k);
      for (const w of list) w.reject(err);
    }
    for (const k of [...this.#queues.keys()]) {
      if (k.slice(k.indexOf('\u0000') + 1).startsWith(prefix)) this.#queues.delete(k);
    }
  }

  /** Per-task reset: new epoch, empty mailboxes, every pending recv rejected. */
  reset(epoch: number): void {
    this.#epoch = epoch;
    this.#down.clear();
    // Keep only frames already stamped with the new epoch (a peer that began the task first may have
    // sent before this thread processed its own reset).
    for (const [k, q] of this.#queues) {
      const keep = q.filter((f) => f.epoch >= epoch);
      if (keep.length > 0) this.#queues.set(k, keep);
      else this.#queues.delete(k);
    }
    const err = codedError('TASK_ENDED', 'task ended while waiting for a message');
    for (const list of this.#waiters.values()) for (const w of list) w.reject(err);
    this.#waiters.clear();
  }

  /** Number of queued, unread frames (tests check it is 0 after a reset). */
  get pending(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  #deliver(from: EndpointId, frame: Frame): void {
    if (frame.epoch < this.#epoch) return; // a late frame of an ended task: drop it unread
    if (frame.tag === PEER_DOWN_TAG && frame.kind === 'error') {
      this.#down.set(from, frame.payload);
      const prefix = key(from, '');
      for (const [k, list] of this.#waiters) {
        if (!k.startsWith(prefix)) continue;
        this.#waiters.delete(k);
        for (const w of list) w.reject(new DeviceError(frame.payload));
      }
      return;
    }
    const k = key(from, frame.tag);
    const list = this.#waiters.get(k);
    if (list && list.length > 0) {
      const w = list.shift()!;
      if (list.length === 0) this.#waiters.delete(k);
      w.resolve(frame);
      return;
    }
    const q = this.#queues.get(k);
    if (q) q.push(frame);
    else this.#queues.set(k, [frame]);
  }
}
