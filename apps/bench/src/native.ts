// Compiles apps/bench/native/ringloop.c with gcc -O2 into a temp dir and runs it: the native
// reference the ring kernels are compared against in the same run. Absent gcc -> null.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NativeLoop {
  /** Times in ms of `reps` runs of `op` over n elements. */
  time(op: 'muladd64' | 'muladd128' | 'mul64' | 'add64', n: number, reps: number): Promise<number[]>;
  readonly compiler: string;
  close(): Promise<void>;
}

/** Source path, valid from src/ and dist/ (both one level below the package root). */
const SOURCE = fileURLToPath(new URL('../native/ringloop.c', import.meta.url));

export async function buildNativeLoop(): Promise<NativeLoop | null> {
  let compiler: string;
  try {
    compiler = (await run('gcc', ['--version'], { timeout: 10_000 })).stdout.split('\n')[0] ?? 'gcc';
  } catch {
    return null;
  }
  const dir = await mkdtemp(join(tmpdir(), 'sfw-bench-'));
  const exe = join(dir, 'ringloop');
  try {
    await run('gcc', ['-O2', '-o', exe, SOURCE], { timeout: 60_000 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    compiler: `${compiler} -O2`,
    async time(op, n, reps) {
      const { stdout } = await run(exe, [op, String(n), String(reps)], { timeout: 120_000 });
      const parsed = JSON.parse(stdout) as { times_ms: number[] };
      return parsed.times_ms;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
