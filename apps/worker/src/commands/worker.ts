// `worker`: serve the queue until SIGTERM/SIGINT (warm shutdown: running tasks get the grace period,
// unacked messages are restored to the queue by the Celery layer). A second signal is a cold
// shutdown: exit at once, as Celery does; a task still running stays in `unacked` and is redelivered
// after the visibility timeout (docs/celery-wire.md "Queues, priorities, acknowledgement and restore").
import { flushLogger } from '@sfw/log';
import type { WorkerConfig } from '../config.ts';
import { makeLogger, startWorker } from '../app.ts';
import type { RunningWorker } from '../app.ts';

export async function workerCommand(config: WorkerConfig): Promise<number> {
  const log = makeLogger(config);
  // Handlers go in BEFORE start-up: a signal that arrives while Redis is connecting or jobs are being
  // discovered must also end in a clean stop (Node's default would kill the process mid-start).
  let running: RunningWorker | undefined;
  let signals = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const warmStop = (): void => {
    void running!.stop().finally(finish);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      // The warm stop is idempotent and cannot be shortened, so a cold shutdown is an immediate exit.
      log.warn({ sig }, 'second signal: cold shutdown, exiting now');
      void flushLogger(log).finally(() => process.exit(1));
      return;
    }
    if (running === undefined) {
      log.info({ sig }, 'signal received during start-up: warm shutdown once started');
      return;
    }
    log.info({ sig }, 'signal received: warm shutdown');
    warmStop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await startWorker(config, log);
  } catch (err) {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    throw err;
  }
  if (signals > 0) warmStop();
  await finished;
  await flushLogger(log);
  return 0;
}
