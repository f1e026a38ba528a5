// Which ArrayBuffers are RingArena memories (so toBytes can refuse to hand out a view of one).
const arenaBuffers = new WeakSet<ArrayBufferLike>();

export function markArenaBuffer(b: ArrayBufferLike): void {
  arenaBuffers.add(b);
}

export function isArenaBuffer(b: ArrayBufferLike): boolean {
  return arenaBuffers.has(b);
}
