// Test-only SpuBackend: additive sharing over Z_2^64 of 16-bit fixed point, enough to exercise the
// runtime's share movement, SPMD runs, Comm and dealer plumbing before @sfw/spu exists. NOT a
// protocol: it has no multiplication. Shares still come from crypto.randomBytes.
import { randomBytes } from 'node:crypto';
import type { SpuBackend } from '../spu-backend.ts';
import type { Comm } from '../comm.ts';

const SCALE = 2 ** 16;
const encode = (v: number): bigint => BigInt.asUintN(64, BigInt(Math.round(v * SCALE)));
const decode = (u: bigint): number => Number(BigInt.asIntN(64, u)) / SCALE;

const backend: SpuBackend = {
  createSpuContext: (_cfg, comm: Comm) => ({ rank: comm.rank, comm }),
  serveDealer: (_cfg, comm) => {
    let stopped = false;
    const done = (async () => {
      for (let r = 0; r < comm.worldSize && !stopped; r++) {
        const req = await comm.recv(r).catch(() => null);
        if (req) comm.send(r, new Uint8Array(randomBytes(8)));
      }
    })();
    return { done, stop: () => void (stopped = true) };
  },
  makeShares: (_cfg, values, _shape, n) => {
    if (!(values instanceof Float64Array)) throw new Error('stand-in takes floats');
    const shares = Array.from({ length: n }, () => new BigUint64Array(values.length));
    for (let i = 0; i < values.length; i++) {
      let acc = encode(values[i]!);
      for (let s = 1; s < n; s++) {
        const r = randomBytes(8).readBigUInt64LE();
        shares[s]![i] = r;
        acc = BigInt.asUintN(64, acc - r);
      }
      shares[0]![i] = acc;
    }
    return shares.map((s) => new Uint8Array(s.buffer));
  },
  reconstruct: (_cfg, shares, _shape) => {
    const parts = shares.map((b) => new BigUint64Array(b.slice().buffer));
    const out = new Float64Array(parts[0]!.length);
    for (let i = 0; i < out.length; i++) out[i] = decode(parts.reduce((a, p) => BigInt.asUintN(64, a + p[i]!), 0n));
    return out;
  },
  importShare: (_cfg, share, shape) => ({ shares: new BigUint64Array(share.slice().buffer), shape }),
  exportShare: (t) => {
    const s = t as { shares: BigUint64Array; shape: readonly number[] };
    return { share: new Uint8Array(s.shares.slice().buffer), shape: s.shape };
  },
};

export default backend;
