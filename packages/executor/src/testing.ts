// @sfw/executor/testing: for tests and benchmarks that drive jobs without the executor's checks.
// Kept off the main face on purpose: these run a job on paths nobody checked (no data root, no
// staging), or on a cluster that starts no thread, which a worker must never do.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, PyuContext } from '@sfw/runtime';
import type { Logger } from '@sfw/log';
import { PooledClusterProvider } from './cluster.ts';
import type { ClusterHandle } from './cluster.ts';
import { TaskExecutionError } from './errors.ts';
import type { JobContext } from './registry.ts';
import { directJobContext } from './staging.ts';

export { directJobContext, runWithUncheckedFiles, uncheckedJobFiles } from './staging.ts';

/** The SPU settings jobs are tested and benchmarked with unless a case says otherwise. */
export const TEST_SPU: JobContext['spu'] = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };

export interface ClusterJobContextOptions {
  /** The task's scratch directory (the caller creates and removes it). */
  workDir: string;
  spu?: JobContext['spu'];
  taskRequestId?: string;
  progress?: JobContext['progress'];
  log?: Logger;
}

/**
 * The JobContext the executor would hand a job on `cluster`: every cluster party is also an SPU
 * party, no time limit, silent progress and log unless given. Files come from `runWithUncheckedFiles`.
 */
export function clusterJobContext(cluster: Cluster, o: ClusterJobContextOptions): JobContext {
  return directJobContext({
    cluster,
    taskRequestId: o.taskRequestId ?? 'test',
    parties: cluster.parties,
    spuParties: cluster.parties,
    spu: o.spu ?? TEST_SPU,
    signal: new AbortController().signal,
    progress: o.progress ?? (() => undefined),
    ...(o.log !== undefined ? { log: o.log } : {}),
    workDir: o.workDir,
    attempt: 0,
  });
}

/** A JobContext that also keeps every progress report the job made, in order, with its time. */
export interface RecordingJobContext extends JobContext {
  readonly progressLog: Array<{ percent: number; message?: string | undefined; at: number }>;
}

/**
 * `clusterJobContext` recording the job's progress reports (tests assert on epochs, trees, stages).
 * Without `workDir` a fresh one is made under the OS temp directory; the caller removes it.
 */
export function recordingJobContext(cluster: Cluster, o: Partial<ClusterJobContextOptions> = {}): RecordingJobContext {
  const progressLog: RecordingJobContext['progressLog'] = [];
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'sfw-job-'));
  const ctx = clusterJobContext(cluster, { ...o, workDir, progress: (percent, message) => progressLog.push({ percent, message, at: performance.now() }) });
  return { ...ctx, progressLog };
}

/**
 * A cluster that starts no thread: the lifecycle the executor drives (begin/end task, shutdown)
 * succeeds, any other use throws. For tests whose job is refused, or never touches the cluster.
 */
export function standInCluster(): Cluster {
  const handle: ClusterHandle = { healthy: true, beginTask: () => undefined, endTask: () => undefined, shutdown: () => Promise.resolve(), destroy: () => undefined };
  return new Proxy(handle, {
    get(t, prop) {
      if (prop === 'then') return undefined;
      if (Object.hasOwn(t, prop)) return t[prop as keyof ClusterHandle];
      throw new TaskExecutionError(`a stand-in cluster has no "${String(prop)}" (the test's job used the cluster)`);
    },
  }) as Cluster;
}

/** A pooled provider of stand-in clusters; `onStart` sees each start (a test asserts none happened). */
export function standInClusterProvider(onStart?: () => void): PooledClusterProvider {
  return new PooledClusterProvider(() => {
    onStart?.();
    return Promise.resolve(standInCluster());
  });
}

/**
 * A stand-in cluster whose parties answer only the device function `name` (with `fn`, the real
 * function, on an empty context); any other call throws. `calls` records every name asked for. For
 * tests that a job refuses its input after reading headers, before any other party function or SPU
 * program runs.
 */
export function headerOnlyCluster(parties: readonly string[], name: string, fn: (ctx: PyuContext, ...args: unknown[]) => unknown, calls: string[]): Cluster {
  const device = {
    call: (called: string, ...args: unknown[]) => {
      calls.push(called);
      if (called !== name) throw new TaskExecutionError(`${called} ran, but this stand-in cluster answers only ${name}`);
      return { get: () => Promise.resolve(fn({} as PyuContext, ...args)) };
    },
  };
  const answers: Record<string, unknown> = { parties: [...parties], spu: () => ({ ranks: [...parties] }), pyu: () => device };
  return new Proxy(standInCluster(), {
    get: (t, prop) => (typeof prop === 'string' && Object.hasOwn(answers, prop) ? answers[prop] : Reflect.get(t, prop)),
  });
}
