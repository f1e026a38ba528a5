// Every example shipped (examples/*.json at the repo root, and each task type's `example`) must pass
// validation against the schemas of the task types the worker discovers, so docs cannot drift.
import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { silentLogger } from '@sfw/log';
import { TaskExecutor, taskEnvelopeSchema, parseOrThrow, taskJsonSchemas } from '@sfw/executor';
import { discoverJobs } from './discovery.ts';
import type { DiscoveredPackage } from './discovery.ts';

const examplesDir = resolve(import.meta.dirname, '../../../examples');
let executor: TaskExecutor;
let jobs: DiscoveredPackage[];

beforeAll(async () => {
  jobs = await discoverJobs(silentLogger());
  executor = new TaskExecutor({ diagnosticTasks: true });
}, 60_000);

function validate(envelope: unknown): string {
  const env = parseOrThrow(taskEnvelopeSchema, envelope, '');
  const def = executor.task(env.task_type);
  if (def === undefined) throw new Error(`unknown task type ${env.task_type}`);
  parseOrThrow(def.schema, env.task_config ?? {}, 'task_config');
  return env.task_type;
}

describe('examples', () => {
  it('discovers the jobs packages listed as dependencies', () => {
    expect(jobs.map((j) => j.name)).toEqual(expect.arrayContaining(['@sfw/jobs-psi']));
    expect(jobs.every((j) => j.ok)).toBe(true);
  });

  it('examples/*.json validate against the registered schemas', () => {
    const files = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));
    expect(files).toContain('pipeline.json');
    for (const f of files) {
      const data = JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as Record<string, unknown>;
      const envelope = 'task_params' in data ? data['task_params'] : data;
      expect(() => validate(envelope), f).not.toThrow();
    }
  });

  it("each task type's own example validates, and every schema exports as JSON Schema", () => {
    for (const t of executor.tasks()) {
      if (t.example !== undefined) expect(validate(t.example), t.taskType).toBe(t.taskType);
    }
    const { tasks, wire } = taskJsonSchemas(executor.tasks());
    expect(tasks.length).toBe(executor.tasks().length);
    expect(Object.keys(wire)).toEqual(['envelope', 'result', 'status_event']);
  });
});
