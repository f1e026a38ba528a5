#!/usr/bin/env node
// The worker CLI (built to dist/cli.js; `pnpm sfw <command>`):
//   worker                      serve the Celery queue
//   run <task.json>             execute one task locally, no Redis (the embedded default)
//   submit <task.json>          send to Redis, follow status events until the result
//   schemas [--out dir]         write JSON Schemas (tasks, envelope, result, status event)
//   tasks                       list registered task types
//   dealer                      the TTP dealer service for party-mode workers (cross-silo)
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config.ts';
import type { LoadConfigOptions } from './config.ts';
import { runCommand } from './commands/run.ts';
import { submitCommand } from './commands/submit.ts';
import { schemasCommand, tasksCommand } from './commands/schemas.ts';
import { workerCommand } from './commands/worker.ts';
import { dealerCommand } from './commands/dealer.ts';

const USAGE = `usage: sfw <command> [options]
  worker [--concurrency n] [--queue q]        serve the Celery queue (REDIS_URL)
  run <task.json> [--out file] [--id req-id] [--report file.html]
                                              execute one task locally, no Redis (a pipeline
                                              also writes an HTML report, default out/<name>/report.html)
  submit <task.json> [--out file] [--id req-id] [--timeout s]
                                              send to Redis and follow status events
  schemas [--out dir]                         write JSON Schemas (default docs/schemas)
  tasks                                       list registered task types
  dealer                                      serve TTP correlated randomness to party-mode
                                              workers over mutual TLS (docs/deployment.md)
common: --config file.json (or SFW_CONFIG_FILE), --log-level level, --debug
settings: environment variables, see docs/worker.md`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'string' },
      id: { type: 'string' },
      timeout: { type: 'string', default: '3900' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      'log-level': { type: 'string' },
      debug: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const cfgOpts: LoadConfigOptions = {
    env: process.env,
    file: values.config ?? process.env['SFW_CONFIG_FILE'],
    overrides: { concurrency: values.concurrency, queues: values.queue, logLevel: values['log-level'], debug: values.debug },
  };
  const config = loadConfig(cfgOpts);
  const needFile = (): string => {
    if (file === undefined) throw new UsageError(`${command} needs a task file`);
    return file;
  };
  switch (command) {
    case 'worker':
      return workerCommand(config);
    case 'run':
      return runCommand(config, {
        file: needFile(), out: values.out, id: values.id, quiet: values.quiet === true, report: values.report,
        consoleLevel: process.env['LOG_LEVEL'] === undefined && values['log-level'] === undefined ? 'warn' : undefined,
      });
    case 'submit': {
      const timeoutSec = Number(values.timeout);
      if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) throw new UsageError('--timeout must be a positive number of seconds');
      return submitCommand(config, { file: needFile(), out: values.out, id: values.id, timeoutSec });
    }
    case 'schemas':
      return schemasCommand(config, values.out ?? 'docs/schemas');
    case 'tasks':
      return tasksCommand(config);
    case 'dealer':
      return dealerCommand(config);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A one-shot command is done: do not let a stray handle (a thread pool, a socket) keep it alive.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 1000).unref();
  },
);
