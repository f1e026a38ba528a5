// A JobContext for driving job functions directly against a real Cluster in multiparty tests
// (the executor builds the same thing in production).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directJobContext } from '@sfw/executor';
import type { JobContext } from '@sfw/executor';
import { silentLogger } from '@sfw/log';
import type { Cluster } from '@sfw/runtime';

export interface TestJobContext extends JobContext {
  progressLog: Array<{ percent: number; message?: string | undefined; at?: number }>;
}

export async function testJobContext(cluster: Cluster, spu = { protocol: 'SEMI2K' as const, field: 'FM64' as const, fxpFractionBits: 18, beaverType: 'TTP' as const }): Promise<TestJobContext> {
  const workDir = await mkdtemp(join(tmpdir(), 'sfw-sslr-'));
  const progressLog: TestJobContext['progressLog'] = [];
  // Jobs are driven with runWithUncheckedFiles, which fills `files` from each call's config.
  const ctx = directJobContext({
    cluster: cluster as unknown as JobContext['cluster'],
    taskRequestId: 'test',
    parties: cluster.parties,
    spuParties: cluster.parties,
    spu,
    signal: new AbortController().signal,
    progress: (percent, message) => progressLog.push({ percent, message, at: performance.now() }),
    log: silentLogger() as unknown as JobContext['log'],
    workDir,
    attempt: 0,
  });
  return { ...ctx, progressLog };
}
