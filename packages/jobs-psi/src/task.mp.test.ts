// The psi task end to end on a real Cluster (two party threads, curve work on piscina pools),
// against a plaintext join of the same CSVs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '@sfw/runtime';
import { ParameterValidationError, parseOrThrow } from '@sfw/executor';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { psiTask, PSI_DEVICE_MODULE } from './task.ts';
import { psiConfigSchema } from './config.ts';
import { plaintextJoin, psiJobContext, readCsvSide, readOutput, removeTempDirs, tempDir } from './__tests__/fixtures.ts';

const data = fileURLToPath(new URL('../test-data/breast_cancer/', import.meta.url));
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

describe('psi task on a cluster', () => {
  it('breast_cancer inner join equals the plaintext join (545 rows), with progress events', async () => {
    const dir = tempDir();
    const cfg = parseOrThrow(psiConfigSchema, {
      input: { alice: { path: join(data, 'alice.csv'), keys: ['id'] }, bob: { path: join(data, 'bob.csv'), keys: ['id'] } },
      output: { alice: join(dir, 'a.csv'), bob: join(dir, 'b.csv') },
      batch_size: 64,
      curve_threads: 1, // exercise the piscina pool inside the party threads (small inputs default to inline)
    }, 'task_config');
    await cluster.beginTask('psi-1');
    const res = await runWithUncheckedFiles(psiTask, ctxFor(dir), cfg);
    await cluster.endTask();
    const ref = plaintextJoin(readSide(join(data, 'alice.csv')), readSide(join(data, 'bob.csv')), 'inner_join', true);
    expect(ref.out1.length).toBe(545);
    expect(readOutput(join(dir, 'a.csv'))).toEqual(ref.out1);
    expect(readOutput(join(dir, 'b.csv'))).toEqual(ref.out2);
    expect((res as { report: { rows: unknown[] } }).report.rows).toEqual([
      { party: 'alice', original_count: 557, intersection_count: 545 },
      { party: 'bob', original_count: 557, intersection_count: 545 },
    ]);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('bad inputs fail with ParameterValidationError naming the field', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y\n1,2\n');
    const run = async (input: Record<string, unknown>) => {
      const cfg = parseOrThrow(psiConfigSchema, { input, output: { alice: join(dir, 'a.csv'), bob: join(dir, 'b.csv') } }, 'task_config');
      await cluster.beginTask('psi-bad');
      try {
        await runWithUncheckedFiles(psiTask, ctxFor(dir), cfg);
        return null;
      } catch (e) {
        return e;
      } finally {
        await cluster.endTask();
      }
    };
    const good = { path: join(data, 'bob.csv'), keys: ['id'] };
    const e1 = await run({ alice: { path: bad, keys: ['id'] }, bob: good });
    expect(e1).toBeInstanceOf(ParameterValidationError);
    expect((e1 as ParameterValidationError).fields).toEqual(['task_config.input.alice.keys']);
    const e2 = await run({ alice: { path: join(dir, 'missing.csv'), keys: ['id'] }, bob: good });
    expect(e2).toBeInstanceOf(ParameterValidationError);
    expect((e2 as ParameterValidationError).fields).toEqual(['task_config.input.alice.path']);
  });
});
