// Stated costs of the comparison kernels (per rank, to each peer), checked against the bytes and
// rounds LocalHub counts (costs.test.ts). k = ring bits, n = elements, W = ceil(n/32) plane words.
// Dealer traffic (corrections to rank 0) is preprocessing and not counted in rounds.
import { FIELD_BITS, type FieldType } from '@sfw/ring';
import { msbCost, msbPairs, pairPrefixCost, rangeLeafCount } from './boolean/circuits.ts';

export interface NlCost {
  rounds: number;
  /** bytes each rank sends to each other rank */
  bytesPerPeer: number;
  /** bytes the dealer sends to rank 0 (corrections), excluding request headers */
  dealerBytes: number;
}

const W = (n: number): number => Math.ceil(n / 32);
const limbBytes = (words: number): number => Math.ceil(words / 2) * 8;

/** Dealer bytes of msbFromMasked's AND corrections over `words` gate words (one or two takes per level). */
function msbAndDealerBytes(k: number, words: number): number {
  return msbCost(k).levels.reduce((s, l) => s + limbBytes(l.singles * words) + limbBytes(2 * l.shared * words), 0);
}

/**
 * msbA = mask-open (n*k/8) + carry tree over bit-pair leaves (4W bytes per opened plane: 3 per
 * two-AND combine, 2 per one-AND combine) + bit B2A (4W). Dealer: the mask's k bit planes and
 * (k-1)/2 pair-product planes, the AND corrections, the bit pairs' arithmetic halves.
 */
export function msbACost(field: FieldType, n: number): NlCost {
  const k = FIELD_BITS[field];
  const { opened, rounds } = msbCost(k);
  const eb = k / 8;
  return {
    rounds: 1 + rounds + 1,
    bytesPerPeer: n * eb + 4 * W(n) * opened + 4 * W(n),
    dealerBytes: limbBytes(k * W(n)) + limbBytes(msbPairs(k) * W(n)) + msbAndDealerBytes(k, W(n)) + n * eb,
  };
}

/** eqzA = mask-open + AND tree over k planes (k-1 ANDs) + bit B2A. */
export function eqzACost(field: FieldType, n: number): NlCost {
  const k = FIELD_BITS[field];
  const rounds = Math.ceil(Math.log2(k));
  return {
    rounds: 1 + rounds + 1,
    bytesPerPeer: n * (k / 8) + 8 * W(n) * (k - 1) + 4 * W(n),
    dealerBytes: limbBytes(k * W(n)) + (k - 1) * limbBytes(W(n)) + n * (k / 8),
  };
}

/**
 * msbOffsetsA with J offsets: one mask-open (n*k/8), J carry trees side by side (4 J W bytes per opened
 * plane), one bit B2A over J W 32 slots (4 J W). Dealer: the mask's k bit planes and pair
 * products once (its arithmetic part is a PRG draw), the AND corrections and J W 32 bit-pair elements.
 * `low` > 0 (msbOffsetsB's fuzzBits): the carry trees span ring bits low..k-1 (msbCost(k - low));
 * the mask and its pair products are dealt in full.
 */
export function msbOffsetsACost(field: FieldType, n: number, J: number, low = 0): NlCost {
  const k = FIELD_BITS[field];
  const { opened, rounds } = msbCost(k - low);
  const eb = k / 8;
  return {
    rounds: 1 + rounds + 1,
    bytesPerPeer: n * eb + 4 * J * W(n) * opened + 4 * J * W(n),
    dealerBytes: limbBytes(k * W(n)) + limbBytes(msbPairs(k) * W(n)) + msbAndDealerBytes(k - low, J * W(n)) + J * W(n) * 32 * eb,
  };
}

/** Combines per level of a balanced tree over `segs` leaves (the odd one out moves up). */
function treeLevels(segs: number): number[] {
  const out: number[] = [];
  while (segs > 1) {
    out.push(segs >> 1);
    segs = (segs >> 1) + (segs & 1);
  }
  return out;
}

