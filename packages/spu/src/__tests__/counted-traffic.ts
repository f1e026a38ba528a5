// Test-only: a kernel's counted LocalHub traffic equals its cost model. Ranks 0..parties-1 send
// what `bytes(i, j)` says to each other in `rounds` rounds; the dealer (hub index `parties`) talks
// only to rank 0, and only under TTP: `dealerRequests` requests plus the END of close(), and
// `dealerBytes` of answers. Everything sent was received.
import { expect } from 'vitest';
import type { LocalHub } from '../local-hub.ts';

export interface CountedCost {
  rounds: number;
  dealerBytes: number;
  dealerRequests: number;
}

export function expectCountedTraffic(hub: LocalHub, parties: number, beaverType: 'TTP' | 'TFP', want: CountedCost, bytes: (i: number, j: number) => number): void {
  expect(hub.rounds()).toBe(want.rounds);
  for (let i = 0; i < parties; i++)
    for (let j = 0; j < parties; j++) if (i !== j) expect(hub.traffic(i, j).bytes, `${i} -> ${j}`).toBe(bytes(i, j));
  const ttp = beaverType === 'TTP';
  expect(hub.traffic(parties, 0).bytes).toBe(ttp ? want.dealerBytes : 0);
  expect(hub.traffic(0, parties).messages).toBe(ttp ? want.dealerRequests + 1 : 0);
  for (let j = 1; j < parties; j++) expect(hub.traffic(parties, j).bytes).toBe(0);
  expect(hub.pending()).toBe(0);
}
