// Opening (a2p) for additive shares: every rank sends its share to every other rank and sums what
// it receives. One round; each rank sends (N-1) * n * elementBytes.
// Ownership: `mine` is SENT (to the last peer; copies to the others), so the caller must not use or
// pool it afterwards. The result lives in the first received buffer, which this rank now owns.
import { add, fromBytes, makeTensor, toBytes, type RingTensor } from '@sfw/ring';
import type { Comm } from '../comm.ts';
import type { ScratchPool } from '../pool.ts';

/** Send `mine` to every peer (transfer-safe: `mine` is not used after sending). */
export function broadcastShare(comm: Comm, mine: RingTensor): void {
  const peers: number[] = [];
  for (let j = 0; j < comm.worldSize; j++) if (j !== comm.rank) peers.push(j);
  const bytes = toBytes(mine);
  peers.forEach((j, i) => comm.send(j, i === peers.length - 1 ? bytes : bytes.slice()));
}

/** Sum of every rank's share of `mine`. `mine` is consumed (sent); see the header. */
export async function openAll(comm: Comm, mine: RingTensor, pool?: ScratchPool): Promise<RingTensor> {
  if (comm.worldSize === 1) return mine;
  const recvs: Promise<Uint8Array>[] = [];
  for (let j = 0; j < comm.worldSize; j++) if (j !== comm.rank) recvs.push(comm.recv(j));
  // Keep our own summand: the send below may transfer `mine` to another thread.
  const own = pool ? pool.take(mine.field, mine.shape) : makeTensor(mine.field, mine.shape);
  own.data.set(mine.data);
  broadcastShare(comm, mine);
  let acc: RingTensor | undefined;
  for (const r of recvs) {
    const t = fromBytes(mine.field, await r, mine.shape);
    // Accumulate in place only in a buffer we own whole (a received view into someone else's larger
    // buffer - possible on an in-thread hub - is copied first).
    const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
    if (acc === undefined) acc = whole ? t : makeTensor(t.field, t.shape, t.data.slice());
    else {
      add(acc, t, acc);
      if (whole) pool?.give(t);
    }
  }
  add(acc!, own, acc);
  pool?.give(own);
  return acc!;
}

/**
 * Send `mine` to every peer (as openAll does) and return the sum of the OTHER ranks' shares only.
 * Kernels that fold the opening into their next pass (ring's beaverMask, truncFinish with cPeer)
 * recompute or keep their own share in place of openAll's copy and extra add pass. With one peer
 * the result is the received buffer itself (possibly a view: give it to the pool, which keeps only
 * whole buffers); with none it is zero.
 */
export async function sumPeers(comm: Comm, mine: RingTensor, pool?: ScratchPool): Promise<RingTensor> {
  if (comm.worldSize === 1) return makeTensor(mine.field, mine.shape);
  const recvs: Promise<Uint8Array>[] = [];
  for (let j = 0; j < comm.worldSize; j++) if (j !== comm.rank) recvs.push(comm.recv(j));
  const field = mine.field, shape = mine.shape;
  broadcastShare(comm, mine);
  let acc: RingTensor | undefined;
  for (const r of recvs) {
    const t = fromBytes(field, await r, shape);
    if (acc === undefined) {
      // Accumulate only in a buffer this rank owns whole (see openAll).
      const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
      acc = recvs.length === 1 || whole ? t : makeTensor(field, shape, t.data.slice());
    } else {
      add(acc, t, acc);
      pool?.give(t);
    }
  }
  return acc!;
}
