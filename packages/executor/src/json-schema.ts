// JSON Schema of every task's `task_config` (input side: what a caller sends) and of the wire shapes.
import { z } from 'zod';
import type { TaskDefinition } from './registry.ts';
import { wireJsonSchemas } from './schemas.ts';

export interface TaskSchemaDoc {
  task_type: string;
  description: string;
  needs_cluster: boolean;
  task_config: unknown;
  example?: Record<string, unknown>;
}

export function taskJsonSchemas(tasks: readonly TaskDefinition[]): { tasks: TaskSchemaDoc[]; wire: Record<string, unknown> } {
  return {
    tasks: tasks.map((t) => {
      const doc: TaskSchemaDoc = {
        task_type: t.taskType,
        description: t.description,
        needs_cluster: t.needsCluster ?? true,
        task_config: z.toJSONSchema(t.schema, { io: 'input', unrepresentable: 'any' }),
      };
      if (t.example !== undefined) doc.example = t.example;
      return doc;
    }),
    wire: wireJsonSchemas(),
  };
}
