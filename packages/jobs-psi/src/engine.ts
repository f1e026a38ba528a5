// Where the curve work runs: inline on the party thread (tests, tiny inputs) or on a piscina pool
// so both cores work while the party thread moves messages.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { X25519Scalar } from './curve.ts';
import type { CurveTask } from './curve-worker.ts';
import { asPacked } from './packed-keys.ts';
import type { PackedKeys } from './packed-keys.ts';

export interface CurveEngine {
  /** Hash each key (packed bytes, or strings as UTF-8) to a point and multiply by the secret: 32 bytes per key. */
  blindKeys(keys: readonly string[] | PackedKeys): Promise<Uint8Array>;
  /** Multiply peer points by the secret, keeping `outBytes` bytes of each result. */
  mul(points: Uint8Array, outBytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface CurveEngineOptions {
  /**
   * 0 = inline on the calling thread. Default: the machine's cores shared by the two parties of the
   * local cluster (max(1, cores / 2)); measured at 2^14 on 2 cores: 1 thread per party 2.9 s,
   * 2 per party 5.9 s (oversubscribed), inline 4.9 s (one core).
   */
  threads?: number;
}

export function createCurveEngine(secret: Uint8Array, options: CurveEngineOptions = {}): CurveEngine {
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
  if (threads === 0) return inlineEngine(secret);
  return poolEngine(secret, threads);
}

function inlineEngine(secret: Uint8Array): CurveEngine {
  const scalar = new X25519Scalar(secret);
  // setImmediate between batches keeps the party's message loop responsive.
  const yieldLoop = () => new Promise<void>((r) => setImmediate(r));
  return {
    async blindKeys(keys) {
      await yieldLoop();
      return scalar.blindKeys(keys);
    },
    async mul(points, outBytes) {
      await yieldLoop();
      return scalar.mul(points, outBytes);
    },
    async close() {},
  };
}

function workerUrl(): { filename: string; execArgv: string[] } {
  // Built package: dist/curve-worker.js next to this file. From source (tests), the .ts worker
  // runs through tsx's loader (~0.3 s extra start-up per thread).
  if (!import.meta.url.endsWith('.ts')) return { filename: new URL('./curve-worker.js', import.meta.url).href, execArgv: [] };
  const ts = new URL('./curve-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts))) throw new Error('curve-worker.ts not found next to engine.ts');
  return { filename: ts.href, execArgv: ['--import', 'tsx'] };
}

function poolEngine(secret: Uint8Array, threads: number): CurveEngine {
  const { filename, execArgv } = workerUrl();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1_000,
    workerData: { secret },
  });
  const run = (task: CurveTask, transfer?: ArrayBufferLike[]) =>
    pool.run(task, transfer ? { transferList: transfer as ArrayBuffer[] } : {}) as Promise<Uint8Array>;
  return {
    blindKeys: (keyList) => {
      const keys = asPacked(keyList);
      // Transferred when the arrays own their buffers (a batch gathered for this call), else copied.
      const owns = (a: Uint8Array | Uint32Array) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
      const own = owns(keys.bytes) && owns(keys.start) && keys.bytes.buffer !== keys.start.buffer;
      return run({ op: 'blindKeys', keys }, own ? [keys.bytes.buffer, keys.start.buffer] : undefined);
    },
    mul: (points, outBytes) => {
      // Transfer, not copy; a view into a larger buffer is copied first so the owner's buffer
      // is never detached under it.
      const own = points.byteOffset === 0 && points.byteLength === points.buffer.byteLength ? points : points.slice();
      return run({ op: 'mul', points: own, outBytes }, [own.buffer]);
    },
    close: () => pool.destroy(),
  };
}
