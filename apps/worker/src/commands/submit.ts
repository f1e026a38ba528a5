// `submit <task.json>`: send the task to Redis exactly as the web side does, follow its status
// events on the channel until SUCCESS or FAILURE, then print (or write) the stored result.
import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CeleryClient, CeleryResultError } from '@sfw/celery';
import { statusEventSchema } from '@sfw/executor';
import type { StatusEvent } from '@sfw/executor';
import type { WorkerConfig } from '../config.ts';
import { TASK_NAMES } from '../app.ts';
import { ProgressBar } from '../progress-bar.ts';
import { readTaskFile } from '../task-file.ts';

export interface SubmitOptions {
  file: string;
  out?: string | undefined;
  id?: string | undefined;
  timeoutSec: number;
}

export async function submitCommand(config: WorkerConfig, o: SubmitOptions): Promise<number> {
  const task = await readTaskFile(o.file, o.id);
  const celeryId = randomUUID();
  const sub = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectionName: 'sfw-submit-status' });
  const client = new CeleryClient({ redisUrl: config.redisUrl, keyPrefix: config.keyPrefix });
  const bar = new ProgressBar();
  let terminal: (() => void) | undefined;
  const sawTerminal = new Promise<void>((r) => (terminal = r));
  try {
    // Subscribe before sending, so RUNNING cannot be missed.
    await sub.subscribe(config.statusChannel);
    sub.on('message', (_ch: string, raw: string) => {
      let ev: StatusEvent;
      try {
        ev = statusEventSchema.parse(JSON.parse(raw));
      } catch {
        return;
      }
      if (ev.celery_task_id !== celeryId) return;
      if (ev.status === 'PROGRESS' && bar.enabled) {
        bar.update(ev.progress?.percent ?? 0, ev.progress?.message ?? '');
        return;
      }
      bar.done();
      const detail = ev.status === 'PROGRESS' ? `${ev.progress?.percent ?? 0}% ${ev.progress?.message ?? ''}`
        : ev.error !== undefined ? `${ev.error.type} [${ev.error.code}] ${ev.error.message}` : '';
      process.stderr.write(`${ev.timestamp} ${ev.status.padEnd(8)} ${ev.task_type ?? ''} retries=${ev.retries} ${detail}\n`);
      if (ev.status === 'SUCCESS' || ev.status === 'FAILURE') terminal?.();
    });
    const ar = await client.sendTask(TASK_NAMES.execute, [task.taskRequestId, task.params], { queue: config.queues[0]!, id: celeryId });
    process.stderr.write(`submitted ${task.taskRequestId} as Celery task ${ar.id} to ${config.queues[0]!}\n`);
    let code = 0;
    let result: unknown;
    try {
      result = await ar.get({ timeoutMs: o.timeoutSec * 1000 });
    } catch (err) {
      if (!(err instanceof CeleryResultError)) throw err;
      process.stderr.write(`FAILURE ${err.excType}: ${err.excArgs.map(String).join(', ')}\n`);
      code = 1;
    }
    // The status event may trail the stored result by a moment.
    await Promise.race([sawTerminal, new Promise((r) => setTimeout(r, 1000))]);
    bar.done();
    if (code === 0) {
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (o.out !== undefined) await writeFile(o.out, json);
      else process.stdout.write(json);
    }
    return code;
  } finally {
    await sub.quit().catch(() => undefined);
    await client.close();
  }
}
