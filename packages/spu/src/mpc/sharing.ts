// How an owner splits a value into rank shares and a receiver puts them back together, per protocol.
// SEMI2K: x = x_0 + ... + x_{N-1} mod 2^k with x_1..x_{N-1} uniform from the OS CSPRNG
// (randomFillSync via ring's randomTensor), so any N-1 shares are independent of x.
// REF2K: every rank receives x itself (plaintext reference protocol), and the ranks must agree.
import { add, makeTensor, randomTensor, sub, toBytes, type RingTensor } from '@sfw/ring';
import { SpuError } from '../config.ts';

export interface ShareScheme {
  /** n shares of x (fresh tensors; x is not modified). */
  split(x: RingTensor, n: number): RingTensor[];
  /** The value from every rank's share (at least one). */
  combine(shares: readonly RingTensor[]): RingTensor;
}

export const additiveSharing: ShareScheme = {
  split(x, n) {
    const shares: RingTensor[] = [];
    const last = makeTensor(x.field, x.shape, x.data.slice());
    for (let i = 1; i < n; i++) {
      const r = randomTensor(x.field, x.shape);
      sub(last, r, last);
      shares.push(r);
    }
    return [last, ...shares];
  },
  combine(ts) {
    const acc = makeTensor(ts[0]!.field, ts[0]!.shape, ts[0]!.data.slice());
    for (let i = 1; i < ts.length; i++) add(acc, ts[i]!, acc);
    return acc;
  },
};

export const plainSharing: ShareScheme = {
  split: (x, n) => Array.from({ length: n }, () => makeTensor(x.field, x.shape, x.data.slice())),
  combine(ts) {
    const a = toBytes(ts[0]!);
    for (const t of ts) {
      const b = toBytes(t);
      if (b.byteLength !== a.byteLength || !b.every((v, i) => v === a[i])) throw new SpuError('reconstruct: REF2K ranks disagree (program is not SPMD-deterministic)');
    }
    return makeTensor(ts[0]!.field, ts[0]!.shape, ts[0]!.data.slice());
  },
};
