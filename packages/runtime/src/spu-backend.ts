// The seam between the runtime and the SPU protocol package. Threads load a backend module (by default
// `spu-default-backend.ts`, i.e. @sfw/spu); the runtime itself only moves the opaque share bytes the
// backend produces. A backend is chosen by URL so that thread tests can use a stand-in and a
// deployment could pin another protocol build without the runtime knowing its internals.
import type { Comm, PrivateTensor, SecretTensor, SpuConfig, SpuContext } from '@sfw/spu';
import type { RingTensorLike } from './tensor.ts';

export type { PrivateTensor, SpuConfig, SpuContext, SecretTensor };

/** SpuConfig without callbacks: what crosses into threads (functions cannot be cloned). */
export type SpuThreadConfig = Omit<SpuConfig, 'onWarning'>;

export interface SpuBackend {
  /** Rank side: the context an SPU program receives for one run. */
  createSpuContext(cfg: SpuConfig, comm: Comm): object;
  /** Rank side, after a run: release the run's resources (e.g. end the dealer session). */
  closeContext?(ctx: object): void;
  /** Rank and dealer threads at start: run large kernels on n threads (this one + n-1 helpers). */
  setKernelThreads?(n: number): void;
  /** Drop memory kept for reuse across runs (called when a task ends). */
  releaseMemory?(): void;
  /** Dealer side: serve correlated randomness for one run until `stop()`. */
  serveDealer(cfg: SpuConfig, comm: Comm): { done: Promise<void>; stop(): void };
  /** Owner side: n shares of `values` (CSPRNG), share i for rank i. */
  makeShares(cfg: SpuConfig, values: Float64Array | RingTensorLike, shape: readonly number[], nRanks: number): Uint8Array[];
  /** Receiver side: the plaintext from all ranks' shares. */
  reconstruct(cfg: SpuConfig, shares: Uint8Array[], shape: readonly number[]): Float64Array;
  /** Rank side: this rank's share bytes (from makeShares) as a secret value of a program. */
  importShare(cfg: SpuConfig, share: Uint8Array, shape: readonly number[]): object;
  /**
   * Owner side of a private block (`spu.run(..., { private: [...] })`): the plaintext encoded for
   * the owner's own rank only (no shares). Optional: a backend without it cannot take private blocks.
   */
  encodePrivate?(cfg: SpuConfig, values: Float64Array | RingTensorLike, shape: readonly number[]): Uint8Array;
  /** Rank side: a private block for a program; `bytes` at the owner rank, null at the others. */
  importPrivate?(cfg: SpuConfig, rank: number, owner: number, bytes: Uint8Array | null, shape: readonly number[]): object;
  /** Rank side: a program output as this rank's share bytes and its public shape. */
  exportShare(t: object): { share: Uint8Array; shape: readonly number[] };
}

export async function loadSpuBackend(url: string, importUrl: (url: string) => Promise<unknown> = (u) => import(u)): Promise<SpuBackend> {
  const mod = (await importUrl(url)) as { default?: unknown };
  const b = mod.default as Partial<SpuBackend> | undefined;
  const needed = ['createSpuContext', 'serveDealer', 'makeShares', 'reconstruct', 'importShare', 'exportShare'] as const;
  const missing = needed.filter((k) => typeof b?.[k] !== 'function');
  if (missing.length > 0) throw new Error(`SPU backend ${url} lacks ${missing.join(', ')}`);
  return b as SpuBackend;
}

export function threadConfig(cfg: SpuConfig): SpuThreadConfig {
  const { protocol, field, fxpFractionBits, beaverType } = cfg;
  return { protocol, field, fxpFractionBits, beaverType };
}
