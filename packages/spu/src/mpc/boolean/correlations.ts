// Dealer correlations of the boolean layer (assembled into the SEMI2K record in protocol.ts;
// spec format in ../correlation.ts): random parts are every rank's PRG draws, derived parts are corrected by the
// dealer for rank 0 only (SPU semi2k TTP beaver). XOR-shared bit planes travel as FM64 tensors of
// ceil(words/2) limbs (XOR of u64 limbs = XOR of the u32 plane words).
//   nl.andTriple (a, b | c = a & b)        Beaver triples over GF(2), 32 gates per u32 word
//   nl.andTripleShared (a, b1 b2 | a&b1 a&b2)  two triples with one a: gate pairs x&y1, x&y2
//                                           open x^a once (3 openings per 2 gates instead of 4)
//   nl.maskBits  (r | bits(r) low k,        r in Z_2^k additively shared + its bits XOR-shared
//                 [pair products])         (the "edaBit"-style mask of Escudero et al. CRYPTO'20),
//                                           optionally with ~r_2j & ~r_2j+1 per low bit pair
//   nl.bitPair   (b | b as integer)         a random bit in both sharings (B2A of single bits)
//   nl.bitMul    (r_0..r_J-1, a |            J random bits and one random ring mask a, with the
//                 r_j as integers, r_j a)     bits' arithmetic form and their products with a: a
//                                           boolean-shared bit times a shared value in one opening
import { FIELD_BITS, makeTensor, type FieldType, type RingTensor } from '@sfw/ring';
import { asRecord, correlationKind, type CorrelationKind, type PartLayout } from '../correlation.ts';
import { SpuError } from '../../config.ts';
import { fromPlanes, planeWords, toPlanes, type Planes } from './bitslice.ts';

export interface AndTriple {
  a: Uint32Array;
  b: Uint32Array;
  c: Uint32Array;
}
export interface MaskBits {
  r: RingTensor;
  bits: Planes;
  /** `pairs` planes (W words each): plane j = XOR shares of ~r_{2j} & ~r_{2j+1} (absent when pairs = 0) */
  pairs?: Uint32Array;
}
export interface MaskBitsParams {
  n: number;
  /** how many low bits of r are delivered in boolean form (<= ring bits) */
  k: number;
  /**
   * how many low bit pairs (2j, 2j+1), j < pairs, also come with the XOR-shared AND of their
   * complements (2 pairs <= k). The comparison uses them to make its first carry level local.
   */
  pairs?: number;
}
export interface BitPair {
  bool: Uint32Array;
  arith: RingTensor;
}
export interface BitPairParams {
  n: number;
}

export const KIND_AND = 'nl.andTriple';
export const KIND_AND_SHARED = 'nl.andTripleShared';
export const KIND_MASK = 'nl.maskBits';
export const KIND_BITPAIR = 'nl.bitPair';
export const KIND_BITMUL = 'nl.bitMul';

export interface BitMulParams {
  /** elements per bit block (and of the value mask a) */
  n: number;
  /** bit blocks (each block: ceil(n/32) plane words) */
  J: number;
}
export interface BitMul {
  /** J plane blocks of W words: XOR shares of the bits r_j */
  bool: Uint32Array;
  /** additive shares of the mask a (n elements) */
  a: RingTensor;
}

const limbsFor = (words: number): number => (words + 1) >>> 1;
/** An FM64 part holding `words` u32 words, as a u32 view (no copy). */
export const asWords = (t: RingTensor, words: number): Uint32Array => new Uint32Array(t.data.buffer, t.data.byteOffset, words);
const xorPart = (name: string, words: number): PartLayout => ({ name, field: 'FM64', shape: [limbsFor(words)], sharing: 'xor' });
const wordsTensor = (w: Uint32Array): RingTensor => {
  const t = makeTensor('FM64', [limbsFor(w.length)]);
  new Uint32Array(t.data.buffer).set(w);
  return t;
};

