// `worker`: serve the queue until SIGTERM/SIGINT (warm shutdown: running tasks get the grace period,
// unacked messages are restored to the queue by the Celery layer).
import { flushLogger } from '@sfw/log';
import type { WorkerConfig } from '../config.ts';
import { makeLogger, startWorker } from '../app.ts';

export async function workerCommand(config: WorkerConfig): Promise<number> {
  const log = makeLogger(config);
  const running = await startWorker(config, log);
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        log.warn({ sig }, 'second signal: cold shutdown');
        void running.stop(0).finally(resolve);
        return;
      }
      log.info({ sig }, 'signal received: warm shutdown');
      void running.stop().finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await flushLogger(log);
  return 0;
}
