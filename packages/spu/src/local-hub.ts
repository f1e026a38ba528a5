// LocalHub: an in-memory Comm for N SPU ranks plus the dealer inside ONE thread (promises only).
// Used by unit tests, the conformance suite and the single-thread bench. Besides the per-endpoint
// CommStats it keeps a per-(from, to) traffic matrix and a Lamport-style round counter, so tests can
// compare what a kernel claims to cost (kernels/cost.ts) with what actually crossed the wire.
//
// Rounds: every message carries its sender's clock; a receiver's clock becomes
// max(own, stamp + 1). Sending in parallel then receiving is one round; a reply to a reply is two.
// Messages to or from the dealer do not advance clocks: dealer traffic is preprocessing (it does not
// depend on data and can be prefetched), and the kernels overlap it with their online opening.
import { emptyStats, type Comm, type CommStats } from './comm.ts';

interface Envelope {
  data: Uint8Array;
  stamp: number;
}

class Channel {
  readonly queue: Envelope[] = [];
  readonly waiters: ((e: Envelope) => void)[] = [];
}

export interface TrafficCell {
  bytes: number;
  messages: number;
}

export class LocalHub {
  readonly worldSize: number;
  readonly #channels: Channel[][];
  readonly #endpoints: LocalEndpoint[];
  readonly #traffic: TrafficCell[][];
  readonly #clocks: number[];

  constructor(worldSize: number) {
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError('LocalHub worldSize must be an integer >= 1');
    this.worldSize = worldSize;
    const n = worldSize + 1; // ranks + dealer
    this.#channels = Array.from({ length: n }, () => Array.from({ length: n }, () => new Channel()));
    this.#traffic = Array.from({ length: n }, () => Array.from({ length: n }, () => ({ bytes: 0, messages: 0 })));
    this.#clocks = new Array<number>(n).fill(0);
    this.#endpoints = Array.from({ length: n }, (_, r) => new LocalEndpoint(this, r));
  }

  /** The Comm of rank `r` (0..worldSize-1) or of the dealer (r = worldSize). */
  endpoint(r: number): Comm {
    const e = this.#endpoints[r];
    if (e === undefined) throw new RangeError(`LocalHub has no endpoint ${r}`);
    return e;
  }

  /** Bytes and messages sent from `from` to `to` since construction or the last reset. */
  traffic(from: number, to: number): TrafficCell {
    const c = this.#traffic[from]?.[to];
    if (c === undefined) throw new RangeError(`LocalHub has no pair ${from}->${to}`);
    return { ...c };
  }

  /** Communication rounds among SPU ranks since the last reset (max Lamport clock). */
  rounds(): number {
    return Math.max(...this.#clocks.slice(0, this.worldSize));
  }

  /** Zero traffic counters, clocks and every endpoint's stats (queued messages are kept). */
  resetCounters(): void {
    for (const row of this.#traffic) for (const c of row) { c.bytes = 0; c.messages = 0; }
    this.#clocks.fill(0);
    for (const e of this.#endpoints) Object.assign(e.stats, emptyStats());
  }

  /** Messages sent but not yet received, over all pairs (0 after a well-formed protocol run). */
  pending(): number {
    let p = 0;
    for (const row of this.#channels) for (const ch of row) p += ch.queue.length;
    return p;
  }

  /** @internal */
  _deliver(from: number, to: number, data: Uint8Array): void {
    const ch = this.#channels[from]?.[to];
    if (ch === undefined || from === to) throw new RangeError(`LocalHub cannot send ${from}->${to}`);
    const cell = this.#traffic[from]![to]!;
    cell.bytes += data.byteLength;
    cell.messages += 1;
    const dealer = this.worldSize;
    const stamp = from === dealer || to === dealer ? -1 : this.#clocks[from]!;
    const env: Envelope = { data, stamp };
    const w = ch.waiters.shift();
    if (w !== undefined) w(env);
    else ch.queue.push(env);
  }

  /** @internal */
  _take(from: number, to: number): Promise<Envelope> {
    const ch = this.#channels[from]?.[to];
    if (ch === undefined || from === to) return Promise.reject(new RangeError(`LocalHub cannot recv ${from}->${to}`));
    const e = ch.queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    return new Promise((resolve) => ch.waiters.push(resolve));
  }

  /** @internal */
  _tick(rank: number, stamp: number): void {
    if (stamp >= 0) this.#clocks[rank] = Math.max(this.#clocks[rank]!, stamp + 1);
  }
}

class LocalEndpoint implements Comm {
  readonly stats: CommStats = emptyStats();
  /** Messages are handed over by reference. */
  readonly sharesBuffers = true;
  readonly #hub: LocalHub;
  readonly rank: number;

  constructor(hub: LocalHub, rank: number) {
    this.#hub = hub;
    this.rank = rank;
  }

  get worldSize(): number {
    return this.#hub.worldSize;
  }

  send(to: number, data: Uint8Array): void {
    this.#hub._deliver(this.rank, to, data);
    this.stats.bytesSent += data.byteLength;
    this.stats.messagesSent += 1;
  }

  async recv(from: number): Promise<Uint8Array> {
    const env = await this.#hub._take(from, this.rank);
    this.#hub._tick(this.rank, env.stamp);
    this.stats.bytesRecv += env.data.byteLength;
    this.stats.messagesRecv += 1;
    return env.data;
  }
}