function parseCount(raw: unknown, name: string): number {
  if (!Number.isSafeInteger(raw) || (raw as number) < 1 || (raw as number) > 1 << 28) throw new SpuError(`correlation parameter '${name}' must be a positive integer`);
  return raw as number;
}

/** Re-shapes the registry's parts into the layer's types. */
export const unpack = {
  and: (parts: Record<string, RingTensor>, words: number): AndTriple => ({
    a: asWords(parts.a!, words),
    b: asWords(parts.b!, words),
    c: asWords(parts.c!, words),
  }),
  mask: (parts: Record<string, RingTensor>, p: MaskBitsParams): MaskBits => {
    const W = planeWords(p.n);
    const bits = { k: p.k, n: p.n, W, words: asWords(parts.bits!, p.k * W) };
    return p.pairs ? { r: parts.r!, bits, pairs: asWords(parts.pairs!, p.pairs * W) } : { r: parts.r!, bits };
  },
  bitMul: (parts: Record<string, RingTensor>, p: BitMulParams): BitMul => ({
    bool: asWords(parts.bool!, p.J * planeWords(p.n)),
    a: parts.a!,
  }),
  bitPair: (parts: Record<string, RingTensor>, p: BitPairParams): BitPair => ({
    bool: asWords(parts.bool!, planeWords(p.n)),
    arith: parts.arith!,
  }),
};

export type { FieldType };

