// Driver-side handles. A DeviceObject/SpuObject is an id plus a completion promise; the value (or
// share) stays in the owning thread(s). Every movement says who learns what:
//   pyuObj.to(spu)      owner secret-shares; rank i receives share i only
//   pyuObj.to(otherPyu) plaintext disclosure to that one party
//   spuObj.reveal(pyu)  every rank sends its share to that party only; it reconstructs
//   spu.run(.., { private: [pyuObj] })  the owner's plaintext goes to the owner's OWN rank only
//                       (the other ranks get its shape): a private block for privateMatmul
//   obj.get()           reveal to the driver (the main thread that runs the job)
import { ClusterError, DeviceError, toErrorInfo } from './errors.ts';
import { quiet, type ClusterCore } from './core.ts';
import type { ArgSpec, RunReply, ShareMeta } from './protocol.ts';
import type { PlainTensor } from './tensor.ts';
import { driverEndpoint } from './link.ts';

// Party mode (core.self set): every party's driver runs the same calls; each performs only the parts
// its own threads take in (the other halves are done by the other drivers), and what `get()` reveals
// is sent by the owner's driver to the other drivers. Conversation tags derive from ids, which all
// drivers allocate in the same program order.
const getTag = (id: number): string => `get:${id}`;

export class Pyu {
  constructor(
    /** @internal */ readonly core: ClusterCore,
    readonly party: string,
  ) {}

  /** Schedule the registered function `fn` (`<module>.<fn>`) on this party's thread. */
  call<T = unknown>(fn: string, ...args: unknown[]): DeviceObject<T> {
    this.core.assertUsable();
    const specs: ArgSpec[] = args.map((a, i) => {
      if (a instanceof DeviceObject) {
        this.core.assertUsable(a.epoch);
        if (a.device.party !== this.party) {
          throw new ClusterError('BAD_USAGE', `argument ${i} of ${fn} is owned by ${a.device.party}; move it with obj.to(pyu) first (an explicit disclosure)`);
        }
        return { ref: a.id };
      }
      if (a instanceof SpuObject) throw new ClusterError('BAD_USAGE', `argument ${i} of ${fn} is secret; reveal it to ${this.party} first`);
      return { v: a };
    });
    const id = this.core.newId();
    if (!this.core.isLocal(this.party)) return new DeviceObject<T>(this, id, this.core.epoch, Promise.resolve());
    const t = this.core.party(this.party);
    const ready = this.core.request(t, fn, (api) => api.call(id, fn, specs));
    return new DeviceObject<T>(this, id, this.core.epoch, ready);
  }

  toString(): string {
    return `PYU(${this.party})`;
  }
}

export class DeviceObject<T = unknown> {
  /** Resolves when the value exists on its owner; rejects with the DeviceError of the first failure. */
  readonly ready: Promise<void>;

  constructor(
    readonly device: Pyu,
    readonly id: number,
    /** @internal task epoch the object belongs to */ readonly epoch: number,
    ready: Promise<void>,
  ) {
    this.ready = quiet(ready);
  }

  /** Secret-share this value into the SPU (owner makes the shares; rank i gets share i). */
  to(target: Spu): SpuObject;
  /** Send the plaintext to another party: an explicit disclosure to `target.party`. */
  to(target: Pyu): DeviceObject<T>;
  to(target: Spu | Pyu): SpuObject | DeviceObject<T> {
    const core = this.device.core;
    core.assertUsable(this.epoch);
    const newId = core.newId();
    if (target instanceof Pyu) {
      if (target.party === this.device.party) return this;
      const from = this.device.party;
      const sent = core.isLocal(from) ? core.request(core.party(from), 'to(pyu)', (api) => api.sendTo(this.id, target.party, newId)) : null;
      const received = core.isLocal(target.party) ? core.request(core.party(target.party), 'to(pyu)', (api) => api.recvFrom(from, newId)) : null;
      return new DeviceObject<T>(target, newId, this.epoch, Promise.all([sent, received]).then(() => undefined));
    }
    const owner = this.device.party;
    const shared = core.isLocal(owner) ? core.request(core.party(owner), 'to(spu)', (api) => api.share(this.id, newId)) : null;
    const received = core.rankThreads.map((r) => core.request(r, 'to(spu)', (api) => api.recvShare(owner, newId)));
    const ready = Promise.all(shared ? [shared, ...received] : received).then(([meta]) => meta!);
    return new SpuObject(target, newId, this.epoch, ready, null);
  }

