// The dealer's arithmetic, shared by the TTP dealer endpoint (dealer.ts) and by rank 0 in TFP mode.
// It holds one PRG per rank, seeded with the seed that rank sent at session start, and for each
// request replays exactly the draws that rank makes locally (correlation.ts), so that
//   secret(part) = sum over ranks of draw_j(part)        for random parts,
//   share_adjust(part) = derived(part) - sum_{j != adjust} draw_j(part)   for derived parts.
import { BlockProgram, ELEMENT_BYTES, LIMBS, Prg, RingArena, add, allocLimbs, kernelThreads, makeTensor, randomSeed, shapeSize, sub, toBytes, xor, type FieldType, type RingTensor } from '@sfw/ring';
import { BufferPool, type ScratchPool } from '../../pool.ts';
import type { CorrelationSpec, CorrelationTable, PartLayout, Parts } from '../correlation.ts';
import { ANSWER_TRAILER, answerTrailer, claimAnswer } from './wire.ts';

/** The rank whose derived shares come from the dealer (SPU: `adjust_rank`). */
export const ADJUST_RANK = 0;

export function partBytes(p: PartLayout): number {
  return shapeSize(p.shape) * ELEMENT_BYTES[p.field];
}

/** The next draw of part `p` from `prg`, into pooled memory when a pool is given. */
export function drawPart(prg: Prg, p: PartLayout, pool?: ScratchPool): RingTensor {
  if (pool === undefined) return prg.fillRing(p.field, shapeSize(p.shape), p.shape);
  const t = pool.take(p.field, p.shape);
  prg.fill(toBytes(t));
  return t;
}

function combineInto(p: PartLayout, acc: RingTensor, t: RingTensor): void {
  if (p.sharing === 'xor') xor(acc, t, acc);
  else add(acc, t, acc);
}

/** Adds one rank's draw `t` to the running sum `acc` (the first draw becomes the sum) and recycles `t`. */
function sumInto(acc: RingTensor | undefined, p: PartLayout, t: RingTensor, pool: ScratchPool): RingTensor {
  if (acc === undefined) return t;
  combineInto(p, acc, t);
  pool.give(t);
  return acc;
}

function removeInto(p: PartLayout, total: RingTensor, t: RingTensor, out: RingTensor): void {
  if (p.sharing === 'xor') xor(total, t, out);
  else sub(total, t, out);
}

export class DealerCore {
  readonly #field: FieldType;
  readonly #prgs: Prg[];
  readonly #pool = new BufferPool();
  readonly #kinds: CorrelationTable;
  /** The dealer's own stream (dealerOnly parts): seeded from the OS CSPRNG, known to nobody else. */
  readonly #own = new Prg(randomSeed());
  readonly #reuse: boolean;
  readonly #sharedAnswers: boolean;

  /**
   * seeds[j] = the 16-byte seed rank j shares with the dealer; `kinds` = the protocol's table.
   * reuseAnswers: the answers reach rank 0 as the same memory (Comm.sharesBuffers, or TFP), so the
   * elementwise kinds' answers carry a release trailer and are reused once released (wire.ts).
   * Otherwise every answer is a whole buffer of its own, which a transport can hand over as it is.
   * sharedAnswers: the reused answers live in SharedArrayBuffers (Comm.sharesSharedMemory: only those
   * reach rank 0 as the same memory).
   */
  constructor(field: FieldType, seeds: readonly Uint8Array[], kinds: CorrelationTable, opts: { reuseAnswers?: boolean; sharedAnswers?: boolean } = {}) {
    this.#field = field;
    this.#kinds = kinds;
    this.#prgs = seeds.map((s) => new Prg(s));
    this.#reuse = opts.reuseAnswers === true;
    this.#sharedAnswers = opts.sharedAnswers === true;
  }