/** The boolean kinds (AND triples, masks with their bits, bit pairs). */
export const BOOLEAN_KINDS: readonly CorrelationKind[] = [
  correlationKind<{ words: number }>(KIND_AND, {
    parse: (raw) => ({ words: parseCount(asRecord(raw).words, 'words') }),
    random: (p) => [xorPart('a', p.words), xorPart('b', p.words)],
    derived: (p) => [xorPart('c', p.words)],
    derive: (p, _f, r) => {
      // In place over a's scratch (derive may overwrite the random totals): no allocation, no copy.
      const a = asWords(r.a!, p.words), b = asWords(r.b!, p.words);
      for (let i = 0; i < a.length; i++) a[i] = a[i]! & b[i]!;
      if (p.words & 1) new Uint32Array(r.a!.data.buffer, r.a!.data.byteOffset, p.words + 1)[p.words] = 0; // padding word, as wordsTensor
      return { c: r.a! };
    },
  }),
  correlationKind<{ words: number }>(KIND_AND_SHARED, {
    parse: (raw) => ({ words: parseCount(asRecord(raw).words, 'words') }),
    random: (p) => [xorPart('a', p.words), xorPart('b', 2 * p.words)],
    derived: (p) => [xorPart('c', 2 * p.words)],
    derive: (p, _f, r) => {
      // In place over b's scratch: c = (a & b_first, a & b_second); 2 words fill whole limbs.
      const w = p.words;
      const a = asWords(r.a!, w), b = asWords(r.b!, 2 * w);
      for (let i = 0; i < w; i++) {
        const ai = a[i]!;
        b[i] = ai & b[i]!;
        b[w + i] = ai & b[w + i]!;
      }
      return { c: r.b! };
    },
  }),
  correlationKind<MaskBitsParams>(KIND_MASK, {
    parse: (raw) => {
      const o = asRecord(raw);
      const n = parseCount(o.n, 'n');
      const k = parseCount(o.k, 'k');
      if (k > 128) throw new SpuError(`correlation parameter 'k' must be at most 128`);
      if (o.pairs === undefined || o.pairs === 0) return { n, k };
      const pairs = parseCount(o.pairs, 'pairs');
      if (2 * pairs > k) throw new SpuError(`correlation parameter 'pairs' must be at most k/2`);
      return { n, k, pairs };
    },
    random: (p, field) => [{ name: 'r', field, shape: [p.n], sharing: 'additive' }],
    derived: (p) => (p.pairs ? [xorPart('bits', p.k * planeWords(p.n)), xorPart('pairs', p.pairs * planeWords(p.n))] : [xorPart('bits', p.k * planeWords(p.n))]),
    derive: (p, field, r) => {
      if (p.k > FIELD_BITS[field]) throw new SpuError(`correlation parameter 'k' exceeds the ring`);
      const words = toPlanes(field, r.r!.data, p.n, p.k).words;
      // An even word count fills whole limbs: view the planes as the part (no second n-sized copy).
      const bits = words.length % 2 === 0 ? makeTensor('FM64', [words.length / 2], new BigUint64Array(words.buffer)) : wordsTensor(words);
      if (!p.pairs) return { bits };
      const W = planeWords(p.n);
      const pt = makeTensor('FM64', [limbsFor(p.pairs * W)]);
      const pw = new Uint32Array(pt.data.buffer, pt.data.byteOffset, p.pairs * W);
      for (let j = 0; j < p.pairs; j++) {
        const lo = 2 * j * W, hi = lo + W, o = j * W;
        for (let w = 0; w < W; w++) pw[o + w] = ~(words[lo + w]! | words[hi + w]!);
      }
      return { bits, pairs: pt };
    },
  }),
  correlationKind<BitPairParams>(KIND_BITPAIR, {
    parse: (raw) => ({ n: parseCount(asRecord(raw).n, 'n') }),
    random: (p) => [xorPart('bool', planeWords(p.n))],
    derived: (p, field) => [{ name: 'arith', field, shape: [p.n], sharing: 'additive' }],
    derive: (p, field, r) => {
      const W = planeWords(p.n);
      return { arith: makeTensor(field, [p.n], fromPlanes(field, { k: 1, n: p.n, W, words: asWords(r.bool!, W) })) };
    },
    deriveAdjust: (p, field, r, others) => {
      // share = b - others = ~others + 1 + b, per element over its u32 words with the carry; the
      // bit is read straight from the plane word (no expansion of the plane to ring elements).
      const bits = asWords(r.bool!, planeWords(p.n));
      const o = others.arith!;
      const wpe = FIELD_BITS[field] >>> 5;
      const u = new Uint32Array(o.data.buffer, o.data.byteOffset, p.n * wpe);
      if (wpe === 2) {
        for (let w = 0; w * 32 < p.n; w++) {
          const bw = bits[w]!, top = Math.min(32, p.n - w * 32);
          for (let e = 0, i = w * 64; e < top; e++, i += 2) {
            const lo = ((~u[i]! >>> 0) + 1 + ((bw >>> e) & 1));
            u[i] = lo;
            u[i + 1] = ~u[i + 1]! + (lo > 0xffffffff ? 1 : 0);
          }
        }
        return;
      }
      for (let i = 0, o4 = 0; i < p.n; i++, o4 += wpe) {
        let carry = 1 + ((bits[i >>> 5]! >>> (i & 31)) & 1);
        for (let j = 0; j < wpe; j++) {
          const s = (~u[o4 + j]! >>> 0) + carry;
          u[o4 + j] = s;
          carry = s > 0xffffffff ? 1 : 0;
        }
      }
    },
  }),
  correlationKind<BitMulParams>(KIND_BITMUL, {
    parse: (raw) => {
      const o = asRecord(raw);
      const n = parseCount(o.n, 'n');
      const J = parseCount(o.J, 'J');
      if (J > 64) throw new SpuError(`correlation parameter 'J' must be at most 64`);
      return { n, J };
    },
    random: (p, field) => [xorPart('bool', p.J * planeWords(p.n)), { name: 'a', field, shape: [p.n], sharing: 'additive' }],
    derived: (p, field) => [
      { name: 'r', field, shape: [p.J * p.n], sharing: 'additive' },
      { name: 'c', field, shape: [p.J * p.n], sharing: 'additive' },
    ],
    derive: (p, field, r, scratch) => {
      const rt = scratch ? scratch.take(field, [p.J * p.n]) : makeTensor(field, [p.J * p.n]);
      const ct = scratch ? scratch.take(field, [p.J * p.n]) : makeTensor(field, [p.J * p.n]);
      bitMulShares(p, field, r, rt, ct, false);
      return { r: rt, c: ct };
    },
    deriveAdjust: (p, field, r, others) => bitMulShares(p, field, r, others.r!, others.c!, true),
  }),
];

