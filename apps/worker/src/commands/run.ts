// `run <task.json>`: execute one task in this process with no Redis (the embedded default).
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { flushLogger } from '@sfw/log';
import { renderPipelineReportHtml, summarizePipeline } from '@sfw/jobs-eval';
import type { PipelineStepLike } from '@sfw/jobs-eval';
import { SecretFlowTaskError, STAGES } from '@sfw/executor';
import type { TaskResult } from '@sfw/executor';
import type { WorkerConfig } from '../config.ts';
import { buildExecutor, makeLogger } from '../app.ts';
import { ProgressBar } from '../progress-bar.ts';
import { readTaskFile } from '../task-file.ts';

export interface RunOptions {
  file: string;
  out?: string | undefined;
  id?: string | undefined;
  quiet?: boolean;
  /** Where a pipeline's HTML report goes (default `out/<task file name>/report.html`). */
  report?: string | undefined;
  /** Console log threshold (the CLI keeps the console at 'warn' unless LOG_LEVEL is given). */
  consoleLevel?: WorkerConfig['logLevel'] | undefined;
}

export async function runCommand(config: WorkerConfig, o: RunOptions): Promise<number> {
  // Logs go to stderr (and LOG_FILE) so stdout carries only the result when no --out is given.
  const log = makeLogger(config, 2, o.consoleLevel);
  const task = await readTaskFile(o.file, o.id);
  const { executor, network } = await buildExecutor(config, log);
  const bar = new ProgressBar();
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const result = await executor.execute(task.taskRequestId, task.params, {
      signal: ac.signal,
      onProgress: (p) => bar.update(p.percent, p.message ?? ''),
    });
    bar.done();
    if (o.quiet !== true) process.stderr.write(summary(result));
    if (isPipelineResult(result.result)) {
      if (o.quiet !== true) process.stderr.write(`${summarizePipeline(result.result)}\n`);
      const reportPath = o.report ?? join('out', basename(o.file, extname(o.file)), 'report.html');
      await writePipelineReport(reportPath, result, result.result);
      process.stderr.write(`report written to ${reportPath}\n`);
    }
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (o.out !== undefined) {
      await writeFile(o.out, json);
      process.stderr.write(`result written to ${o.out}\n`);
    } else {
      process.stdout.write(json);
    }
    return 0;
  } catch (err) {
    bar.done();
    if (err instanceof SecretFlowTaskError) {
      const e = err.toJSON(config.debug);
      process.stderr.write(`FAILURE ${e.type} [${e.code}] ${e.message}\n`);
      if (e.details !== undefined) process.stderr.write(`  details: ${JSON.stringify(e.details)}\n`);
      if (e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await executor.shutdown();
    await network?.close();
    await flushLogger(log);
  }
}

function isPipelineResult(r: unknown): r is { steps: PipelineStepLike[] } {
  return typeof r === 'object' && r !== null && Array.isArray((r as { steps?: unknown }).steps);
}

/** The pipeline's HTML report: ROC/KS curves and bin tables from its evaluation steps, all stage timings. */
async function writePipelineReport(path: string, r: TaskResult, pipeline: { steps: PipelineStepLike[] }): Promise<void> {
  const pm = r.performance_metrics;
  const html = renderPipelineReportHtml(pipeline, {
    title: `Pipeline ${r.task_request_id}`,
    extraStages: [
      { name: 'cluster_init', ms: pm.cluster_init_time_ms },
      { name: 'device_init', ms: pm.device_init_time_ms },
      { name: 'cleanup', ms: pm.cleanup_time_ms },
    ],
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html);
}

export function summary(r: TaskResult): string {
  const pm = r.performance_metrics;
  const ms: Record<string, number> = {
    validation: pm.validation_time_ms, cluster_init: pm.cluster_init_time_ms, device_init: pm.device_init_time_ms,
    algorithm: pm.algorithm_time_ms, cleanup: pm.cleanup_time_ms,
  };
  const lines = [`SUCCESS ${r.task_type} (${r.task_request_id}) in ${pm.total_time_ms.toFixed(1)} ms${pm.cluster_reused ? ' (cluster reused)' : ''}`];
  for (const s of STAGES) lines.push(`  ${s.padEnd(13)} ${ms[s]!.toFixed(1).padStart(10)} ms  ${(pm.stage_ratios[s] * 100).toFixed(1).padStart(5)} %`);
  return `${lines.join('\n')}\n`;
}
