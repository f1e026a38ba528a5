// The boolean layer under SPU-style names (operand visibility: B = XOR-shared, P = public,
// A = additively shared). Planes are bit-sliced u32 words (bitslice.ts). Costs per rank per peer.
//   xorBB, xorBP, andBP, notB   local
//   andBB     1 round, 8 bytes per u32 word of gates (2 bits per gate)
//   a2b       boolean/costs: a2bCost;   b2a: b2aCost;   bitB2A: 1 round, 4W bytes
//   msbA2B, eqzA2B              see nonlinear/costs.ts (msbACost/eqzACost minus the bit B2A)
export { andGates as andBB } from './core.ts';
export { xorP as xorBB, xorPub as xorBP, andPub as andBP, notS as notB, type Plane } from './circuits.ts';
export { a2b, b2a, b2aBit as bitB2A, eqzA2B, msbA2B } from './convert.ts';
export { fromPlanes, toPlanes, type Planes } from './bitslice.ts';
export { a2bCost, b2aCost } from './costs.ts';
export type { NlCore, NlCorrelations } from './core.ts';