  /** Reveal the value to the driver (main thread). */
  async get(): Promise<T> {
    const core = this.device.core;
    core.assertUsable(this.epoch);
    const owner = this.device.party;
    const driver = core.driver;
    if (!core.isLocal(owner)) {
      // Party mode: the owner's driver sends what it revealed (or the error it got).
      if (!driver) throw new ClusterError('BAD_USAGE', `party ${owner} is not on this host`);
      return (await driver.recvValue(driverEndpoint(owner), getTag(this.id))) as T;
    }
    const others = driver ? core.parties.filter((p) => p !== owner).map(driverEndpoint) : [];
    let value: T;
    try {
      value = (await core.request(core.party(owner), 'get', (api) => api.fetch(this.id))) as T;
    } catch (err) {
      const info = err instanceof DeviceError ? err.toInfo() : toErrorInfo(err, owner, 'get');
      for (const d of others) driver!.sendError(d, getTag(this.id), info);
      throw err;
    }
    for (const d of others) driver!.sendValue(d, getTag(this.id), value);
    return value;
  }
}

export interface SpuRunStats {
  /** One entry per rank, in rank order. */
  readonly ranks: readonly RunReply[];
  readonly dealer: RunReply | null;
}

export interface RunOptions {
  /** Number of SecretTensors the program returns (default 1). */
  readonly outputs?: number;
  /**
   * Private blocks: 2-D values of parties that host SPU ranks, each placed in the clear at its
   * owner's own rank only (rank i is parties[i]; the other ranks learn the shape). The program gets
   * them as its 4th argument, in this order, for `spu.privateMatmul`; nothing is secret-shared,
   * and no other party or rank receives the values.
   */
  readonly private?: ReadonlyArray<DeviceObject>;
}

export class Spu {
  constructor(/** @internal */ readonly core: ClusterCore) {}

  /** Parties in rank order (rank i is hosted for parties[i]). */
  get ranks(): readonly string[] {
    return this.core.parties;
  }

  /**
   * Run the registered SPU program `fn` SPMD on every rank. `inputs` are SpuObjects (or DeviceObjects,
   * which are secret-shared first by their owner); `pub` is a public structured-clone value every rank
   * sees. Returns one SpuObject per program output.
   */
  run(fn: string, inputs: ReadonlyArray<SpuObject | DeviceObject>, pub: unknown = null, options: RunOptions = {}): SpuObject[] {
    const core = this.core;
    core.assertUsable();
    if (!core.spuConfig) throw new ClusterError('BAD_USAGE', 'this cluster was started without an SPU');
    const ins = inputs.map((x) => (x instanceof DeviceObject ? x.to(this) : x));
    for (const x of ins) core.assertUsable(x.epoch);
    const inputIds = ins.map((x) => x.id);
    const privateIds = (options.private ?? []).map((x) => this.#placePrivate(x));
    const outIds = Array.from({ length: options.outputs ?? 1 }, () => core.newId());
    const runId = core.newId();
    // In party mode the dealer is a remote service: it starts serving when the ranks' first frames arrive.
    const dealer = core.dealerThread;
    const served = dealer ? quiet(core.request(dealer, 'dealer', (api) => api.serve(runId))) : null;
    let failed = false;
    const perRank = core.rankThreads.map((r) =>
      core.request(r, fn, (api) => api.run(runId, fn, inputIds, pub, outIds, privateIds)).catch((err: unknown) => {
        if (!failed) {
          // SPMD: one rank failing leaves the others waiting for its messages; fail the run everywhere.
          failed = true;
          for (const t of core.rankThreads) t.notify((api) => Promise.resolve(api.abortRun(runId)));
          dealer?.notify((api) => Promise.resolve(api.abortRun(runId)));
        }
        throw err;
      }),
    );
    const ranksDone = Promise.all(perRank).finally(() => dealer?.notify((api) => Promise.resolve(api.stopServe(runId))));
    const stats = quiet(ranksDone.then(async (ranks): Promise<SpuRunStats> => ({ ranks, dealer: served ? await served : null })));
    return outIds.map(
      (id, i) => new SpuObject(this, id, core.epoch, ranksDone.then((r) => ({ shape: r[0]!.shapes[i]! })), stats),
    );
  }

  /** Places a private block (RunOptions.private): owner party -> its own rank; shape to every rank. */
  #placePrivate(x: DeviceObject): number {
    const core = this.core;
    if (!(x instanceof DeviceObject)) throw new ClusterError('BAD_USAGE', 'a private block must be a party-held DeviceObject');
    core.assertUsable(x.epoch);
    const owner = x.device.party;
    const rank = core.parties.indexOf(owner);
    if (rank < 0) throw new ClusterError('BAD_USAGE', `${owner} hosts no SPU rank: its value cannot be a private block`);
    const id = core.newId();
    if (core.isLocal(owner)) void quiet(core.request(core.party(owner), 'private', (api) => api.placePrivate(x.id, id)));
    // Each rank's receive fails (and with it the run) if the owner could not place the block.
    for (const r of core.rankThreads) void quiet(core.request(r, 'private', (api) => api.recvPrivate(owner, rank, id)));
    return id;
  }

