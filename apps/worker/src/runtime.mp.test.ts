// The executor on the real runtime: the production provider starts a Cluster (party + SPU threads),
// the second task reuses it, and a hard terminate forces a rebuild. The PSI result is checked against
// the plaintext intersection of the bundled id columns (the secure path cannot be bypassed: the
// executor only sees what the job returns from the party threads).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '@sfw/log';
import { TaskExecutor, TaskRegistry } from '@sfw/executor';
import { register as registerPsi } from '@sfw/jobs-psi';
import { runtimeClusterProvider } from './runtime-provider.ts';

const root = resolve(import.meta.dirname, '../../..');
const data = join(root, 'examples/data/breast_cancer');
// The executor's data root for the test: the bundled CSVs are copied in, outputs go under it.
const out = mkdtempSync(join(tmpdir(), 'sfw-mp-'));
cpSync(data, join(out, 'data'), { recursive: true });
let executor: TaskExecutor;

const ids = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!);

beforeAll(() => {
  const registry = new TaskRegistry();
  registerPsi(registry);
  // Generous start bound: the shared test machine can be slow to start threads.
  executor = new TaskExecutor({ registry, provider: runtimeClusterProvider({ startTimeoutSec: 110 }), logger: silentLogger(), dataRoots: { default: out } });
});
afterAll(async () => {
  await executor.shutdown();
  rmSync(out, { recursive: true, force: true });
});

const psiTask = (n: number): Record<string, unknown> => ({
  task_type: 'psi',
  sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
  task_config: {
    input: { alice: { path: 'data/alice.csv', keys: ['id'] }, bob: { path: 'data/bob.csv', keys: ['id'] } },
    receiver_parties: ['alice', 'bob'],
    output: { alice: `a${n}.csv`, bob: `b${n}.csv` },
  },
});

describe('executor + runtime cluster', () => {
  it('starts a cluster for the first task and reuses it for the second; output equals the plaintext intersection', async () => {
    const first = await executor.execute('mp-psi-1', psiTask(1));
    expect(first.performance_metrics.cluster_reused).toBe(false);
    const second = await executor.execute('mp-psi-2', psiTask(2));
    expect(second.performance_metrics.cluster_reused).toBe(true);
    expect(executor.provider.state()).toMatchObject({ status: 'ready', parties: ['alice', 'bob'], tasksServed: 2 });
    const expected = new Set(ids(join(data, 'alice.csv')).filter((i) => new Set(ids(join(data, 'bob.csv'))).has(i)));
    expect(expected.size).toBe(545);
    const a = ids(join(out, 'a2.csv'));
    const b = ids(join(out, 'b2.csv'));
    expect(new Set(a)).toEqual(expected);
    expect(b).toEqual(a);
    // Figures for docs (noisy on a shared VM): cluster start vs reuse.
    console.log(`cluster_init first=${first.performance_metrics.cluster_init_time_ms.toFixed(1)} ms reused=${second.performance_metrics.cluster_init_time_ms.toFixed(1)} ms; algorithm=${second.performance_metrics.algorithm_time_ms.toFixed(1)} ms`);
  });

  it('terminate destroys the cluster of that task only; the next task gets a new healthy one', async () => {
    expect(await executor.terminate('no-such-run', 'hard-time-limit')).toBe(false);
    expect(executor.provider.state().status).toBe('ready');
    const ac = new AbortController();
    let terminated: Promise<boolean> | undefined;
    const killed = executor.execute('mp-psi-killed', psiTask(4), {
      signal: ac.signal,
      runId: 'run-killed',
      onStage: (stage) => {
        if (stage !== 'device_init') return;
        ac.abort(new Error('terminated'));
        terminated = executor.terminate('run-killed', 'hard-time-limit');
      },
    }).catch((e: unknown) => e);
    expect(await killed).toBeInstanceOf(Error);
    expect(await terminated).toBe(true);
    const r = await executor.execute('mp-psi-3', psiTask(3));
    expect(r.performance_metrics.cluster_reused).toBe(false);
    expect(executor.provider.state()).toMatchObject({ status: 'ready', rebuilds: 1 });
  });
});
