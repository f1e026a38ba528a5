// One KKRT16 PSI round over a set of unique keys (one bucket), over the same PsiLink as ECDH-PSI.
// Roles: R (OPRF receiver, learns the result) is the single receiver, or ds1 when both receive.
//
//   1. Both send {n, 16-byte seed share}; S also sends its duplicate counts (shuffled) when only R
//      receives. Coin toss: HKDF(seed_R || seed_S) -> item-hash key (32 B) and code keys (64 B).
//   2. W = 512 base OTs (base-ot.ts), S the base-OT receiver with a random choice vector s.
//   3. R cuckoo-hashes its items into m bins and sends the OT-extension corrections slice by slice
//      (oprf.ts); S turns them into its rows q_j.
//   4. S sends, for each of its items in a fresh random order and h = 0,1,2, the ell-byte value
//      H(j, q_j ^ (C(y) & s)) at j = bin_h(y); a bin repeated within one item gets random bytes.
//   5. R looks each value up among its own values filed under the same h: hits = intersection.
//   6. If S receives too, R sends the (sorted) positions of the matching S values, which S maps
//      back through its shuffle.
// Fresh base OTs per bucket: no PRG stream is reused across buckets (the reuse would let S XOR two
// buckets' corrections at one bin and strip the masks, docs/psi.md). Message sizes: docs/psi-wire.md.
import { hkdfSync, randomBytes } from 'node:crypto';
import { PsiExecutionError } from '../errors.ts';
import { Tag, recvCounts, recvJson, recvTagged, sendCounts, sendJson, sendTagged } from '../link.ts';
import type { PsiLink } from '../link.ts';
import type { BucketOptions, BucketResult } from '../protocol.ts';
import { randomPermutation } from '../shuffle.ts';
import { baseOtReceive, baseOtSenderFinish, baseOtSenderStart } from './base-ot.ts';
import { cuckooInsert } from './cuckoo.ts';
import { hashItems, ID_BYTES, ID_WORDS, PseudorandomCode } from './items.ts';
import type { HashedItems } from './items.ts';
import { OprfReceiver, OprfSender, ROW_DIGEST, RowHasher } from './oprf.ts';
import { BIN_BATCH, CODE_BITS, CODE_BYTES, CODE_WORDS, HASHES, assertLittleEndian, binCount, outputBytes } from './params.ts';
import { ValueTable } from './table.ts';
import { asPacked } from '../packed-keys.ts';
import type { PackedKeys } from '../packed-keys.ts';

export interface KkrtBucketOptions extends BucketOptions {
  /** This party holds input_ds1 (R when both parties receive). */
  readonly selfIsDs1: boolean;
  /** Sender items per value message. */
  readonly valueBatch?: number;
}

interface Hello {
  n: number;
  seed: string;
}

/** Which side is the OPRF receiver. */
export function isKkrtReceiver(o: { selfReceives: boolean; peerReceives: boolean; selfIsDs1: boolean }): boolean {
  return o.selfReceives && (!o.peerReceives || o.selfIsDs1);
}

export async function kkrtPsiBucket(link: PsiLink, keyList: readonly string[] | PackedKeys, opt: KkrtBucketOptions): Promise<BucketResult> {
  assertLittleEndian();
  const keys = asPacked(keyList);
  const receiver = isKkrtReceiver(opt);
  const n = keys.count;
  const seed = randomBytes(16);
  // S's items go out in a random order; its counts travel in that order too.
  const perm = receiver ? null : randomPermutation(n);
  sendJson(link, { n, seed: seed.toString('hex') } satisfies Hello);
  if (!receiver && opt.sendCounts && perm) {
    const shuffled = new Int32Array(n);
    for (let i = 0; i < n; i += 1) shuffled[i] = opt.sendCounts[perm[i]!]!;
    sendCounts(link, shuffled);
  }
  const peer = await recvJson<Hello>(link);
  const peerCountsShuffled = receiver && opt.expectCounts ? await recvCounts(link) : null;
  const peerSeed = Buffer.from(peer.seed, 'hex');
  const nR = receiver ? n : peer.n;
  const nS = receiver ? peer.n : n;
  const ikm = receiver ? Buffer.concat([seed, peerSeed]) : Buffer.concat([peerSeed, seed]);
  const derived = new Uint8Array(hkdfSync('sha256', ikm, Buffer.alloc(0), 'sfw-psi/kkrt/coin-toss/v1', 96));
  const ctx: Ctx = {
    link,
    opt,
    m: binCount(nR),
    ell: outputBytes(nR, nS),
    nR,
    nS,
    hashKey: derived.subarray(0, 32),
    code: new PseudorandomCode(derived.subarray(32, 96)),
  };
  if (receiver) return runReceiver(ctx, keys, peerCountsShuffled);
  return runSender(ctx, keys, perm!);
}