  /**
   * Generate one correlation and return the adjust rank's derived shares, concatenated in layout
   * order (the bytes the dealer sends).
   */
  generate(kind: string, rawParams: unknown): Uint8Array {
    const spec = this.#kinds.get(kind);
    const params = spec.parse(rawParams);
    const rnd = spec.random(params, this.#field);
    const der = spec.derived(params, this.#field);
    const own = spec.dealerOnly?.(params, this.#field) ?? [];
    if (spec.elementwise === true) {
      const n = rnd.length > 0 ? shapeSize(rnd[0]!.shape) : 0;
      const parts = [...rnd, ...der, ...own];
      // The block path splits every rank's stream over all parts: a part only its owner draws
      // (drawnBy) would shift the other ranks' offsets, so such kinds take the whole-tensor path.
      if (parts.every((p) => p.field === this.#field && shapeSize(p.shape) === n && p.drawnBy === undefined)) return this.#generateBlocks(kind, spec, params, rnd, der, own, n);
    }
    if (spec.deriveAdjust !== undefined) return this.#generateAdjust(spec, params, rnd, der, own);
    const pool = this.#pool;
    const totals: Parts = {};
    const othersDerived: (RingTensor | undefined)[] = der.map(() => undefined);
    this.#prgs.forEach((prg, j) => {
      for (const p of rnd) {
        if (p.drawnBy !== undefined && p.drawnBy !== j) continue;
        totals[p.name] = sumInto(totals[p.name], p, drawPart(prg, p, pool), pool);
      }
      if (j === ADJUST_RANK) return;
      der.forEach((p, i) => {
        othersDerived[i] = sumInto(othersDerived[i], p, drawPart(prg, p, pool), pool);
      });
    });
    for (const p of own) totals[p.name] = drawPart(this.#own, p, pool);
    // A single rank has no other shares: its derived share is the value itself.
    der.forEach((p, i) => (othersDerived[i] ??= makeTensor(p.field, p.shape)));
    const values = spec.derive(params, this.#field, totals, pool); // results are recycled below
    const total = der.reduce((s, p) => s + partBytes(p), 0);
    const out = answerBuffer(total);
    let off = 0;
    der.forEach((p, i) => {
      const v = values[p.name];
      if (v === undefined || v.size !== shapeSize(p.shape) || v.field !== p.field) throw new Error(`correlation '${kind}': derive() returned no valid '${p.name}'`);
      // Written straight into the outgoing buffer (a fresh view, so derive() may return aliases).
      const n = partBytes(p);
      const view = makeTensor(p.field, p.shape, new BigUint64Array(out.buffer, off, n / 8));
      removeInto(p, v, othersDerived[i]!, view);
      off += n;
    });
    // Totals, derived values (derive() may have written into the totals) and the others' sums are
    // dealer-private scratch: recycle them.
    pool.give(...Object.values(totals), ...Object.values(values), ...othersDerived);
    return out;
  }

  /**
   * generate() for a kind with deriveAdjust: the other ranks' derived draws go straight into the
   * answer buffer (the first one as the PRG writes it, later ones combined into it) and the kind
   * turns them into the adjust rank's share in place: no derived tensor, no second n-sized buffer.
   * Draw order per rank as in generate(): random parts, then (ranks != adjust) derived parts.
   */
  #generateAdjust(spec: CorrelationSpec<unknown>, params: unknown, rnd: readonly PartLayout[], der: readonly PartLayout[], own: readonly PartLayout[]): Uint8Array {
    const pool = this.#pool;
    const out = answerBuffer(der.reduce((s, p) => s + partBytes(p), 0));
    const views: Parts = {};
    let off = 0;
    for (const p of der) {
      const n = partBytes(p);
      views[p.name] = makeTensor(p.field, p.shape, new BigUint64Array(out.buffer, off, n / 8));
      off += n;
    }
    const totals: Parts = {};
    let first = true;
    this.#prgs.forEach((prg, j) => {
      for (const p of rnd) {
        if (p.drawnBy !== undefined && p.drawnBy !== j) continue;
        totals[p.name] = sumInto(totals[p.name], p, drawPart(prg, p, pool), pool);
      }
      if (j === ADJUST_RANK) return;
      for (const p of der) {
        const v = views[p.name]!;
        if (first) prg.fill(toBytes(v));
        else {
          const t = drawPart(prg, p, pool);
          combineInto(p, v, t);
          pool.give(t);
        }
      }
      first = false;
    });
    for (const p of own) totals[p.name] = drawPart(this.#own, p, pool);
    // A single rank has no other shares (the answer buffer may be recycled shared memory).
    if (first) for (const p of der) views[p.name]!.data.fill(0n);
    spec.deriveAdjust!(params, this.#field, totals, views);
    pool.give(...Object.values(totals));
    return out;
  }

  /**
   * generate() for an elementwise kind, BLOCK elements at a time: every rank's draws, their sums,
   * derive() and the correction of one block stay in cache, and only the answer is written to
   * memory (the whole-tensor path writes every draw out and reads it back in several passes).
   * Each rank's stream is split at the offsets where drawing the parts one after another would have
   * put them, so the bytes match the ranks' own draws exactly.
   */
  #generateBlocks(kind: string, spec: CorrelationSpec<unknown>, params: unknown, rnd: readonly PartLayout[], der: readonly PartLayout[], own: readonly PartLayout[], n: number): Uint8Array {
    const field = this.#field;
    const eb = ELEMENT_BYTES[field];
    // Every block tensor (draws, sums, derived values, corrections) in one WASM arena: the ring
    // kernels then run on them in place instead of copying each operand through scratch and back.
    // Below one block the copies cost less than reaching for the arena.
    if (n >= BLOCK && spec.deriveProgram !== undefined) {
      const out = this.#generateProgram(kind, spec, params, rnd, der, own, n);
      if (out !== undefined) return out;
    }
    const pool = n < BLOCK ? this.#pool : blockPool(field, this.#prgs.length * (rnd.length + der.length) + rnd.length + own.length + 2 * der.length, this.#pool);
    const streams = this.#prgs.map((prg, j) => prg.split([...rnd, ...(j === ADJUST_RANK ? [] : der)].map(() => n * eb)));
    const out = this.#reuse ? reusableAnswer(der.length * n * eb, this.#sharedAnswers) : answerBuffer(der.length * n * eb);
    for (let lo = 0; lo < n; lo += BLOCK) {
      const len = Math.min(BLOCK, n - lo);
      const block = (p: PartLayout): PartLayout => ({ ...p, shape: [len] });
      const totals: Parts = {};
      const others: (RingTensor | undefined)[] = der.map(() => undefined);
      streams.forEach((ss, j) => {
        rnd.forEach((p, i) => {
          totals[p.name] = sumInto(totals[p.name], p, drawBlock(ss[i]!, block(p), pool), pool);
        });
        if (j === ADJUST_RANK) return;
        der.forEach((p, i) => {
          others[i] = sumInto(others[i], p, drawBlock(ss[rnd.length + i]!, block(p), pool), pool);
        });
      });
      for (const p of own) totals[p.name] = drawBlock(this.#own, block(p), pool);
      const values = spec.derive(params, field, totals, pool);
      der.forEach((p, i) => {
        const v = values[p.name];
        if (v === undefined || v.size !== len || v.field !== field) throw new Error(`correlation '${kind}': derive() returned no valid '${p.name}'`);
        const view = makeTensor(field, [len], new BigUint64Array(out.buffer, (i * n + lo) * eb, (len * eb) / 8));
        const o = others[i];
        // The correction is computed beside its operands (in place in the arena), then copied out.
        if (o !== undefined) removeInto(p, v, o, o);
        view.data.set((o ?? v).data);
      });
      pool.give(...Object.values(totals), ...Object.values(values), ...others);
    }
    return out;
  }

  /**
   * #generateBlocks as one ring block program (the kind's deriveProgram): its inputs are the PRG
   * streams themselves, at the offsets #generateBlocks reads them from, so each block is expanded
   * straight into cache and the program splits over the kernel threads, every thread expanding its
   * own element range of every stream (the same bytes: CTR is addressable). Undefined (no stream
   * moved) when the active ring kernels cannot run programs.
   */
  #generateProgram(kind: string, spec: CorrelationSpec<unknown>, params: unknown, rnd: readonly PartLayout[], der: readonly PartLayout[], own: readonly PartLayout[], n: number): Uint8Array | undefined {
    const field = this.#field;
    const eb = ELEMENT_BYTES[field];
    // Inputs, in slot order: per rank its random parts (then, off the adjust rank, its derived
    // parts), then the dealer-only parts. Outputs: the adjust rank's derived shares.
    const counts = this.#prgs.map((_, j) => rnd.length + (j === ADJUST_RANK ? 0 : der.length));
    const inputs = counts.reduce((s, c) => s + c, 0) + own.length;
    if (!BlockProgram.available()) return undefined;
    const g = new BlockProgram(field, inputs, der.length);
    const totals: Record<string, number> = {};
    const others: (number | undefined)[] = der.map(() => undefined);
    let at = 0;
    const combine = (p: PartLayout, acc: number | undefined, s: number): number => {
      if (acc === undefined) return s;
      if (p.sharing === 'xor') throw new Error(`correlation '${kind}': XOR parts have no block program`);
      g.add(acc, s, acc);
      return acc;
    };
    this.#prgs.forEach((_, j) => {
      rnd.forEach((p) => (totals[p.name] = combine(p, totals[p.name], at++)));
      if (j !== ADJUST_RANK) der.forEach((p, i) => (others[i] = combine(p, others[i], at++)));
    });
    for (const p of own) totals[p.name] = at++;
    const values = spec.deriveProgram!(params, field, g, totals);
    der.forEach((p, i) => {
      const v = values[p.name];
      if (v === undefined) throw new Error(`correlation '${kind}': deriveProgram() returned no '${p.name}'`);
      if (p.sharing === 'xor') throw new Error(`correlation '${kind}': XOR parts have no block program`);
      const o = others[i];
      if (o === undefined) g.copy(v, inputs + i);
      else g.sub(v, o, inputs + i);
    });
    const streams = this.#prgs.flatMap((prg, j) => prg.streams(new Array<number>(counts[j]!).fill(n * eb)));
    streams.push(...this.#own.streams(own.map(() => n * eb)));
    const out = this.#reuse ? reusableAnswer(der.length * n * eb, this.#sharedAnswers) : answerBuffer(der.length * n * eb);
    const outs = der.map((_, i) => makeTensor(field, [n], new BigUint64Array(out.buffer, i * n * eb, (n * eb) / 8)));
    // The dealer's work per element (every rank's draws) is several kernels' worth: split earlier.
    g.run(n, streams, outs, PROGRAM_SPLIT_MIN);
    return out;
  }
}

/**
 * The block path's arena pool, one per thread and field, grown (replaced) when a kind needs more
 * slots. Shared by every DealerCore of the thread: generation is synchronous and gives every block
 * tensor back before it returns, so two cores never hold its slots at once. `spill` serves what
 * the arena cannot (and everything when no arena can be made).
 */
function blockPool(field: FieldType, slots: number, spill: ScratchPool): ScratchPool {
  const have = blockPools.get(field);
  if (have !== undefined && have.slots >= slots) return have.pool.withSpill(spill);
  if (noArena) return spill;
  try {
    const pool = new ArenaBlocks(BLOCK * LIMBS[field], slots);
    blockPools.set(field, { pool, slots });
    return pool.withSpill(spill);
  } catch {
    noArena = true; // no WebAssembly: JS memory from now on
    return spill;
  }
}

let noArena = false;

const blockPools = new Map<FieldType, { pool: ArenaBlocks; slots: number }>();

/** The next draw of a block-sized part into `pool` (straight into arena memory: no toBytes copy). */
function drawBlock(prg: Prg, p: PartLayout, pool: ScratchPool): RingTensor {
  const t = pool.take(p.field, p.shape);
  prg.fill(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return t;
}

/**
 * Fixed-size tensors ("slots") inside one RingArena, handed out and taken back like a pool's. A
 * request the arena cannot serve (larger than a slot, or every slot in use) goes to `spill`, JS
 * memory on which the kernels take their usual streamed path.
 */
class ArenaBlocks implements ScratchPool {
  readonly #data: BigUint64Array;
  readonly #limbs: number;
  readonly #free: number[] = [];
  readonly #isFree: boolean[];
  #spill: ScratchPool = new BufferPool();

  /** Throws when no arena can be made (no WebAssembly). */
  constructor(limbs: number, slots: number) {
    this.#data = new RingArena(limbs * 8 * slots).alloc('FM64', [limbs * slots]).data;
    this.#limbs = limbs;
    this.#isFree = new Array<boolean>(slots).fill(true);
    for (let i = slots - 1; i >= 0; i--) this.#free.push(i);
  }

  /** This pool, spilling to `spill` (the calling core's pool) from now on. */
  withSpill(spill: ScratchPool): this {
    this.#spill = spill;
    return this;
  }

  take(field: FieldType, shape: readonly number[]): RingTensor {
    const limbs = shapeSize(shape) * LIMBS[field];
    const i = limbs <= this.#limbs ? this.#free.pop() : undefined;
    if (i === undefined) return this.#spill.take(field, shape);
    this.#isFree[i] = false;
    return makeTensor(field, shape, this.#data.subarray(i * this.#limbs, i * this.#limbs + limbs));
  }

  give(...ts: (RingTensor | undefined)[]): void {
    for (const t of ts) {
      if (t === undefined) continue;
      if (t.data.buffer !== this.#data.buffer) {
        this.#spill.give(t);
        continue;
      }
      const i = Math.floor((t.data.byteOffset - this.#data.byteOffset) / (8 * this.#limbs));
      if (this.#isFree[i] === false) {
        this.#isFree[i] = true;
        this.#free.push(i);
      }
    }
  }

  clear(): void {
    this.#spill.clear();
  }
}

/**
 * The answer's memory: shared while ring's kernel threads are on (allocLimbs), so the adjust rank's
 * kernels that read its slices can be split over threads too; it is sent whole and never touched here
 * again (a shared buffer is handed over as a transferred one would be).
 */
function answerBuffer(bytes: number): Uint8Array {
  return new Uint8Array(allocLimbs(bytes / 8).buffer, 0, bytes);
}

/**
 * An answer buffer of the elementwise kinds (whose kernels release their answers: semi2k.ts): a
 * released one of this size when there is one, else a fresh one with a trailer (wire.ts). Only the
 * last few are tracked, so answers that are never released (a transport that copies, a consumer that
 * keeps them) cost nothing but their own allocation. Answers below 1 MiB are cheap to allocate and
 * not tracked.
 */
function reusableAnswer(bytes: number, sharedOnly: boolean): Uint8Array {
  if (bytes < REUSE_MIN_BYTES) return answerBuffer(bytes);
  // allocLimbs' choice for this size (shared memory exactly while kernel threads are on), or shared
  // memory whatever the kernel threads when only that reaches rank 0 as the same memory.
  const shared = sharedOnly || kernelThreads() > 1;
  for (let i = 0; i < issued.length; i++) {
    const e = issued[i]!;
    if (e.full.byteLength === 0) {
      issued.splice(i--, 1); // transferred away by the transport
      continue;
    }
    if (e.bytes !== bytes || (e.full.buffer instanceof SharedArrayBuffer) !== shared || !claimAnswer(e.trailer)) continue;
    issued.splice(i, 1);
    issued.push(e);
    answersReused++;
    return new Uint8Array(e.full.buffer, 0, bytes);
  }
  const limbs = (bytes + ANSWER_TRAILER) / 8;
  const full = sharedOnly ? new BigUint64Array(new SharedArrayBuffer(limbs * 8)) : allocLimbs(limbs);
  issued.push({ full, trailer: answerTrailer(full.buffer, bytes), bytes });
  if (issued.length > MAX_ISSUED) issued.shift();
  return new Uint8Array(full.buffer, 0, bytes);
}

/** Answers handed out by this thread's dealers (most recently used last), for reusableAnswer. */
const issued: { full: BigUint64Array; trailer: Int32Array; bytes: number }[] = [];
/** One answer in flight and one released, for two alternating sizes (e.g. a product and a truncation). */
const MAX_ISSUED = 4;
const REUSE_MIN_BYTES = 1 << 20;
let answersReused = 0;

/** Answers this thread's dealers have reused so far (tests check that reuse really happens). */
export function answerReuses(): number {
  return answersReused;
}

/**
 * A generation program splits over the kernel threads from this many elements per thread: each
 * element costs several PRG words and kernels (a Beaver triple with its truncation pair: 8 words
 * and ~12 kernel steps), so the split pays earlier than a single kernel's (ring: 2^17).
 */
const PROGRAM_SPLIT_MIN = 1 << 15;

/** Elements per block of an elementwise generation: 64 KiB per FM64 part (L2-resident working set). */
const BLOCK = 8192;