/**
 * nl.bitMul's derived values from the random totals: r block j = bit j of plane block j as an
 * integer, c block j = r_j a. With `minus`, rt and ct hold the other ranks' draws and are overwritten
 * with (value - draw), the adjust rank's share. One branch-free pass per element over its u32 words
 * (every word written, so rt and ct may be stale scratch).
 */
function bitMulShares(p: BitMulParams, field: FieldType, r: Record<string, RingTensor>, rt: RingTensor, ct: RingTensor, minus: boolean): void {
  const W = planeWords(p.n);
  const bits = asWords(r.bool!, p.J * W);
  const wpe = FIELD_BITS[field] >>> 5;
  const ru = new Uint32Array(rt.data.buffer, rt.data.byteOffset, p.J * p.n * wpe);
  const cu = new Uint32Array(ct.data.buffer, ct.data.byteOffset, p.J * p.n * wpe);
  const au = new Uint32Array(r.a!.data.buffer, r.a!.data.byteOffset, p.n * wpe);
  if (wpe === 2) {
    // FM64, unrolled: the plane word read once per 32 elements
    for (let j = 0; j < p.J; j++) {
      for (let w = 0; w * 32 < p.n; w++) {
        const bw = bits[j * W + w]!, top = Math.min(32, p.n - w * 32);
        for (let e = 0, i = (j * p.n + w * 32) * 2, ai = w * 64; e < top; e++, i += 2, ai += 2) {
          const bit = (bw >>> e) & 1, sel = -bit;
          const alo = (au[ai]! & sel) >>> 0, ahi = au[ai + 1]! & sel;
          if (minus) {
            // value - draw = value + ~draw + 1, over the two u32 words
            const rlo = (~ru[i]! >>> 0) + 1 + bit;
            ru[i] = rlo;
            ru[i + 1] = ~ru[i + 1]! + (rlo > 0xffffffff ? 1 : 0);
            const clo = (~cu[i]! >>> 0) + 1 + alo;
            cu[i] = clo;
            cu[i + 1] = ~cu[i + 1]! + ahi + (clo > 0xffffffff ? 1 : 0);
          } else {
            ru[i] = bit;
            ru[i + 1] = 0;
            cu[i] = alo;
            cu[i + 1] = ahi;
          }
        }
      }
    }
    return;
  }
  const neg = minus ? -1 : 0; // x - o = x + ~o + 1; x + 0 when not subtracting
  const one = minus ? 1 : 0;
  for (let j = 0; j < p.J; j++) {
    const base = j * p.n * wpe;
    for (let i = 0; i < p.n; i++) {
      const bit = (bits[j * W + (i >>> 5)]! >>> (i & 31)) & 1;
      const sel = -bit;
      const o = base + i * wpe, ao = i * wpe;
      let cr = one + bit, cc = one;
      for (let w = 0; w < wpe; w++) {
        const sr = (((minus ? ru[o + w]! : 0) ^ neg) >>> 0) + cr;
        ru[o + w] = sr;
        cr = sr > 0xffffffff ? 1 : 0;
        const sc = (((minus ? cu[o + w]! : 0) ^ neg) >>> 0) + ((au[ao + w]! & sel) >>> 0) + cc;
        cu[o + w] = sc;
        cc = sc > 0xffffffff ? 1 : 0;
      }
    }
  }
}
