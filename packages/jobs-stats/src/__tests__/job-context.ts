// A JobContext for driving the statistics jobs directly against a real Cluster in multiparty tests
// (the executor builds the same thing in production).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterJobContext } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';

export async function statsJobContext(cluster: Cluster, spu: JobContext['spu']): Promise<JobContext> {
  return clusterJobContext(cluster, { workDir: await mkdtemp(join(tmpdir(), 'sfw-stats-')), spu });
}

/** Plaintext id alignment of two party files (stands in for PSI in tests): rows sorted by id. */
export { writeAlignedSample } from '@sfw/testkit';