/** AND gates and rounds of suffixAnd over L planes (Sklansky, one AND per combine). */
function suffixAndCost(L: number): { ands: number; rounds: number } {
  let ands = 0, rounds = 0;
  for (let l = 0; 1 << l < L; l++, rounds++) for (let i = 0; i < L; i++) if ((i >> l) & 1) ands++;
  return { ands, rounds };
}

/**
 * topBitOneHotA over the low kk bits with digit base G: mask-open (n*k/8) with (kk-1)/2 dealt pair
 * products, bit decomposition of kk bits from pair leaves (pairPrefix; 3 planes opened per shared
 * combine, 2 per single AND), suffix-AND over kk planes, one bit B2A over (ceil(kk/G) + G - 1) W 32 slots
 * (the last low digit is implicit: 1 minus the others).
 * `signed` adds: the mask's bits up to k and pair products up to bit k-2, a (G, P) tree over the
 * pair leaves of bits kk-1 .. k-2 (one shared triple per combine: 2 ANDs, 3 planes opened), one AND for the sign's carry, one for bit 0, and the sign as one more B2A plane.
 */
export function topBitOneHotACost(field: FieldType, n: number, kk: number, G: number, signed = false): NlCost {
  const k = FIELD_BITS[field];
  const pairs = signed ? msbPairs(k) : (kk - 1) >> 1;
  const dec = pairPrefixCost(kk - 1), suf = suffixAndCost(kk);
  const J = Math.ceil(kk / G);
  // signed: a (G, P) tree over the high range's pair leaves, every combine one shared triple
  const hi = signed ? treeLevels(rangeLeafCount(kk - 1, k - 2)) : [];
  const hiRounds = hi.length;
  const hiOpened = 3 * hi.reduce((a, b) => a + b, 0);
  const hiDealer = hi.reduce((a, p) => a + limbBytes(2 * p * W(n)), 0);
  const ands = suf.ands + (signed ? 2 : 0); // single-AND layers: 2 planes opened per AND
  const D = J + G - 1 + (signed ? 1 : 0);
  const eb = k / 8;
  const decDealer = dec.levels.reduce((s, l) => s + limbBytes(l.singles * W(n)) + limbBytes(2 * l.shared * W(n)), 0);
  return {
    rounds: 1 + dec.rounds + suf.rounds + 1 + (signed ? hiRounds + 2 : 0),
    bytesPerPeer: n * eb + 4 * W(n) * (dec.opened + hiOpened) + 8 * W(n) * ands + 4 * D * W(n),
    dealerBytes: limbBytes((signed ? k : kk) * W(n)) + limbBytes(pairs * W(n)) + decDealer + hiDealer + ands * limbBytes(W(n)) + D * W(n) * 32 * eb,
  };
}

/** msbOffsetsB: msbOffsetsA without the final bit B2A (the bits stay XOR-shared): one round and 4 J W bytes fewer. */
export function msbOffsetsBCost(field: FieldType, n: number, J: number, low = 0): NlCost {
  const a = msbOffsetsACost(field, n, J, low);
  const eb = FIELD_BITS[field] / 8;
  return { rounds: a.rounds - 1, bytesPerPeer: a.bytesPerPeer - 4 * J * W(n), dealerBytes: a.dealerBytes - J * W(n) * 32 * eb };
}

/**
 * bitMulA with J terms over n elements: one message of e = v - a (n k/8 bytes) and the J masked bit
 * planes (4 J W bytes), one round. Dealer: per term, the bits' arithmetic form and their products
 * with a (2 J n ring elements); the bits' boolean form and a are PRG draws.
 */
export function bitMulACost(field: FieldType, n: number, J: number): NlCost {
  const eb = FIELD_BITS[field] / 8;
  return { rounds: 1, bytesPerPeer: n * eb + 4 * J * W(n), dealerBytes: 2 * J * n * eb };
}
