// The seam between SPU protocol code and whatever carries its bytes (docs/contracts.md, "spu").
// Implemented here by LocalHub (all endpoints in one thread, for unit tests and the bench) and by
// @sfw/runtime over MessagePorts between threads. Protocol code relies on exactly three properties:
//   1. FIFO per (from, to) pair;
//   2. several outstanding recv(from) calls on the same peer resolve in the order they were made;
//   3. send never blocks and never fails for a live peer (buffers may be transferred, so the caller
//      must not reuse a buffer after sending it).

export interface CommStats {
  bytesSent: number;
  bytesRecv: number;
  messagesSent: number;
  messagesRecv: number;
}

export interface Comm {
  /** This endpoint; SPU ranks are 0..worldSize-1 and the dealer is `worldSize`. */
  readonly rank: number;
  /** Number of SPU ranks (the dealer is not counted). */
  readonly worldSize: number;
  send(to: number, data: Uint8Array): void;
  recv(from: number): Promise<Uint8Array>;
  readonly stats: CommStats;
  /**
   * True when a sent view reaches its receiver as the very same memory, neither copied nor
   * transferred (LocalHub: one thread). The dealer then sends answers that their receiver can
   * release for reuse (docs/spu.md "Dealer"). Absent: false.
   */
  readonly sharesBuffers?: boolean;
  /**
   * True when a sent view of a SharedArrayBuffer reaches its receiver as the very same memory (the
   * runtime's links between threads of one process), while other buffers are transferred or copied.
   * The dealer then puts the answers it reuses in shared memory (docs/spu.md "Dealer"). Absent: false.
   */
  readonly sharesSharedMemory?: boolean;
}

export function emptyStats(): CommStats {
  return { bytesSent: 0, bytesRecv: 0, messagesSent: 0, messagesRecv: 0 };
}

/** The dealer's endpoint id for a world of `worldSize` ranks. */
export function dealerRank(worldSize: number): number {
  return worldSize;
}
