// A JobContext around a real Cluster for the multiparty tests (the executor builds the same thing).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterJobContext } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import type { Cluster } from '@sfw/runtime';

export async function prepJobContext(cluster: Cluster): Promise<JobContext> {
  return clusterJobContext(cluster, { workDir: await mkdtemp(join(tmpdir(), 'sfw-prep-')) });
}
