// A TypeScript web side sends a task with @sfw/celery's client and reads its result; a small worker
// in the same process serves the queue. Usage: node celery.js <redisUrl> <queue> <keyPrefix>
import { CeleryClient, CeleryWorker, WORKER_DEFAULTS, type CeleryLogger } from '@sfw/celery';

const [redisUrl, queue, keyPrefix] = process.argv.slice(2) as [string, string, string];
const silent: CeleryLogger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const worker = new CeleryWorker({
  ...WORKER_DEFAULTS,
  redisUrl, queues: [queue], hostname: `embed@${keyPrefix}`, keyPrefix, logger: silent,
  softTimeLimitSec: null, hardTimeLimitSec: null, shutdownGraceSec: 1,
});
worker.register('embed.add', { run: async (req) => (req.args[0] as number) + (req.args[1] as number) });
const client = new CeleryClient({ redisUrl, keyPrefix });
try {
  await worker.start();
  const r = await client.sendTask('embed.add', [20, 22], { queue });
  const value = await r.get({ timeoutMs: 20_000 });
  process.stdout.write(`${JSON.stringify({ id: r.id, value })}\n`);
} finally {
  await worker.stop({ graceSec: 0 });
  await client.close();
}
