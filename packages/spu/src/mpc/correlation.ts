// Pluggable correlated randomness ("correlations") served by the dealer.
//
// A correlation kind describes tensors shared among the SPU ranks:
//   - random parts: every rank's share is drawn from the PRG stream it shares with the dealer, so the
//     secret value is the sum (or XOR) of those draws and nobody but the dealer knows it;
//   - derived parts: values the dealer computes from the random parts (c = a*b, r >> m, ...). Every
//     rank except the adjust rank draws its share from its PRG stream; the dealer, which can expand
//     every stream, sends the adjust rank the one share that makes the sum come out right.
// This is SPU's semi2k TTP/TFP Beaver design (libspu/mpc/semi2k/beaver): the dealer sends one
// correction per derived element to one rank and nothing to the others.
//
// Kinds are values: each file that defines some exports them as a list (`correlationKinds`), and a
// protocol record (protocol.ts) assembles the lists its kernels use into one CorrelationTable. The
// ranks and the dealer look kinds up in the same table, handed to them when a session starts: their
// streams stay in sync only if both draw the same parts in the same order, so nothing may depend on
// which modules happen to have been imported on an endpoint.
import { FIELD_BITS, type BlockProgram, type FieldType, type RingTensor } from '@sfw/ring';
import { SpuError } from '../config.ts';
import type { ScratchPool } from '../pool.ts';

/** How the parts of a secret combine: `additive` = sum mod 2^k; `xor` = bitwise XOR of the limbs. */
export type Sharing = 'additive' | 'xor';

export interface PartLayout {
  readonly name: string;
  readonly field: FieldType;
  readonly shape: readonly number[];
  readonly sharing: Sharing;
  /**
   * Random parts only: when set, only this rank draws the part (its draw is the whole secret, which
   * the dealer learns by replaying that one stream); the other ranks draw nothing and get no entry.
   * For a mask that one rank applies to its own plaintext (private-product.ts).
   */
  readonly drawnBy?: number;
}

export type Parts = Record<string, RingTensor>;

export interface CorrelationSpec<P> {
  /** Validate parameters arriving from the wire at the dealer (throw SpuError, never echo values). */
  parse(raw: unknown): P;
  /** Parts whose secret is the sum/XOR of every rank's PRG draw. Drawn first, in this order. */
  random(params: P, field: FieldType): readonly PartLayout[];
  /**
   * Parts only the dealer draws, from a stream of its own seeded from the OS CSPRNG and shared with
   * nobody: secrets no rank holds any share of (e.g. a mask the dealer adds into a derived part, so
   * that an opening of the derived value's use reveals only masked data). Passed to derive() and
   * deriveAdjust() among the random parts; the ranks draw nothing for them.
   */
  dealerOnly?(params: P, field: FieldType): readonly PartLayout[];
  /** Parts the dealer computes from the random parts. Drawn after the random parts, in this order. */
  derived(params: P, field: FieldType): readonly PartLayout[];
  /**
   * Dealer side: the plaintext derived values from the plaintext random values (keyed by name).
   * May overwrite the random tensors and return them (they are scratch afterwards); the returned
   * tensors must be distinct objects per part and are recycled by the dealer after use (do not
   * keep references to them). `scratch` (the dealer's pool) may supply the outputs' memory.
   */
  derive(params: P, field: FieldType, random: Parts, scratch?: ScratchPool): Parts;
  /**
   * Optional fused form of derive() for the adjust rank's share: `others` holds, per derived part,
   * the other ranks' draws combined (sum or XOR); overwrite it in place with derived - others (or
   * derived XOR others). Saves the dealer a derived tensor and a pass over it (e.g. a bit pair's
   * arithmetic part, which derive() would expand from its bit plane first). The dealer's whole-tensor
   * path uses it when present; derive() stays the reference (the block path and tests use it).
   */
  deriveAdjust?(params: P, field: FieldType, random: Parts, others: Parts): void;
  /**
   * Optional, elementwise kinds only: derive() as steps of a ring block program, on slot numbers
   * (`random`: the random and dealer-only parts' plaintext values by name; slots may be overwritten).
   * Returns the slot of each derived part's value (distinct slots). The dealer then runs the whole
   * generation (every rank's draws, their sums, these steps, the corrections) as one program that
   * reads the PRG streams directly and splits over the kernel threads; derive() stays the reference
   * and the path without WebAssembly.
   */
  deriveProgram?(params: P, field: FieldType, prog: BlockProgram, random: Record<string, number>): Record<string, number>;
  /**
   * True when every part has the same element count and element i of each derived part depends
   * only on element i of the random parts. The dealer then generates the correlation in cache-sized
   * blocks: derive() is called once per block, on tensors of the block's length (shape [len]), so it
   * must take sizes from its inputs, not from params.
   */
  readonly elementwise?: boolean;
}

/** One named kind, as the kind-defining files export them. */
export interface CorrelationKind {
  readonly kind: string;
  readonly spec: CorrelationSpec<unknown>;
}

/** A kind with its parameter type checked against its spec at the definition site. */
export function correlationKind<P>(kind: string, spec: CorrelationSpec<P>): CorrelationKind {
  if (!/^[A-Za-z][\w.:-]{0,63}$/.test(kind)) throw new SpuError(`correlation kind '${kind}' is not a valid name`);
  // Erased to unknown parameters: the table only ever feeds a spec what its own parse() returned.
  return { kind, spec: spec as CorrelationSpec<unknown> };
}

/** The kinds one protocol's ranks and dealer agree on. Immutable once built. */
export class CorrelationTable {
  readonly #specs = new Map<string, CorrelationSpec<unknown>>();

  constructor(kinds: Iterable<CorrelationKind>) {
    for (const { kind, spec } of kinds) {
      if (this.#specs.has(kind)) throw new SpuError(`correlation kind '${kind}' is defined twice`);
      this.#specs.set(kind, spec);
    }
  }

  get(kind: string): CorrelationSpec<unknown> {
    const s = this.#specs.get(kind);
    if (s === undefined) throw new SpuError(`correlation kind '${kind}' is not in this protocol's table`);
    return s;
  }

  kinds(): string[] {
    return [...this.#specs.keys()];
  }

  /** This table plus `more` (e.g. kinds a test defines); a name already here is an error. */
  with(more: Iterable<CorrelationKind>): CorrelationTable {
    return new CorrelationTable([...[...this.#specs].map(([kind, spec]) => ({ kind, spec })), ...more]);
  }
}

// ---- small validation helpers for spec.parse ----

export function parseDims(raw: unknown, name: string, count: number): number[] {
  if (!Array.isArray(raw) || raw.length !== count || !raw.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
    throw new SpuError(`correlation parameter '${name}' must be ${count} non-negative integers`);
  return raw as number[];
}

export function parseBits(raw: unknown, name: string, field: FieldType | undefined): number {
  const max = field === undefined ? 127 : FIELD_BITS[field] - 1;
  if (!Number.isInteger(raw) || (raw as number) < 0 || (raw as number) > max)
    throw new SpuError(`correlation parameter '${name}' must be an integer in [0, ${max}]`);
  return raw as number;
}

export function asRecord(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SpuError('correlation parameters must be an object');
  return raw as Record<string, unknown>;
}