interface Ctx {
  readonly link: PsiLink;
  readonly opt: KkrtBucketOptions;
  readonly m: number;
  readonly ell: number;
  readonly nR: number;
  readonly nS: number;
  readonly hashKey: Uint8Array;
  readonly code: PseudorandomCode;
}

const slices = (m: number) => Math.ceil(m / BIN_BATCH);
/** Items encoded per PseudorandomCode call (1 MiB of code words). */
const CODE_CHUNK = 1 << 14;
const valueBatch = (c: Ctx) => c.opt.valueBatch ?? 1 << 14;
const totalSteps = (c: Ctx) => slices(c.m) + Math.ceil(c.nS / valueBatch(c));

async function runReceiver(c: Ctx, keys: PackedKeys, peerCounts: Int32Array | null): Promise<BucketResult> {
  const { link, m, ell, opt } = c;
  // Step 2: R is the base-OT sender.
  const st = baseOtSenderStart();
  sendTagged(link, Tag.Ot, st.A);
  const { k0, k1 } = baseOtSenderFinish(st, await recvTagged(link, Tag.Ot), CODE_BITS);
  const oprf = new OprfReceiver(k0, k1);
  k0.fill(0);
  k1.fill(0);

  // Step 3: cuckoo table, corrections per slice, own values H(j, t_j) filed by hash index.
  const items = hashItems(keys, c.hashKey, m);
  const table = cuckooInsert(items.bins, c.nR, m);
  if (!table) throw new PsiExecutionError('KKRT cuckoo hashing failed (probability below 2^-40 per bucket); rerun the task');
  const values = new Uint8Array(c.nR * ell);
  const half = ell >>> 1;
  const values16 = ell % 2 === 0 ? new Uint16Array(values.buffer, values.byteOffset, values.length >>> 1) : null;
  const filed = table.filed;
  const hasher = new RowHasher();
  let step = 0;
  const occupied = new Int32Array(BIN_BATCH);
  const ids = new Uint8Array(BIN_BATCH * ID_BYTES);
  const ids32 = new Uint32Array(ids.buffer);
  const itemIds32 = new Uint32Array(items.ids.buffer, items.ids.byteOffset, c.nR * ID_WORDS);
  const words = new Uint8Array(BIN_BATCH * CODE_BYTES);
  const codeScratch = new Uint32Array(BIN_BATCH * CODE_WORDS);
  for (let j0 = 0; j0 < m; j0 += BIN_BATCH) {
    opt.signal?.throwIfAborted();
    const bins = Math.min(BIN_BATCH, m - j0);
    // Code words of the slice's occupied bins, encoded as one batch, then placed by bin.
    let occ = 0;
    for (let j = 0; j < bins; j += 1) if (table.binItem[j0 + j]! >= 0) occupied[occ++] = j;
    for (let i = 0; i < occ; i += 1) {
      const x = table.binItem[j0 + occupied[i]!]!;
      for (let w = 0; w < ID_WORDS; w += 1) ids32[i * ID_WORDS + w] = itemIds32[x * ID_WORDS + w]!;
    }
    c.code.encode(ids, 0, occ, words);
    const codeRows = codeScratch.subarray(0, bins * CODE_WORDS).fill(0);
    const words32 = new Uint32Array(words.buffer);
    for (let i = 0; i < occ; i += 1) {
      const j = occupied[i]!;
      for (let w = 0; w < CODE_WORDS; w += 1) codeRows[j * CODE_WORDS + w] = words32[i * CODE_WORDS + w]!;
    }
    const { corrections, tRows } = oprf.slice(codeRows, bins);
    sendTagged(link, Tag.Ot, corrections);
    hasher.start(occ);
    for (let i = 0; i < occ; i += 1) {
      const j = occupied[i]!;
      hasher.row(i, j0 + j, tRows, j * CODE_WORDS);
    }
    const digests = hasher.finish(occ);
    if (values16) {
      // By 16-bit words when ell is even: half the stores into scattered lines of values.
      const d16 = new Uint16Array(digests.buffer, digests.byteOffset, (occ * ROW_DIGEST) >>> 1);
      for (let i = 0; i < occ; i += 1) {
        const x = table.binItem[j0 + occupied[i]!]!;
        for (let k = 0; k < half; k += 1) values16[x * half + k] = d16[i * (ROW_DIGEST >>> 1) + k]!;
      }
    } else {
      for (let i = 0; i < occ; i += 1) {
        const x = table.binItem[j0 + occupied[i]!]!;
        for (let k = 0; k < ell; k += 1) values[x * ell + k] = digests[i * ROW_DIGEST + k]!;
      }
    }
    opt.onBatch?.(++step, totalSteps(c));
    await yieldLoop();
  }
  const tables = Array.from({ length: HASHES }, (_, h) => {
    let cap = 0;
    for (let x = 0; x < c.nR; x += 1) if (filed[x] === h) cap += 1;
    const t = new ValueTable(values, ell, cap);
    for (let x = 0; x < c.nR; x += 1) if (filed[x] === h) t.add(x);
    return t;
  });

  // Step 5: match S's values, HASHES per item, in S's shuffled item order.
  const matched = new Uint8Array(c.nR);
  const counts = peerCounts ? new Int32Array(c.nR) : null;
  const peerHits: number[] = [];
  let got = 0;
  while (got < c.nS) {
    const msg = await recvTagged(link, Tag.Ot);
    opt.signal?.throwIfAborted();
    const k = msg.length / (HASHES * ell);
    if (!Number.isInteger(k) || k === 0 || got + k > c.nS) throw new PsiExecutionError('PSI protocol out of step: value batch length');
    for (let i = 0; i < k; i += 1) {
      for (let h = 0; h < HASHES; h += 1) {
        const x = tables[h]!.find(msg, (i * HASHES + h) * ell);
        if (x < 0) continue;
        matched[x] = 1;
        if (counts && peerCounts) counts[x] = peerCounts[got + i]!;
        peerHits.push(got + i);
        break;
      }
    }
    got += k;
    opt.onBatch?.(++step, totalSteps(c));
  }
  // Step 6: S learns its matches as positions in its own shuffled order, sorted.
  if (opt.peerReceives) sendCounts(link, Int32Array.from(peerHits.sort((a, b) => a - b)));
  return { matched, peerCounts: counts, peerSize: c.nS };
}

