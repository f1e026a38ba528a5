// REF2K: the plaintext reference protocol with the same kernel interface (SPU's ref2k). Every rank
// holds the full value as its "share"; nothing is communicated and nothing is hidden. It exists so
// that a job can be debugged in plaintext: run it under REF2K and under SEMI2K and compare.
// Truncation is exact (arithmetic shift = floor), which is the value SEMI2K's truncation rounds
// within one ulp of. reconstruct() for REF2K checks that all ranks agree (catches non-SPMD programs).
import { add, clone, matmul, mul, neg, shr, sub } from '@sfw/ring';
import { addPublic, mulPublic } from './public.ts';
import type { ArithProtocol } from './types.ts';

export const ref2k: ArithProtocol = {
  p2a: (_env, p) => clone(p),
  a2p: (_env, x) => Promise.resolve(clone(x)),
  addAA: (_env, x, y) => add(x, y),
  subAA: (_env, x, y) => sub(x, y),
  negA: (_env, x) => neg(x),
  addAP: (_env, x, p) => addPublic(x, p),
  mulAP: (_env, x, p) => mulPublic(x, p),
  mulAA: (_env, x, y) => Promise.resolve(mul(x, y)),
  squareA: (_env, x) => Promise.resolve(mul(x, x)),
  matmulAP: (_env, x, p) => matmul(x, p),
  matmulPA: (_env, p, x) => matmul(p, x),
  matmulAA: (_env, x, y) => Promise.resolve(matmul(x, y)),
  truncA: (_env, x, bits) => Promise.resolve(shr(x, bits)),
  mulTruncAA: (_env, x, y, bits) => Promise.resolve(shr(mul(x, y), bits)),
  squareTruncA: (_env, x, bits) => Promise.resolve(shr(mul(x, x), bits)),
  matmulTruncAA: (_env, x, y, bits) => Promise.resolve(shr(matmul(x, y), bits)),
};