  toString(): string {
    return 'SPU';
  }
}

export class SpuObject {
  /** Resolves with the public shape once every rank holds its share. */
  readonly ready: Promise<ShareMeta>;
  /** Traffic of the run that produced this object (null for inputs). */
  readonly stats: Promise<SpuRunStats> | null;

  constructor(
    readonly device: Spu,
    readonly id: number,
    /** @internal */ readonly epoch: number,
    ready: Promise<ShareMeta>,
    stats: Promise<SpuRunStats> | null,
  ) {
    this.ready = quiet(ready);
    this.stats = stats;
  }

  /** Reveal to one party: only `pyu.party` learns the value (a PlainTensor on its thread). */
  reveal(pyu: Pyu): DeviceObject<PlainTensor> {
    const core = this.device.core;
    core.assertUsable(this.epoch);
    const newId = core.newId();
    const sends = core.rankThreads.map((r) => core.request(r, 'reveal', (api) => api.revealTo(this.id, pyu.party, newId)));
    const collected = core.isLocal(pyu.party) ? [core.request(core.party(pyu.party), 'reveal', (api) => api.collect(newId))] : [];
    return new DeviceObject<PlainTensor>(pyu, newId, this.epoch, Promise.all([...collected, ...sends]).then(() => undefined));
  }

  /** Reveal to the driver (main thread): every rank returns its share, the driver reconstructs. */
  async get(): Promise<PlainTensor> {
    const core = this.device.core;
    core.assertUsable(this.epoch);
    const local = await Promise.all(core.rankThreads.map((r) => core.request(r, 'get', (api) => api.getShare(this.id))));
    const byRank = new Map<number, { share: Uint8Array; shape: readonly number[] }>();
    local.forEach((p, i) => byRank.set(core.localRanks[i]!, p));
    const driver = core.driver;
    if (driver && core.self !== null) {
      // Party mode: a reveal to the driver is a reveal to every party's driver (as SecretFlow's
      // sf.reveal in production mode): each sends the shares of its own ranks to the others.
      const mine = [...byRank].map(([rank, p]) => ({ rank, share: p.share, shape: p.shape }));
      const others = core.parties.filter((p) => p !== core.self);
      for (const o of others) driver.sendValue(driverEndpoint(o), getTag(this.id), mine);
      const theirs = await Promise.all(others.map((o) => driver.recvValue(driverEndpoint(o), getTag(this.id))));
      for (const list of theirs) for (const p of list as { rank: number; share: Uint8Array; shape: readonly number[] }[]) byRank.set(p.rank, p);
    }
    const parts = [...byRank].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    const shape = parts[0]!.shape;
    const backend = await core.driverBackend();
    return { data: backend.reconstruct(core.spuConfig!, parts.map((p) => p.share), shape), shape };
  }
}