async function runSender(c: Ctx, keys: PackedKeys, perm: Uint32Array): Promise<BucketResult> {
  const { link, m, ell, opt } = c;
  // Step 2: S is the base-OT receiver with a random choice vector s.
  const s = new Uint8Array(CODE_BITS);
  const rnd = randomBytes(CODE_BITS / 8);
  for (let i = 0; i < CODE_BITS; i += 1) s[i] = (rnd[i >>> 3]! >>> (i & 7)) & 1;
  const A = await recvTagged(link, Tag.Ot);
  const { message, keys: kS } = baseOtReceive(A, s);
  sendTagged(link, Tag.Ot, message);
  const oprf = new OprfSender(kS, s);
  kS.fill(0);
  const nS = c.nS;
  // Each item's code word C(y), once per item: the values need it at each of the item's 3 bins,
  // and encoding per (item, h) entry instead ran AES three times per item and gathered the 16-byte
  // id at random for each entry. The ids are dropped once encoded. Items are hashed in the
  // shuffled order, so item y is the one sent at position y: its values go to out[(3y + h) ell],
  // ascending within a slice, rather than to a random place through the inverse permutation.
  let items: HashedItems | null = hashItems(keys, c.hashKey, m, perm);
  const bins = items.bins;
  const codes = encodeAll(c.code, items.ids, nS);
  items = null;

  // Steps 3 and 4 together, slice by slice. Each (item, h) value H(j, q_j ^ (C(y) & s)) needs the
  // row q_j of one bin j = bin_h(y) only, so it is computed while that bin's slice of rows is at
  // hand (2 MiB, in cache) instead of after all slices from a full m x 64-byte q (88 MB at 2^20,
  // read at three random rows per item: a cache and TLB miss each). The values land at their
  // place in the shuffled order and go out once every slice is done, so the messages are the
  // ones the item-by-item loop sent. Entry y * HASHES + h of an item lists it under the slice of
  // its bin, items in increasing order within a slice; a bin repeated within one item gets random
  // bytes instead (its value would repeat the first one's).
  const out = new Uint8Array(nS * HASHES * ell);
  const nSlices = slices(m);
  const sliceStart = new Int32Array(nSlices + 1);
  const isRepeat = (e: number) => {
    const h = e % HASHES;
    for (let g = 1; g <= h; g += 1) if (bins[e - g] === bins[e]) return true;
    return false;
  };
  for (let e = 0; e < nS * HASHES; e += 1) if (!isRepeat(e)) sliceStart[Math.floor(bins[e]! / BIN_BATCH) + 1]! += 1;
  for (let k = 0; k < nSlices; k += 1) sliceStart[k + 1]! += sliceStart[k]!;
  // Each entry's bin goes beside it: read in slice order, bins[e] was a cache miss per entry.
  const entries = new Uint32Array(sliceStart[nSlices]!);
  const entryBin = new Uint32Array(entries.length);
  const fill = sliceStart.slice(0, nSlices);
  for (let e = 0; e < nS * HASHES; e += 1) {
    if (isRepeat(e)) out.set(randomBytes(ell), e * ell);
    else {
      const at = fill[Math.floor(bins[e]! / BIN_BATCH)]!++;
      entries[at] = e;
      entryBin[at] = bins[e]!;
    }
  }

  const hasher = new RowHasher();
  const half = ell >>> 1;
  const out16 = ell % 2 === 0 ? new Uint16Array(out.buffer, out.byteOffset, out.length >>> 1) : null;
  const batch = valueBatch(c);
  const chunk = 1 << 14;
  const q = new Uint32Array(Math.min(BIN_BATCH, m) * CODE_WORDS);
  let step = 0;
  for (let sl = 0; sl < nSlices; sl += 1) {
    const j0 = sl * BIN_BATCH;
    const width = Math.min(BIN_BATCH, m - j0);
    const corrections = await recvTagged(link, Tag.Ot);
    opt.signal?.throwIfAborted();
    oprf.slice(corrections, width, q.subarray(0, width * CODE_WORDS));
    for (let a = sliceStart[sl]!; a < sliceStart[sl + 1]!; a += chunk) {
      const k = Math.min(chunk, sliceStart[sl + 1]! - a);
      hasher.start(k);
      for (let i = 0; i < k; i += 1) {
        const j = entryBin[a + i]!;
        hasher.masked(i, j, q, (j - j0) * CODE_WORDS, codes, Math.floor(entries[a + i]! / HASHES) * CODE_WORDS, oprf.sRow);
      }
      const digests = hasher.finish(k);
      if (out16) {
        // By 16-bit words when ell is even: half the stores into scattered lines of out.
        const d16 = new Uint16Array(digests.buffer, digests.byteOffset, (k * ROW_DIGEST) >>> 1);
        for (let i = 0; i < k; i += 1) {
          const at = entries[a + i]! * half;
          for (let b = 0; b < half; b += 1) out16[at + b] = d16[i * (ROW_DIGEST >>> 1) + b]!;
        }
      } else {
        for (let i = 0; i < k; i += 1) {
          const at = entries[a + i]! * ell;
          for (let b = 0; b < ell; b += 1) out[at + b] = digests[i * ROW_DIGEST + b]!;
        }
      }
    }
    opt.onBatch?.(++step, totalSteps(c));
    await yieldLoop();
  }
  // The values, per item in the shuffled order, valueBatch items per message.
  for (let p0 = 0; p0 < nS; p0 += batch) {
    opt.signal?.throwIfAborted();
    const k = Math.min(batch, nS - p0);
    sendTagged(link, Tag.Ot, out.subarray(p0 * HASHES * ell, (p0 + k) * HASHES * ell));
    opt.onBatch?.(++step, totalSteps(c));
  }
  if (!opt.selfReceives) return { matched: null, peerCounts: null, peerSize: c.nR };
  const hits = await recvCounts(link);
  const matched = new Uint8Array(c.nS);
  for (const p of hits) {
    if (p < 0 || p >= c.nS) throw new PsiExecutionError('PSI protocol out of step: match position');
    matched[perm[p]!] = 1;
  }
  return { matched, peerCounts: null, peerSize: c.nR };
}

/** Code words of ids 0..n-1, 16 words per item. */
function encodeAll(code: PseudorandomCode, ids: Uint8Array, n: number): Uint32Array {
  const codes = new Uint32Array(n * CODE_WORDS);
  const bytes = new Uint8Array(codes.buffer);
  for (let y0 = 0; y0 < n; y0 += CODE_CHUNK) {
    const y1 = Math.min(n, y0 + CODE_CHUNK);
    code.encode(ids, y0, y1, bytes.subarray(y0 * CODE_BYTES, y1 * CODE_BYTES));
  }
  return codes;
}

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));
