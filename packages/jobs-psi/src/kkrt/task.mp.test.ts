// PROTOCOL_KKRT through the psi task on a real Cluster: each party on its own thread, the bucket
// protocol over the runtime's party-to-party link (the same PsiLink as ECDH), streaming buckets,
// progress events; the files equal the plaintext join.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '@sfw/runtime';
import { parseOrThrow } from '@sfw/executor';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { psiTask, PSI_DEVICE_MODULE } from '../task.ts';
import { psiConfigSchema } from '../config.ts';
import { plaintextJoin, psiJobContext, readCsvSide, readOutput, removeTempDirs, tempDir } from '../__tests__/fixtures.ts';

const data = fileURLToPath(new URL('../../test-data/breast_cancer/', import.meta.url));
let cluster: Cluster;
const progress: number[] = [];

const ctxFor = (workDir: string) => psiJobContext(cluster, workDir, progress);
const readSide = (path: string) => readCsvSide(path, ['id']);

beforeAll(async () => {
  cluster = await Cluster.start({ parties: ['alice', 'bob'], modules: [PSI_DEVICE_MODULE] });
});
afterAll(async () => {
  await cluster?.shutdown();
  removeTempDirs();
});

describe('psi task with PROTOCOL_KKRT on a cluster', { timeout: 120_000 }, () => {
  for (const bucketSize of [1 << 20, 100]) {
    it(`breast_cancer full join equals the plaintext join (bucket_size ${bucketSize}), with progress`, async () => {
      const dir = tempDir();
      const cfg = parseOrThrow(psiConfigSchema, {
        input: { alice: { path: join(data, 'alice.csv'), keys: ['id'] }, bob: { path: join(data, 'bob.csv'), keys: ['id'] } },
        output: { alice: join(dir, 'a.csv'), bob: join(dir, 'b.csv') },
        protocol: 'PROTOCOL_KKRT',
        join_type: 'full_join',
        bucket_size: bucketSize,
      }, 'task_config');
      progress.length = 0;
      await cluster.beginTask(`psi-kkrt-${bucketSize}`);
      const res = await runWithUncheckedFiles(psiTask, ctxFor(dir), cfg);
      await cluster.endTask();
      const ref = plaintextJoin(readSide(join(data, 'alice.csv')), readSide(join(data, 'bob.csv')), 'full_join', true);
      expect(ref.out1.length).toBe(545 + 12 + 12);
      expect(readOutput(join(dir, 'a.csv'))).toEqual(ref.out1);
      expect(readOutput(join(dir, 'b.csv'))).toEqual(ref.out2);
      expect((res as { report: { rows: unknown[] } }).report.rows).toEqual([
        { party: 'alice', original_count: 557, intersection_count: 569 },
        { party: 'bob', original_count: 557, intersection_count: 569 },
      ]);
      expect(progress.length).toBeGreaterThan(2);
    });
  }

  it('PROTOCOL_RR22 stays rejected, naming the field; PROTOCOL_KKRT validates', () => {
    const input = { alice: { path: 'a.csv', keys: ['id'] }, bob: { path: 'b.csv', keys: ['id'] } };
    const output = { alice: 'x.csv', bob: 'y.csv' };
    expect(() => parseOrThrow(psiConfigSchema, { input, output, protocol: 'PROTOCOL_RR22' }, 'task_config')).toThrow(/protocol/);
    expect(parseOrThrow(psiConfigSchema, { input, output, protocol: 'PROTOCOL_KKRT' }, 'task_config').protocol).toBe('PROTOCOL_KKRT');
  });
});
