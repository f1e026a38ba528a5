// Uniform random permutation from the OS CSPRNG (Fisher-Yates). Points are sent in this order so
// that their position tells the peer nothing about the sender's keys (e.g. their sort order).
import { randomBytes } from 'node:crypto';

export function randomPermutation(n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) perm[i] = i;
  // 53-bit uniform draws: the modulo bias of floor(r * (i+1)) is below n / 2^53.
  const rnd = randomBytes(8 * Math.max(n, 1));
  for (let i = n - 1; i > 0; i -= 1) {
    const hi = rnd.readUInt32LE(8 * i) >>> 11; // 21 bits
    const lo = rnd.readUInt32LE(8 * i + 4); // 32 bits
    const r = (hi * 2 ** 32 + lo) / 2 ** 53;
    const j = Math.floor(r * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}
