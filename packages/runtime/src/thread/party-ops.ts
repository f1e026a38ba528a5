// Operations that run on a party (PYU) thread: registered functions, plaintext transfers, secret
// sharing of owned values (share i to SPU rank i) and reconstruction of values revealed to this party.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { p2pTag, type PyuContext } from '../context.ts';
import { codedError, toErrorInfo } from '../errors.ts';
import { partyEndpoint, rankEndpoint } from '../link.ts';
import type { ArgSpec, Reply, ShareMeta, ThreadEvent } from '../protocol.ts';
import { isRingTensor, toPlainTensor, type PlainTensor } from '../tensor.ts';
import { ThreadBase, reply } from './base.ts';

export class PartyOps extends ThreadBase {
  #taskDir: string | null = null;

  get party(): string {
    return this.init.party!;
  }

  call(id: number, fn: string, args: ArgSpec[]): Promise<Reply<void>> {
    const ctx = this.#context(fn);
    const p = this.store.set(id, (async () => {
      const f = this.registry.pyu(fn);
      if (!f) throw codedError('UNKNOWN_FUNCTION', `no PYU function named ${fn} is registered`);
      const values = await Promise.all(args.map((a) => ('ref' in a ? this.store.get(a.ref) : a.v)));
      return await (f as (ctx: PyuContext, ...a: unknown[]) => unknown)(ctx, ...values);
    })(), fn);
    return reply(p.then(() => undefined), this.label, fn);
  }

  fetch(id: number): Promise<Reply<unknown>> {
    return reply(this.store.get(id), this.label, 'get');
  }

  /** Plaintext transfer to another party (the caller made the disclosure explicit with `obj.to(pyu)`). */
  sendTo(id: number, party: string, newId: number): Promise<Reply<void>> {
    const tag = `xfer:${newId}`;
    const epoch = this.router.epoch;
    const p = this.store.get(id).then(
      (v) => this.router.sendValue(partyEndpoint(party), tag, v, epoch),
      (err: unknown) => {
        const info = toErrorInfo(err, this.label, 'to(pyu)');
        this.router.sendError(partyEndpoint(party), tag, info, epoch);
        throw info;
      },
    );
    return reply(p, this.label, 'to(pyu)');
  }

  recvFrom(party: string, newId: number): Promise<Reply<void>> {
    const p = this.store.set(newId, this.router.recvValue(partyEndpoint(party), `xfer:${newId}`), 'to(pyu)');
    return reply(p.then(() => undefined), this.label, 'to(pyu)');
  }

