// Stated costs of the conversions (per rank, to each peer; W = ceil(n/32)), checked against
// LocalHub's counters in costs.test.ts.
import { FIELD_BITS, type FieldType } from '@sfw/ring';
import { sklanskyCost } from './circuits.ts';

const W = (n: number): number => Math.ceil(n / 32);

/** a2b of the low kk bits: open c = x + r (n k/8 bytes) + Sklansky over kk-1 leaves (4W bytes per opened plane). */
export function a2bCost(field: FieldType, n: number, kk = FIELD_BITS[field]): { rounds: number; bytesPerPeer: number } {
  const s = sklanskyCost(kk - 1);
  return { rounds: 1 + s.rounds, bytesPerPeer: (n * FIELD_BITS[field]) / 8 + 4 * W(n) * s.opened };
}

/** b2a of k-bit values: (k-1) generate ANDs + Sklansky over k-1 leaves, then open u (k planes). */
export function b2aCost(field: FieldType, n: number): { rounds: number; bytesPerPeer: number } {
  const k = FIELD_BITS[field];
  const s = sklanskyCost(k - 1);
  return { rounds: 1 + s.rounds + 1, bytesPerPeer: 8 * W(n) * (k - 1) + 4 * W(n) * s.opened + 4 * W(n) * k };
}
