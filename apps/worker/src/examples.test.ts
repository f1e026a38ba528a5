// Every example shipped (examples/*.json at the repo root, and each task type's `example`) must pass
// validation against the schemas of the task types the worker registers, so docs cannot drift.
import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TaskExecutor, taskEnvelopeSchema, parseOrThrow, taskJsonSchemas } from '@sfw/executor';
import { registerJobs } from './jobs.ts';
import type { RegisteredPackage } from './jobs.ts';

const examplesDir = resolve(import.meta.dirname, '../../../examples');
let executor: TaskExecutor;
let jobs: RegisteredPackage[];

beforeAll(() => {
  const r = registerJobs();
  jobs = r.packages;
  executor = new TaskExecutor({ diagnosticTasks: true, registry: r.registry });
});

function validate(envelope: unknown): string {
  const env = parseOrThrow(taskEnvelopeSchema, envelope, '');
  const def = executor.task(env.task_type);
  if (def === undefined) throw new Error(`unknown task type ${env.task_type}`);
  parseOrThrow(def.schema, env.task_config ?? {}, 'task_config');
  return env.task_type;
}

describe('examples', () => {
  it('registers the jobs packages the worker names', () => {
    expect(jobs.map((j) => j.name)).toEqual(expect.arrayContaining(['@sfw/jobs-psi']));
    expect(jobs.every((j) => j.tasks.length > 0)).toBe(true);
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