  /**
   * Secret-share an owned value: the SPU backend draws the shares from a CSPRNG on this thread, share i
   * goes to rank i only (SecretFlow `spu.Io.make_shares` + per-party send). No other thread ever holds
   * the plaintext.
   */
  share(id: number, newId: number): Promise<Reply<ShareMeta>> {
    const tag = `share:${newId}`;
    const epoch = this.router.epoch;
    const ranks = [...Array(this.init.worldSize).keys()].map(rankEndpoint);
    return this.#toRanks('to(spu)', tag, ranks, epoch, async () => {
      const v = await this.store.get(id);
      const backend = this.requireSpu();
      let shares: Uint8Array[];
      let shape: readonly number[];
      if (isRingTensor(v)) {
        shape = v.shape;
        shares = backend.makeShares(this.spuConfig!, v, shape, ranks.length);
      } else {
        const t = toPlainTensor(v);
        shape = t.shape;
        shares = backend.makeShares(this.spuConfig!, t.data, shape, ranks.length);
      }
      ranks.forEach((r, i) => {
        this.router.sendValue(r, tag, { shape }, epoch);
        this.router.sendBytes(r, tag, shares[i]!, epoch);
      });
      return { shape };
    });
  }

  /**
   * Place an owned 2-D value at this party's own SPU rank as a private block (`RunOptions.private`):
   * the encoded plaintext goes to that rank only; every rank (that one included) gets the public
   * shape. Nothing is secret-shared and no other thread receives the values.
   */
  placePrivate(id: number, newId: number): Promise<Reply<ShareMeta>> {
    const tag = `private:${newId}`;
    const epoch = this.router.epoch;
    const ranks = [...Array(this.init.worldSize).keys()].map(rankEndpoint);
    const own = this.init.parties.indexOf(this.party);
    return this.#toRanks('private', tag, ranks, epoch, async () => {
      if (own < 0 || own >= ranks.length) throw codedError('BAD_VALUE', `party ${this.party} hosts no SPU rank: it cannot place a private block`);
      const v = await this.store.get(id);
      const backend = this.requireSpu();
      if (!backend.encodePrivate) throw codedError('BAD_VALUE', 'this SPU backend takes no private blocks');
      const t = isRingTensor(v) ? v : toPlainTensor(v);
      const shape = t.shape;
      if (shape.length !== 2) throw codedError('BAD_VALUE', 'a private block must be a 2-D matrix');
      const bytes = backend.encodePrivate(this.spuConfig!, isRingTensor(t) ? t : t.data, shape);
      ranks.forEach((r) => this.router.sendValue(r, tag, { shape }, epoch));
      this.router.sendBytes(ranks[own]!, tag, bytes, epoch);
      return { shape };
    });
  }

  /**
   * Runs `work`, which sends to SPU ranks under `tag`. If it fails, every rank gets the error under
   * that tag instead of waiting for a value that will never come.
   */
  #toRanks(what: string, tag: string, ranks: readonly string[], epoch: number, work: () => Promise<ShareMeta>): Promise<Reply<ShareMeta>> {
    const p = (async (): Promise<ShareMeta> => {
      try {
        return await work();
      } catch (err) {
        const info = toErrorInfo(err, this.label, what);
        for (const r of ranks) this.router.sendError(r, tag, info, epoch);
        throw info;
      }
    })();
    return reply(p, this.label, what);
  }

  /** Receive every rank's share of a value revealed to this party and reconstruct it here. */
  collect(newId: number): Promise<Reply<void>> {
    const tag = `reveal:${newId}`;
    const epoch = this.router.epoch;
    const p = this.store.set(newId, (async (): Promise<PlainTensor> => {
      const parts = await Promise.all(
        [...Array(this.init.worldSize).keys()].map(async (r) => {
          const meta = (await this.router.recvValue(rankEndpoint(r), tag, epoch)) as ShareMeta;
          const share = await this.router.recvBytes(rankEndpoint(r), tag, epoch);
          return { meta, share };
        }),
      );
      const shape = parts[0]!.meta.shape;
      const data = this.requireSpu().reconstruct(this.spuConfig!, parts.map((x) => x.share), shape);
      return { data, shape };
    })(), 'reveal');
    return reply(p.then(() => undefined), this.label, 'reveal');
  }

  protected override onBeginTask(): void {
    this.#taskDir = null;
  }

  protected override onEndTask(): void {
    if (this.#taskDir) rmSync(this.#taskDir, { recursive: true, force: true });
    this.#taskDir = null;
  }

  protected override taskDirPath(): string | null {
    return this.#taskDir;
  }

  #ensureTaskDir(): string {
    if (!this.#taskDir) {
      this.#taskDir = mkdtempSync(join(tmpdir(), `sfw-${this.party.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
      const ev: ThreadEvent = { type: 'taskDir', path: this.#taskDir };
      parentPort?.postMessage(ev);
    }
    return this.#taskDir;
  }

  #context(fn: string): PyuContext {
    const epoch = this.router.epoch;
    const router = this.router;
    const party = this.party;
    // A function of an ended task may still be running (it ignored its signal): it must not touch the
    // next task's temp dir or talk into the next task's conversations.
    const live = (): void => {
      if (router.epoch !== epoch) throw codedError('TASK_ENDED', 'the task of this call has ended');
    };
    const ensureDir = (): string => {
      live();
      return this.#ensureTaskDir();
    };
    return {
      party,
      parties: this.init.parties,
      taskId: this.taskId,
      get taskDir() {
        return ensureDir();
      },
      signal: this.signal,
      progress(fraction: number, message?: string) {
        if (router.epoch !== epoch) return;
        const ev: ThreadEvent = message === undefined
          ? { type: 'progress', epoch, party, fn, fraction }
          : { type: 'progress', epoch, party, fn, fraction, message };
        parentPort?.postMessage(ev);
      },
      send(to: string, data: unknown, channel = 'default') {
        live();
        // Copy bytes: the link transfers buffers, and the caller keeps using its own.
        if (data instanceof Uint8Array) router.sendBytes(partyEndpoint(to), p2pTag(channel), data.slice(), epoch);
        else router.sendValue(partyEndpoint(to), p2pTag(channel), data, epoch);
      },
      async recv<T>(from: string, channel = 'default'): Promise<T> {
        live();
        return (await router.recvValue(partyEndpoint(from), p2pTag(channel), epoch)) as T;
      },
    };
  }
}
