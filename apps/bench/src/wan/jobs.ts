// The job cases of the WAN bench: PSI at 2^16 keys per side and the README pipeline (PSI -> SS-LR ->
// predict -> eval on breast_cancer, as examples/cross-silo runs it), each through the worker CLI
// (`sfw run`): both parties in party mode on their own hosts, or all parties in one local process as
// the in-process reference. Each party's directory holds only its own input (relative paths, as the
// data roots require).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticKeySets } from '../psi-job.ts';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const CLI = fileURLToPath(new URL('../../../worker/dist/cli.js', import.meta.url));
const CPU_AT_EXIT = new URL(`./cpu-at-exit${ext}`, import.meta.url).href;
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const PARTIES = ['alice', 'bob'] as const;

export type JobName = 'psi' | 'pipeline';

export interface JobRun {
  readonly ok: boolean;
  readonly wall_ms: number;
  readonly cpu_s: number;
  readonly error?: string;
  readonly result?: JobResult;
}

/** The parts of the CLI's result file the bench reads. */
export interface JobResult {
  readonly performance_metrics?: { total_time_ms?: number; algorithm_time_ms?: number };
  readonly result?: unknown;
}

/** Lay out `root/<alice|bob|local>` with their inputs and `root/<job>.<mode>.json` task files. */
export function prepareJobs(root: string, psiN: number): void {
  const { a, b } = syntheticKeySets(psiN);
  const csv = (keys: string[]): string => 'id,v\n' + keys.map((k, i) => `${k},${i}`).join('\n') + '\n';
  for (const dir of [...PARTIES, 'local']) {
    mkdirSync(join(root, dir, 'data'), { recursive: true });
    mkdirSync(join(root, dir, 'examples/data/breast_cancer'), { recursive: true });
    for (const p of PARTIES) {
      if (dir !== 'local' && dir !== p) continue;
      writeFileSync(join(root, dir, 'data', `psi_${p}.csv`), csv(p === 'alice' ? a : b));
      copyFileSync(join(EXAMPLES, 'data/breast_cancer', `${p}.csv`), join(root, dir, 'examples/data/breast_cancer', `${p}.csv`));
    }
  }
  const psi = JSON.parse(readFileSync(join(EXAMPLES, 'psi.json'), 'utf8')) as Record<string, unknown> & { task_config: Record<string, unknown> };
  psi.task_config = {
    ...psi.task_config,
    input: Object.fromEntries(PARTIES.map((p) => [p, { path: `data/psi_${p}.csv`, keys: ['id'] }])),
    output: Object.fromEntries(PARTIES.map((p) => [p, `out/psi/${p}.csv`])),
  };
  const pipeline = JSON.parse(readFileSync(join(EXAMPLES, 'pipeline.json'), 'utf8')) as Record<string, unknown>;
  delete pipeline['_note'];
  for (const [name, task] of [['psi', psi], ['pipeline', pipeline]] as const) {
    writeFileSync(join(root, `${name}.local.json`), JSON.stringify({ ...task, sf_init_config: { parties: PARTIES, address: 'local' } }));
    // The addresses here are never dialled: each party worker dials those of its own configuration.
    const cluster = { parties: Object.fromEntries(PARTIES.map((p) => [p, { address: `${p}:0` }])) };
    writeFileSync(join(root, `${name}.party.json`), JSON.stringify({ ...task, sf_init_config: { parties: PARTIES, cluster_config: cluster } }));
  }
}

/** One `sfw run` process: `prefix` (a namespace) + node, in `root/<dir>`, with `env` added. */
export function runJob(root: string, dir: string, job: JobName, id: string, env: Record<string, string>, prefix: readonly string[] = []): Promise<JobRun> {
  const mode = dir === 'local' ? 'local' : 'party';
  const cwd = join(root, dir);
  const cpuFile = join(cwd, `${id}.cpu.json`);
  const outFile = `${id}.result.json`;
  const argv = [...prefix, process.execPath, '--import', CPU_AT_EXIT, CLI, 'run', join(root, `${job}.${mode}.json`), '--id', id, '-q', '--out', outFile];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, LOG_LEVEL: 'warn', SFW_CPU_AT_EXIT: cpuFile, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      const wall_ms = performance.now() - t0;
      try {
        const { cpu_s } = JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpu_s: number };
        if (code !== 0) return resolve({ ok: false, wall_ms, cpu_s, error: stderr.trim().split('\n').slice(-3).join(' | ') });
        resolve({ ok: true, wall_ms, cpu_s, result: JSON.parse(readFileSync(join(cwd, outFile), 'utf8')) as JobResult });
      } catch (err) {
        resolve({ ok: false, wall_ms, cpu_s: 0, error: `${(err as Error).message}; ${stderr.trim().slice(-300)}` });
      }
    });
  });
}
