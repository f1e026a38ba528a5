// Rank side of the dealer protocol: hands out this rank's shares of a correlation.
// `take` MUST be called in the same program order on every rank (SpuContext serialises its
// communicating ops, so that holds for code built on it): the rank's PRG stream and the dealer's copy
// of it advance together only if both draw the same parts in the same order.
import { Prg, fromBytes, randomSeed, type FieldType, type KeyStream } from '@sfw/ring';
import type { Comm } from '../../comm.ts';
import { dealerRank } from '../../comm.ts';
import type { ResolvedSpuConfig } from '../../config.ts';
import { ADJUST_RANK, DealerCore, drawPart, partBytes } from './core.ts';
import type { CorrelationTable, Parts } from '../correlation.ts';
import { answerRelease, endMessage, isDealerError, requestMessage, sessionMessage } from './wire.ts';
import { SpuError } from '../../config.ts';
import { BufferPool, type ScratchPool } from '../../pool.ts';

export interface Correlation {
  /** Shares of the random parts (ready now). */
  readonly random: Parts;
  /** Shares of the derived parts (none of the parts in `streams`). */
  readonly derived: Promise<Parts>;
  /**
   * take(..., { streamDerived: true }) off the adjust rank: this rank's derived parts as keystreams
   * of its PRG (the bytes drawing them would give), for kernels that read them in their pass
   * (ring's block programs) instead of from an expanded tensor. They carry the rank's seed: kernel
   * operands only, never sent or logged.
   */
  readonly streams?: Readonly<Record<string, KeyStream>>;
  /**
   * take(..., { streamRandom: true }): this rank's random parts as keystreams of its PRG (the bytes
   * drawing them would give) instead of drawn tensors (`random` then holds none of them), for a
   * kernel that expands them in its own pass. Kernel operands only, like `streams`.
   */
  readonly randomStreams?: Readonly<Record<string, KeyStream>> | undefined;
  /**
   * Declares that this rank will not read the derived parts again and that no view of them
   * outlives this call (no result lives in them): the dealer may then write a later answer into
   * their memory. Optional: an unreleased answer is simply not reused.
   */
  release(): void;
}

export interface TakeOptions {
  /** Off the adjust rank, hand the derived parts out as keystreams (Correlation.streams). */
  streamDerived?: boolean;
  /**
   * Hand this rank's random parts out as keystreams (Correlation.randomStreams) instead of drawing
   * them into tensors. The PRG moves past them exactly as drawing would.
   */
  streamRandom?: boolean;
}

const noop = (): void => undefined;

export class CorrelationSource {
  readonly #field: FieldType;
  readonly #comm: Comm;
  readonly #mode: 'TTP' | 'TFP';
  readonly #prg: Prg;
  readonly #kinds: CorrelationTable;
  /** TFP on rank 0: the local dealer, available once every rank's seed has arrived. */
  #tfpChain: Promise<DealerCore> | undefined;
  #closed = false;
  /**
   * Where random parts and non-adjust derived parts are drawn: give them back with
   * `pool.give(...)` when done (optional; unreturned tensors are simply garbage collected).
   */
  readonly pool: ScratchPool;

