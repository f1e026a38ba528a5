// Correlation kinds of SEMI2K arithmetic (assembled into the SEMI2K record in protocol.ts).
//   beaver    (a, b | c = a*b)                  Beaver 1991, elementwise multiplication triples
//   square    (a | c = a*a)                     squaring pair (half the opening of a Beaver triple)
//   matmul    (A, B | C = A.B)                  matrix Beaver triples (SecureML 2017, section 4.2)
//   truncPr   (r | d, rTop)                     probabilistic truncation pair: rTop = 2^(k-1-m) msb(r),
//                                               d = rTop - rHi - 2^(k-2-m) with rHi = bits m..k-2
//                                               of r, both as arithmetic shares (semi2k.ts truncPr)
//                                               (Escudero et al. 2020 "Improved primitives for MPC
//                                               over mixed arithmetic-binary circuits"; SPU semi2k
//                                               TruncAPr)
//   beaverTrunc (a, b | c = a*b + r + 2^(k-2),    a Beaver triple and a truncation pair in one: the
//                d, rTop from r)                  dealer draws r from its own stream and folds it
//                                               (with truncPr's public offset) into c, so the
//                                               product's shares are already truncPr's masked value
//   squareTrunc (a | c = a*a + r + 2^(k-2),       the same for a squaring pair
//                d, rTop from r)
// The two fused kinds deal exactly what beaver/square followed by truncPr deal, minus every rank's
// shares of r: the opened value c = xy + r + 2^(k-2) is the same uniform mask of the product, the
// truncation (and its one-ulp error bound) is unchanged, and 3 fewer 64-bit PRG words are drawn per
// element across dealer and ranks (2 ranks: 15 instead of 18) with one request to the dealer, not two.
import { FIELD_BITS, addScalar, matmul, mul, mulAdd, truncPair, type BlockProgram, type FieldType, type RingTensor } from '@sfw/ring';
import type { ScratchPool } from '../pool.ts';
import { asRecord, parseBits, parseDims, correlationKind, type CorrelationKind, type PartLayout } from './correlation.ts';

export interface BeaverParams { shape: number[] }
export interface MatmulParams { dims: number[] }
export interface TruncParams { shape: number[]; bits: number }

function parseShape(raw: unknown): number[] {
  if (!Array.isArray(raw)) return parseDims(raw, 'shape', 1);
  return parseDims(raw, 'shape', raw.length);
}

/** c = a*b + r + 2^(k-2) over a, and d, rTop of the truncation pair from the dealer's private r (as truncPr's derive). */
function foldTrunc(field: FieldType, bits: number, a: RingTensor, b: RingTensor, r: RingTensor, scratch?: ScratchPool): Record<string, RingTensor> {
  const c = mulAdd(a, b, r, a);
  addScalar(c, BigInt.asUintN(FIELD_BITS[field], 1n << BigInt(FIELD_BITS[field] - 2)), c);
  const { d, rTop } = truncPair(r, bits, scratch?.take(field, r.shape), scratch?.take(field, r.shape) ?? r);
  return { c, d, rTop };
}

/** foldTrunc as block-program steps: c over a, d over r, rTop in a temporary. */
function foldTruncSteps(field: FieldType, bits: number, g: BlockProgram, a: number, b: number, r: number): Record<string, number> {
  g.mulAdd(a, b, r, a).addScalar(a, 1n << BigInt(FIELD_BITS[field] - 2), a);
  const rTop = g.temp();
  g.truncPair(r, bits, r, rTop);
  return { c: a, d: r, rTop };
}

function truncDerived(p: TruncParams, field: FieldType): PartLayout[] {
  return [
    { name: 'c', field, shape: p.shape, sharing: 'additive' },
    { name: 'd', field, shape: p.shape, sharing: 'additive' },
    { name: 'rTop', field, shape: p.shape, sharing: 'additive' },
  ];
}

function parseTrunc(raw: unknown): TruncParams {
  const o = asRecord(raw);
  return { shape: parseShape(o.shape), bits: parseBits(o.bits, 'bits', undefined) };
}

