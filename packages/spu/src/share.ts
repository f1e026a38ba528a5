// Owner-side sharing and receiver-side reconstruction (docs/contracts.md, "Owner side"), in bytes as
// the runtime moves them; the protocol record's share scheme (mpc/sharing.ts) does the splitting.
import { decode, encode, fromBytes, makeTensor, shapeSize, toBytes, type RingTensor } from '@sfw/ring';
import { SpuError, resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import { protocolOf } from './protocol.ts';
import { SecretTensor, shareOf } from './secret-tensor.ts';
import { PrivateTensor } from './private-tensor.ts';

function toRing(cfg: ResolvedSpuConfig, values: Float64Array | RingTensor, shape: readonly number[]): RingTensor {
  if (values instanceof Float64Array) return encode(values, cfg.field, cfg.fxpBits, shape);
  if (values.field !== cfg.field) throw new SpuError(`makeShares: tensor field ${values.field} does not match config ${cfg.field}`);
  if (values.size !== shapeSize(shape)) throw new SpuError('makeShares: tensor size does not match shape');
  return makeTensor(values.field, shape, values.data);
}

/** Split values (fixed-point encoded) or a ring tensor into nRanks shares, as bytes. */
export function makeShares(config: SpuConfig | ResolvedSpuConfig, values: Float64Array | RingTensor, shape: readonly number[], nRanks: number): Uint8Array[] {
  const cfg = resolveConfig(config);
  if (!Number.isInteger(nRanks) || nRanks < 1) throw new SpuError('makeShares: nRanks must be a positive integer');
  const x = toRing(cfg, values, shape);
  return protocolOf(cfg).sharing.split(x, nRanks).map((t) => toBytes(t));
}

/** The ring value from every rank's share (the protocol's share scheme). */
export function reconstructRing(config: SpuConfig | ResolvedSpuConfig, shares: readonly Uint8Array[], shape: readonly number[]): RingTensor {
  const cfg = resolveConfig(config);
  const first = shares[0];
  if (first === undefined) throw new SpuError('reconstruct: no shares');
  const ts = shares.map((s) => fromBytes(cfg.field, s, shape));
  return protocolOf(cfg).sharing.combine(ts);
}

/** Reconstruct and decode fixed point. */
export function reconstruct(config: SpuConfig | ResolvedSpuConfig, shares: readonly Uint8Array[], shape: readonly number[]): Float64Array {
  const cfg = resolveConfig(config);
  return decode(reconstructRing(cfg, shares, shape), cfg.fxpBits);
}

/** This rank's share as bytes (a copy), for the runtime to move it to a receiver. */
export function exportShare(t: SecretTensor): Uint8Array {
  return toBytes(shareOf(t)).slice();
}

/** A SecretTensor over a received share. */
export function importShare(config: SpuConfig | ResolvedSpuConfig, bytes: Uint8Array, shape: readonly number[]): SecretTensor {
  const cfg = resolveConfig(config);
  return new SecretTensor(fromBytes(cfg.field, bytes, shape));
}

/**
 * Owner side of a private block (SpuContext.privateInput): the values fixed-point encoded, as the
 * bytes the owner hands to its own rank only. No randomness: these bytes are the plaintext.
 */
export function encodePrivate(config: SpuConfig | ResolvedSpuConfig, values: Float64Array | RingTensor, shape: readonly number[]): Uint8Array {
  const cfg = resolveConfig(config);
  if (shape.length !== 2) throw new SpuError('a private block must be a 2-D matrix');
  return toBytes(toRing(cfg, values, shape));
}

/**
 * Rank side of a private block: `bytes` (from encodePrivate) at the owner rank, null at every
 * other rank (which receives only the public shape).
 */
export function importPrivate(config: SpuConfig | ResolvedSpuConfig, rank: number, owner: number, bytes: Uint8Array | null, shape: readonly number[]): PrivateTensor {
  const cfg = resolveConfig(config);
  if (shape.length !== 2) throw new SpuError('a private block must be a 2-D matrix');
  if ((bytes !== null) !== (rank === owner)) throw new SpuError('exactly the owner rank holds the values of a private block');
  return new PrivateTensor(owner, [shape[0]!, shape[1]!], bytes === null ? undefined : fromBytes(cfg.field, bytes, shape));
}
