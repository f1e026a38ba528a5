// A JobContext around a real Cluster for the multiparty tests (the executor builds the same thing).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directJobContext } from '@sfw/executor';
import type { JobContext } from '@sfw/executor';
import { silentLogger } from '@sfw/log';
import type { Cluster } from '@sfw/runtime';

export async function prepJobContext(cluster: Cluster): Promise<JobContext> {
  return directJobContext({
    cluster,
    taskRequestId: 'test',
    parties: cluster.parties,
    spuParties: cluster.parties,
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
    signal: new AbortController().signal,
    progress: () => undefined,
    log: silentLogger(),
    workDir: await mkdtemp(join(tmpdir(), 'sfw-prep-')),
    attempt: 0,
  });
}
