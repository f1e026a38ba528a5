// A JobContext for driving job functions directly against a real Cluster in multiparty tests
// (the executor builds the same thing in production), recording the progress the job reports.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SPU, clusterJobContext } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';

export interface TestJobContext extends JobContext {
  progressLog: Array<{ percent: number; message?: string | undefined; at?: number }>;
}

export async function testJobContext(cluster: Cluster, spu = TEST_SPU): Promise<TestJobContext> {
  const workDir = await mkdtemp(join(tmpdir(), 'sfw-sslr-'));
  const progressLog: TestJobContext['progressLog'] = [];
  const ctx = clusterJobContext(cluster, { workDir, spu, progress: (percent, message) => progressLog.push({ percent, message, at: performance.now() }) });
  return { ...ctx, progressLog };
}
