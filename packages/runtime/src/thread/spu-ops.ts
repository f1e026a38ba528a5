// Operations of SPU rank threads and the dealer thread. Ranks hold only shares: inputs arrive from
// the owning party, programs run SPMD (every rank runs the same named program on its shares, talking
// through a per-run Comm), and outputs leave only as shares sent to the party a reveal names.
import { RunComm, runTag } from '../comm.ts';
import { codedError, toErrorInfo } from '../errors.ts';
import { partyEndpoint } from '../link.ts';
import type { Reply, RunReply, ShareMeta } from '../protocol.ts';
import { ThreadBase, reply } from './base.ts';
import { ShareCopies } from './share-copies.ts';

interface HeldShare {
  readonly share: Uint8Array;
  readonly shape: readonly number[];
}

/** A private block at this rank: the encoded values if this rank is the owner's, else none. */
interface HeldPrivate {
  readonly owner: number;
  readonly bytes: Uint8Array | null;
  readonly shape: readonly number[];
}

export class SpuOps extends ThreadBase {
  readonly #dealers = new Map<number, { stop(): void }>();
  readonly #copies = new ShareCopies({ shared: (this.init.kernelThreads ?? 1) > 1 });

  get rank(): number {
    return this.init.rank!;
  }

  #held(id: number): Promise<HeldShare> {
    return this.store.get(id) as Promise<HeldShare>;
  }

  /** Receive this rank's share of a value an owner party secret-shared (`obj.to(spu)`). */
  recvShare(party: string, id: number): Promise<Reply<ShareMeta>> {
    const from = partyEndpoint(party);
    const tag = `share:${id}`;
    const epoch = this.router.epoch;
    const p = this.store.set(id, (async (): Promise<HeldShare> => {
      const meta = (await this.router.recvValue(from, tag, epoch)) as ShareMeta;
      const share = await this.router.recvBytes(from, tag, epoch);
      return { share, shape: meta.shape };
    })(), 'to(spu)') as Promise<HeldShare>;
    return reply(p.then((h) => ({ shape: h.shape })), this.label, 'to(spu)');
  }

  /**
   * A private block placed by `party` (`placePrivate`): this rank receives the public shape, and the
   * values only if it is the party's own rank (`owner`).
   */
  recvPrivate(party: string, owner: number, id: number): Promise<Reply<ShareMeta>> {
    const from = partyEndpoint(party);
    const tag = `private:${id}`;
    const epoch = this.router.epoch;
    const p = this.store.set(id, (async (): Promise<HeldPrivate> => {
      const meta = (await this.router.recvValue(from, tag, epoch)) as ShareMeta;
      const bytes = owner === this.rank ? await this.router.recvBytes(from, tag, epoch) : null;
      return { owner, bytes, shape: meta.shape };
    })(), 'private') as Promise<HeldPrivate>;
    return reply(p.then((h) => ({ shape: h.shape })), this.label, 'private');
  }

  run(runId: number, fn: string, inputs: number[], pub: unknown, outputs: number[], privates: number[] = []): Promise<Reply<RunReply>> {
    const backend = this.backend;
    const comm = new CountingComm(this.router, this.rank, this.init.worldSize, runTag(runId), this.router.epoch, this.init.reuseAnswers === true);
    const p = (async (): Promise<HeldShare[]> => {
      if (!backend || !this.init.spu) throw codedError('BAD_VALUE', 'this cluster was started without an SPU');
      const program = this.registry.spu(fn);
      if (!program) throw codedError('UNKNOWN_FUNCTION', `no SPU program named ${fn} is registered`);
      const held = await Promise.all(inputs.map((id) => this.#held(id)));
      const heldPrivate = await Promise.all(privates.map((id) => this.store.get(id) as Promise<HeldPrivate>));
      const cfg = this.spuConfig!;
      if (heldPrivate.length > 0 && !backend.importPrivate) throw codedError('BAD_VALUE', 'this SPU backend takes no private blocks');
      const ctx = backend.createSpuContext(cfg, comm);
      try {
        // The program gets copies (it may send what it is given); see share-copies.ts.
        const copies = held.map((h) => this.#copies.copy(h.share));
        const xs = held.map((h, i) => backend.importShare(cfg, copies[i]!, h.shape));
        // Private blocks are read, never sent or written by the kernels: no copy needed.
        const priv = heldPrivate.map((h) => backend.importPrivate!(cfg, this.rank, h.owner, h.bytes, h.shape));
        const ys = await (program as (c: unknown, i: unknown[], pub: unknown, priv: unknown[]) => unknown)(ctx, xs, pub, priv);
        if (!Array.isArray(ys) || ys.length !== outputs.length) {
          throw codedError('BAD_VALUE', `program returned ${Array.isArray(ys) ? ys.length : 'no'} outputs, expected ${outputs.length}`);
        }
        const out = ys.map((y: object) => backend.exportShare(y));
        this.#copies.recycle(copies, new Set([...out.map((o) => o.share.buffer), ...comm.sentShared]));
        return out;
      } finally {
        backend.closeContext?.(ctx);
      }
    })();
    outputs.forEach((id, i) => this.store.set(id, p.then((r) => r[i]!), fn));
    return reply(
      p.then((r) => ({ stats: { ...comm.stats }, sentTo: [...comm.sentTo], shapes: r.map((h) => h.shape) })),
      this.label,
      fn,
    );
  }

  /** Another rank failed: fail this run's pending receives instead of waiting forever. */
  abortRun(runId: number): void {
    this.router.failTag(runTag(runId), codedError('ABORTED', 'SPU run aborted because another rank failed'));
  }

  /** Reveal to one party: send it this rank's share (SecretFlow SPU->PYU: each party sends its share). */
  revealTo(id: number, party: string, newId: number): Promise<Reply<void>> {
    const to = partyEndpoint(party);
    const tag = `reveal:${newId}`;
    const epoch = this.router.epoch;
    const p = this.#held(id).then(
      (h) => {
        this.router.sendValue(to, tag, { shape: h.shape }, epoch);
        this.router.sendBytes(to, tag, h.share.slice(), epoch); // keep the held share (send transfers)
      },
      (err: unknown) => {
        const info = toErrorInfo(err, this.label, 'reveal');
        this.router.sendError(to, tag, info, epoch);
        throw info;
      },
    );
    return reply(p, this.label, 'reveal');
  }

  /** Reveal to the driver (`cluster.get`): this rank's share goes back over the control port. */
  getShare(id: number): Promise<Reply<HeldShare>> {
    return reply(this.#held(id).then((h) => ({ share: h.share.slice(), shape: h.shape })), this.label, 'get');
  }

  /** Dealer: serve correlated randomness for one run until the driver stops it. */
  serve(runId: number): Promise<Reply<RunReply>> {
    const ws = this.init.worldSize;
    const comm = new CountingComm(this.router, ws, ws, runTag(runId), this.router.epoch, this.init.reuseAnswers === true);
    const p = (async (): Promise<RunReply> => {
      if (!this.backend || !this.init.spu) throw codedError('BAD_VALUE', 'this cluster was started without an SPU');
      const served = this.backend.serveDealer(this.spuConfig!, comm);
      this.#dealers.set(runId, served);
      try {
        await served.done;
      } finally {
        this.#dealers.delete(runId);
      }
      return { stats: { ...comm.stats }, sentTo: [...comm.sentTo], shapes: [] };
    })();
    return reply(p, this.label, 'dealer');
  }

  stopServe(runId: number): void {
    this.#dealers.get(runId)?.stop();
  }

  protected override onWipe(): void {
    for (const d of this.#dealers.values()) d.stop();
    this.#dealers.clear();
    // Memory kept for reuse is dropped with the task (contents are stale shares; never read).
    this.#copies.clear();
    this.backend?.releaseMemory?.();
  }
}

/** RunComm that also counts messages per destination (round counting in benchmarks and tests). */
class CountingComm extends RunComm {
  readonly sentTo: number[];
  /**
   * Shared buffers sent during the run: handed over, not detached (link.ts transferable), so the
   * run's input copies must not be recycled if they are among them.
   */
  readonly sentShared = new Set<ArrayBufferLike>();
  constructor(...args: ConstructorParameters<typeof RunComm>) {
    super(...args);
    this.sentTo = new Array<number>(this.worldSize + 1).fill(0);
  }
  override send(to: number, data: Uint8Array): void {
    super.send(to, data);
    this.sentTo[to] = (this.sentTo[to] ?? 0) + 1;
    if (data.buffer instanceof SharedArrayBuffer) this.sentShared.add(data.buffer);
  }
}
