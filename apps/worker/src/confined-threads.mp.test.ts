// Party threads hold their party's data root, not only the paths the executor resolved: every
// pinned open in a party thread is checked again against that root where the file is opened, so a
// path a job rewrote or built itself cannot leave it (docs/security.md, "File side"). The roots are
// given through symbolic links here (an operator's symlinked data directory, macOS's /var): the
// worker resolves them once with realpath, so they work while paths inside them still may not escape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '@sfw/log';
import { TaskExecutionError, TaskExecutor, TaskRegistry, partyPaths, perPartyFiles } from '@sfw/executor';
import { deviceModuleUrl } from '@sfw/runtime';
import { runtimeClusterProvider } from './runtime-provider.ts';
import { dataRootsOf } from './app.ts';
import { loadConfig } from './config.ts';

const FILES = deviceModuleUrl(import.meta.url, './__tests__/files-device');
const base = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-confined-')));
const SECRET = 'not for alice\n';
let executor: TaskExecutor;

// How the job turns alice's resolved input into the path it hands her thread.
const modes = ['own', 'dotdot', 'absolute', 'bob', 'write-out'] as const;

beforeAll(() => {
  mkdirSync(join(base, 'real', 'alice', 'in'), { recursive: true });
  mkdirSync(join(base, 'real', 'bob'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'real', 'alice', 'in', 'a.txt'), 'alice data\n');
  writeFileSync(join(base, 'real', 'bob', 'b.txt'), 'bob data\n');
  writeFileSync(join(base, 'outside', 'secret.txt'), SECRET);
  // The operator names the roots through links.
  symlinkSync(join(base, 'real'), join(base, 'data'));
  const config = loadConfig({ env: { SECRETFLOW_DATA_ROOT: join(base, 'data', 'bob'), SECRETFLOW_DATA_ROOTS: `alice=${join(base, 'data', 'alice')}` } });
  const roots = dataRootsOf(config);
  expect(roots).toEqual({ default: join(base, 'real', 'bob'), parties: { alice: join(base, 'real', 'alice') } });
  const registry = new TaskRegistry();
  registry.add({
    taskType: 'test.files',
    description: "hands alice's thread a path derived from her resolved input",
    schema: z.object({ input: partyPaths, mode: z.enum(modes) }),
    deviceModules: [FILES],
    files: (c) => perPartyFiles('input', c.input, 'input'),
    run: async (ctx, c) => {
      const own = ctx.files.input('input.alice');
      const alice = ctx.cluster.pyu('alice');
      switch (c.mode) {
        case 'own':
          return alice.call<string>('files.read', own).get();
        case 'dotdot':
          // Built inside the job: never seen by the executor's checks.
          return alice.call<string>('files.read', join(dirname(own), '..', '..', '..', 'outside', 'secret.txt')).get();
        case 'absolute':
          return alice.call<string>('files.read', join(base, 'outside', 'secret.txt')).get();
        case 'bob':
          return alice.call<string>('files.read', join(base, 'real', 'bob', 'b.txt')).get();
        case 'write-out':
          return alice.call<boolean>('files.write', join(base, 'outside', 'planted.txt'), 'x').get();
      }
    },
  });
  executor = new TaskExecutor({
    registry,
    provider: runtimeClusterProvider({ startTimeoutSec: 110, dataRoots: roots, refuseHardLinkedInputs: true }),
    logger: silentLogger(),
    dataRoots: roots,
  });
});
afterAll(async () => {
  await executor.shutdown();
  rmSync(base, { recursive: true, force: true });
});

const task = (mode: (typeof modes)[number]): Record<string, unknown> => ({
  task_type: 'test.files',
  sf_init_config: { parties: ['alice', 'bob'], address: 'local' },
  task_config: { input: { alice: 'in/a.txt' }, mode },
});

describe("a party thread confined to its party's data root", () => {
  it('opens its own files under a root given through a link; refuses every path a job built to leave it; the next task is served', async () => {
    expect((await executor.execute('own-1', task('own'))).result).toBe('alice data\n');
    for (const mode of ['dotdot', 'absolute', 'bob', 'write-out'] as const) {
      const err = await executor.execute(`escape-${mode}`, task(mode)).catch((e: unknown) => e);
      expect(err, mode).toBeInstanceOf(TaskExecutionError);
      const msg = (err as Error).message;
      expect(msg, mode).toContain("outside this party's data root");
      // The file name only: no directory of a root or of the target.
      expect(msg, mode).not.toContain(base);
    }
    expect(readFileSync(join(base, 'outside', 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(existsSync(join(base, 'outside', 'planted.txt'))).toBe(false);
    // A refused open fails its task only: the same cluster serves the next one.
    const next = await executor.execute('own-2', task('own'));
    expect(next.result).toBe('alice data\n');
    expect(next.performance_metrics.cluster_reused).toBe(true);
  });
});