  /**
   * Starts a session: sends this rank's fresh seed to the dealer (TTP) or to rank 0 (TFP). `kinds`
   * is the protocol's correlation table; the dealer must serve the same one.
   */
  constructor(cfg: ResolvedSpuConfig, comm: Comm, kinds: CorrelationTable, pool: ScratchPool = new BufferPool()) {
    this.pool = pool;
    this.#kinds = kinds;
    this.#field = cfg.field;
    this.#comm = comm;
    this.#mode = cfg.beaverType;
    const seed = randomSeed(); // CSPRNG; never logged, never leaves this object except to the dealer
    this.#prg = new Prg(seed);
    if (this.#mode === 'TTP') {
      comm.send(dealerRank(comm.worldSize), sessionMessage(seed));
    } else if (comm.rank !== ADJUST_RANK) {
      comm.send(ADJUST_RANK, sessionMessage(seed));
    } else {
      const peers: Promise<Uint8Array>[] = [];
      for (let j = 0; j < comm.worldSize; j++) if (j !== ADJUST_RANK) peers.push(comm.recv(j));
      this.#tfpChain = Promise.all(peers).then((msgs) => {
        const seeds: Uint8Array[] = [];
        let q = 0;
        for (let j = 0; j < comm.worldSize; j++) seeds.push(j === ADJUST_RANK ? seed : (msgs[q++]!.slice(1)));
        return new DealerCore(cfg.field, seeds, kinds, { reuseAnswers: true }); // answers stay in this thread
      });
    }
  }

  /**
   * This rank's shares of one correlation (see correlation.ts). Random parts are available at once
   * (drawn from this rank's PRG), so a kernel can start its opening before the dealer answers;
   * derived parts resolve when the dealer's correction arrives (adjust rank only; immediate elsewhere).
   */
  take(kind: string, params: unknown, opts: TakeOptions = {}): Correlation {
    if (this.#closed) throw new Error('correlation source is closed');
    const spec = this.#kinds.get(kind);
    const p = spec.parse(params);
    const adjust = this.#comm.rank === ADJUST_RANK;
    // The adjust rank asks first, then draws: a dealer on another thread or host generates while
    // this rank expands its own parts (the request does not depend on them).
    let bytes: Promise<Uint8Array> | undefined;
    if (adjust && this.#mode === 'TTP') {
      const dealer = dealerRank(this.#comm.worldSize);
      this.#comm.send(dealer, requestMessage(kind, params));
      bytes = this.#comm.recv(dealer);
    }
    const random: Parts = {};
    const mine = spec.random(p, this.#field).filter((part) => part.drawnBy === undefined || part.drawnBy === this.#comm.rank);
    let randomStreams: Record<string, KeyStream> | undefined;
    if (opts.streamRandom === true) {
      // The same stream positions the draws below would take, one after another.
      const ks = this.#prg.streams(mine.map(partBytes));
      randomStreams = {};
      for (const [i, part] of mine.entries()) randomStreams[part.name] = ks[i]!;
    } else for (const part of mine) random[part.name] = drawPart(this.#prg, part, this.pool);
    const derived = spec.derived(p, this.#field);
    const out: Parts = {};
    if (!adjust) {
      if (opts.streamDerived === true) {
        const ks = this.#prg.streams(derived.map(partBytes));
        const streams: Record<string, KeyStream> = {};
        derived.forEach((part, i) => (streams[part.name] = ks[i]!));
        return { random, randomStreams, derived: Promise.resolve(out), streams, release: noop };
      }
      for (const part of derived) out[part.name] = drawPart(this.#prg, part, this.pool);
      return { random, randomStreams, derived: Promise.resolve(out), release: noop };
    }
    if (bytes === undefined) {
      const chain = this.#tfpChain!;
      bytes = chain.then((core) => core.generate(kind, params));
      this.#tfpChain = chain; // generation is synchronous per call, so order is the call order
    }
    let release: (() => void) | undefined;
    const parsed = bytes.then((b) => {
      if (isDealerError(b)) throw new SpuError(`dealer could not serve correlation '${kind}' (is it registered in the dealer thread?)`);
      let off = 0;
      for (const part of derived) {
        const n = partBytes(part);
        out[part.name] = fromBytes(part.field, b.subarray(off, off + n), part.shape);
        off += n;
      }
      if (off !== b.byteLength) throw new Error(`dealer answer for '${kind}' has the wrong length`);
      release = answerRelease(b);
      return out;
    });
    return {
      random,
      randomStreams,
      derived: parsed,
      release: () => {
        release?.();
        release = undefined;
      },
    };
  }

  /** take() with both halves merged, for kernels that need everything before they start. */
  async takeAll(kind: string, params: unknown): Promise<Parts> {
    const c = this.take(kind, params);
    return { ...c.random, ...(await c.derived) };
  }

  /** Ends the session at the dealer (TTP). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#mode === 'TTP' && this.#comm.rank === ADJUST_RANK) this.#comm.send(dealerRank(this.#comm.worldSize), endMessage());
  }
}
