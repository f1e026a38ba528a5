// `schemas [--out dir]`: JSON Schema of every task's task_config, plus envelope, result and status
// event, written as files (default docs/schemas) for the web side and for documentation.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskJsonSchemas } from '@sfw/executor';
import type { WorkerConfig } from '../config.ts';
import { buildExecutor, makeLogger } from '../app.ts';

export async function schemasCommand(config: WorkerConfig, outDir: string): Promise<number> {
  const log = makeLogger(config, 2, 'warn');
  const { executor } = await buildExecutor(config, log);
  const { tasks, wire } = taskJsonSchemas(executor.tasks().filter((t) => t.taskType !== 'diagnostic'));
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, value: unknown): Promise<void> => {
    await writeFile(join(outDir, name), `${JSON.stringify(value, null, 2)}\n`);
    files.push(name);
  };
  for (const [name, schema] of Object.entries(wire)) await write(`${name}.schema.json`, schema);
  for (const t of tasks) await write(`task.${t.task_type}.schema.json`, t);
  await write('index.json', {
    wire: Object.keys(wire).map((n) => `${n}.schema.json`),
    tasks: tasks.map((t) => ({ task_type: t.task_type, description: t.description, needs_cluster: t.needs_cluster, file: `task.${t.task_type}.schema.json` })),
  });
  process.stderr.write(`wrote ${files.length} files to ${outDir}\n`);
  return 0;
}

export async function tasksCommand(config: WorkerConfig): Promise<number> {
  const log = makeLogger(config, 2, 'error');
  const { executor, jobs } = await buildExecutor(config, log);
  for (const j of jobs) process.stdout.write(`# ${j.name}: ${j.tasks.length} task type(s)\n`);
  for (const t of executor.tasks()) process.stdout.write(`${t.taskType.padEnd(24)} ${(t.needsCluster ?? true) ? 'cluster ' : 'local   '} ${t.description}\n`);
  return 0;
}
