// `Comm` (the @sfw/spu contract) for one SPU run, over the Router. Ranks are numbers to the protocol;
// here they map to endpoints (`rank:i`, the dealer at `worldSize`). Every run has its own tag, so two
// programs running at once never read each other's messages, and an aborted run can be failed by tag.
import { DEALER_ENDPOINT, rankEndpoint, type EndpointId, emptyStats } from './link.ts';
import type { Router } from './router.ts';

import type { Comm, CommStats } from '@sfw/spu';

export type { Comm, CommStats };

export const runTag = (runId: number): string => `run:${runId}`;

export class RunComm implements Comm {
  readonly stats: CommStats = emptyStats();
  /**
   * Every other endpoint of the run (ranks, dealer) is a thread of this process, so a view of shared
   * memory reaches it as the same memory (link.ts transferable): the dealer may reuse answers rank 0
   * has released. False when any of them is on another host (its link copies), or when the host
   * does not want it (`shareMemory`: see malloc.ts, reuse pays only with its malloc settings).
   */
  readonly sharesSharedMemory: boolean;

  constructor(
    private readonly router: Router,
    readonly rank: number,
    readonly worldSize: number,
    private readonly tag: string,
    /** Task epoch of the run: a run that outlives its task sends nothing and receives nothing. */
    private readonly epoch?: number,
    shareMemory = false,
  ) {
    let all = shareMemory;
    for (let r = 0; r <= worldSize; r++) if (r !== rank && router.link.sharesMemoryWith?.(this.#endpoint(r)) !== true) all = false;
    this.sharesSharedMemory = all;
  }

  #endpoint(r: number): EndpointId {
    if (!Number.isInteger(r) || r < 0 || r > this.worldSize || r === this.rank) {
      throw new RangeError(`rank ${this.rank} cannot address rank ${r} (world ${this.worldSize} + dealer)`);
    }
    return r === this.worldSize ? DEALER_ENDPOINT : rankEndpoint(r);
  }

  send(to: number, data: Uint8Array): void {
    this.stats.bytesSent += data.byteLength;
    this.stats.messagesSent += 1;
    this.router.sendBytes(this.#endpoint(to), this.tag, data, this.epoch);
  }

  async recv(from: number): Promise<Uint8Array> {
    const data = await this.router.recvBytes(this.#endpoint(from), this.tag, this.epoch);
    this.stats.bytesRecv += data.byteLength;
    this.stats.messagesRecv += 1;
    return data;
  }
}