/** The arithmetic kinds (Beaver products, squares, matrix products, truncation pairs). */
export const ARITH_KINDS: readonly CorrelationKind[] = [
  correlationKind<BeaverParams>('beaver', {
    parse: (raw) => ({ shape: parseShape(asRecord(raw).shape) }),
    random: (p, field): PartLayout[] => [
      { name: 'a', field, shape: p.shape, sharing: 'additive' },
      { name: 'b', field, shape: p.shape, sharing: 'additive' },
    ],
    derived: (p, field) => [{ name: 'c', field, shape: p.shape, sharing: 'additive' }],
    derive: (_p, _field, r) => ({ c: mul(r.a!, r.b!, r.a) }),
    deriveProgram: (_p, _field, g, r) => {
      g.mul(r.a!, r.b!, r.a!);
      return { c: r.a! };
    },
    elementwise: true,
  }),
  correlationKind<BeaverParams>('square', {
    parse: (raw) => ({ shape: parseShape(asRecord(raw).shape) }),
    random: (p, field): PartLayout[] => [{ name: 'a', field, shape: p.shape, sharing: 'additive' }],
    derived: (p, field) => [{ name: 'c', field, shape: p.shape, sharing: 'additive' }],
    derive: (_p, _field, r) => ({ c: mul(r.a!, r.a!, r.a) }),
    deriveProgram: (_p, _field, g, r) => {
      g.mul(r.a!, r.a!, r.a!);
      return { c: r.a! };
    },
    elementwise: true,
  }),
  correlationKind<MatmulParams>('matmul', {
    parse: (raw) => ({ dims: parseDims(asRecord(raw).dims, 'dims', 3) }),
    random: ({ dims: [m, k, n] }, field) => [
      { name: 'a', field, shape: [m!, k!], sharing: 'additive' },
      { name: 'b', field, shape: [k!, n!], sharing: 'additive' },
    ],
    derived: ({ dims: [m, , n] }, field) => [{ name: 'c', field, shape: [m!, n!], sharing: 'additive' }],
    // c in dealer scratch (recycled after use): no fresh m x n array per triple.
    derive: ({ dims: [m, , n] }, field, r, scratch) => ({ c: matmul(r.a!, r.b!, scratch?.take(field, [m!, n!])) }),
  }),
  correlationKind<TruncParams>('beaverTrunc', {
    parse: parseTrunc,
    random: (p, field): PartLayout[] => [
      { name: 'a', field, shape: p.shape, sharing: 'additive' },
      { name: 'b', field, shape: p.shape, sharing: 'additive' },
    ],
    dealerOnly: (p, field) => [{ name: 'r', field, shape: p.shape, sharing: 'additive' }],
    derived: truncDerived,
    derive: (p, field, r, scratch) => foldTrunc(field, p.bits, r.a!, r.b!, r.r!, scratch),
    deriveProgram: (p, field, g, r) => foldTruncSteps(field, p.bits, g, r.a!, r.b!, r.r!),
    elementwise: true,
  }),
  correlationKind<TruncParams>('squareTrunc', {
    parse: parseTrunc,
    random: (p, field): PartLayout[] => [{ name: 'a', field, shape: p.shape, sharing: 'additive' }],
    dealerOnly: (p, field) => [{ name: 'r', field, shape: p.shape, sharing: 'additive' }],
    derived: truncDerived,
    derive: (p, field, r, scratch) => foldTrunc(field, p.bits, r.a!, r.a!, r.r!, scratch),
    deriveProgram: (p, field, g, r) => foldTruncSteps(field, p.bits, g, r.a!, r.a!, r.r!),
    elementwise: true,
  }),
  correlationKind<TruncParams>('truncPr', {
    parse: parseTrunc,
    random: (p, field) => [{ name: 'r', field, shape: p.shape, sharing: 'additive' }],
    derived: (p, field) => [
      { name: 'd', field, shape: p.shape, sharing: 'additive' },
      { name: 'rTop', field, shape: p.shape, sharing: 'additive' },
    ],
    derive: (p, field, r, scratch) => {
      // r >>> m = 2^(k-1-m) msb(r) + rHi = rTop + rHi, hence d = rTop - rHi - C = 2 rTop - (r >>> m) - C
      // (ring's truncPair, one pass). d and rTop live in dealer scratch (recycled by the dealer after
      // use; apart from r, so that the pass can run in place in the dealer's arena); without scratch,
      // rTop over r: no fresh n-element allocation.
      const { d, rTop } = truncPair(r.r!, p.bits, scratch?.take(field, r.r!.shape), scratch?.take(field, r.r!.shape) ?? r.r);
      return { d, rTop };
    },
    deriveProgram: (p, _field, g, r) => {
      const rTop = g.temp();
      g.truncPair(r.r!, p.bits, r.r!, rTop);
      return { d: r.r!, rTop };
    },
    elementwise: true,
  }),
];
