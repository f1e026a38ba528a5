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
// To add a kind (e.g. AND triples for the boolean engineer) call `registerCorrelation` at module
// load, in a file imported by both rank and dealer code paths (import it from the package index so
// the dealer thread has it too). Kinds must be registered identically on every endpoint: the rank
// and dealer streams stay in sync only if both draw the same parts in the same order.
import { FIELD_BITS, type FieldType, type RingTensor } from '@sfw/ring';
import { SpuError } from './config.ts';
import type { ScratchPool } from './pool.ts';

/** How the parts of a secret combine: `additive` = sum mod 2^k; `xor` = bitwise XOR of the limbs. */
export type Sharing = 'additive' | 'xor';

export interface PartLayout {
  readonly name: string;
  readonly field: FieldType;
  readonly shape: readonly number[];
  readonly sharing: Sharing;
}

export type Parts = Record<string, RingTensor>;

export interface CorrelationSpec<P> {
  /** Validate parameters arriving from the wire at the dealer (throw SpuError, never echo values). */
  parse(raw: unknown): P;
  /** Parts whose secret is the sum/XOR of every rank's PRG draw. Drawn first, in this order. */
  random(params: P, field: FieldType): readonly PartLayout[];
  /** Parts the dealer computes from the random parts. Drawn after the random parts, in this order. */
  derived(params: P, field: FieldType): readonly PartLayout[];
  /**
   * Dealer side: the plaintext derived values from the plaintext random values (keyed by name).
   * May overwrite the random tensors and return them (they are scratch afterwards); the returned
   * tensors must be distinct objects per part and are recycled by the dealer after use (do not
   * keep references to them). `scratch` (the dealer's pool) may supply the outputs' memory.
   */
  derive(params: P, field: FieldType, random: Parts, scratch?: ScratchPool): Parts;
}

const registry = new Map<string, CorrelationSpec<unknown>>();

export function registerCorrelation<P>(kind: string, spec: CorrelationSpec<P>): void {
  if (!/^[A-Za-z][\w.:-]{0,63}$/.test(kind)) throw new SpuError(`correlation kind '${kind}' is not a valid name`);
  if (registry.has(kind)) throw new SpuError(`correlation kind '${kind}' is already registered`);
  registry.set(kind, spec as CorrelationSpec<unknown>);
}

export function getCorrelation(kind: string): CorrelationSpec<unknown> {
  const s = registry.get(kind);
  if (s === undefined) throw new SpuError(`correlation kind '${kind}' is not registered on this endpoint`);
  return s;
}

export function registeredCorrelations(): string[] {
  return [...registry.keys()];
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
