// Test-only: all ranks of one LocalHub run wait at the barrier; the last to arrive runs `onAll`
// (e.g. zeroes the hub's traffic counters) and releases everyone.
export function barrier(n: number, onAll: () => void): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => undefined;
  let gate = new Promise<void>((r) => (release = r));
  return () => {
    waiting += 1;
    const g = gate;
    if (waiting === n) {
      onAll();
      waiting = 0;
      const r = release;
      gate = new Promise<void>((res) => (release = res));
      r();
    }
    return g;
  };
}
