// Owner-side sharing and receiver-side reconstruction (docs/contracts.md, "Owner side").
// SEMI2K: x = x_0 + ... + x_{N-1} mod 2^k with x_1..x_{N-1} uniform from the OS CSPRNG
// (randomFillSync via ring's randomTensor), so any N-1 shares are independent of x.
// REF2K: every rank receives x itself (plaintext reference protocol).
import { add, decode, encode, fromBytes, makeTensor, randomTensor, shapeSize, sub, toBytes, type RingTensor } from '@sfw/ring';
import { SpuError, resolveConfig, type ResolvedSpuConfig, type SpuConfig } from './config.ts';
import { SecretTensor, shareOf } from './secret-tensor.ts';

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
  if (cfg.protocol === 'REF2K') return Array.from({ length: nRanks }, () => toBytes(x).slice());
  const shares: RingTensor[] = [];
  const last = makeTensor(x.field, x.shape, x.data.slice());
  for (let i = 1; i < nRanks; i++) {
    const r = randomTensor(x.field, x.shape);
    sub(last, r, last);
    shares.push(r);
  }
  return [toBytes(last), ...shares.map((s) => toBytes(s))];
}

/** Sum the shares (SEMI2K) or check they agree (REF2K); the ring value. */
export function reconstructRing(config: SpuConfig | ResolvedSpuConfig, shares: readonly Uint8Array[], shape: readonly number[]): RingTensor {
  const cfg = resolveConfig(config);
  const first = shares[0];
  if (first === undefined) throw new SpuError('reconstruct: no shares');
  const ts = shares.map((s) => fromBytes(cfg.field, s, shape));
  if (cfg.protocol === 'REF2K') {
    const a = toBytes(ts[0]!);
    for (const t of ts) {
      const b = toBytes(t);
      if (b.byteLength !== a.byteLength || !b.every((v, i) => v === a[i])) throw new SpuError('reconstruct: REF2K ranks disagree (program is not SPMD-deterministic)');
    }
    return makeTensor(cfg.field, shape, ts[0]!.data.slice());
  }
  const acc = makeTensor(cfg.field, shape, ts[0]!.data.slice());
  for (let i = 1; i < ts.length; i++) add(acc, ts[i]!, acc);
  return acc;
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
