// `dealer`: the TTP dealer of SEMI2K as a service on its own host, for party-mode workers. It listens
// for mutually authenticated TLS links (SECRETFLOW_LISTEN, its certificate naming SECRETFLOW_DEALER),
// accepts only the parties in SECRETFLOW_PEERS, and serves correlated randomness per task. It holds no
// party data (see docs/deployment.md for what it sees and the trust it needs). Stops on SIGTERM/SIGINT.
import { flushLogger } from '@sfw/log';
import type { WorkerConfig } from '../config.ts';
import { makeLogger } from '../app.ts';
import { parseListen, parsePeers, readTls } from '../party-network.ts';

export async function dealerCommand(config: WorkerConfig): Promise<number> {
  const log = makeLogger(config);
  const missing = (['tlsCert', 'tlsKey', 'tlsCa', 'listen'] as const).filter((k) => config[k] === '');
  if (missing.length > 0 || config.peers.length === 0) {
    throw new Error(`sfw dealer needs SECRETFLOW_TLS_CERT, SECRETFLOW_TLS_KEY, SECRETFLOW_TLS_CA, SECRETFLOW_LISTEN and SECRETFLOW_PEERS (missing: ${[...missing, ...(config.peers.length === 0 ? ['peers'] : [])].join(', ')})`);
  }
  const { DealerService } = await import('@sfw/runtime');
  const service = await DealerService.start({
    self: config.dealerName,
    tls: readTls(config),
    listen: parseListen(config.listen),
    peers: parsePeers(config.peers),
    linkTimeoutMs: config.linkTimeoutSec * 1000,
    rendezvousTimeoutMs: config.rendezvousTimeoutSec * 1000,
    startTimeoutMs: config.clusterStartTimeoutSec * 1000,
    onEvent: (event, fields) => log.warn({ link: event, ...fields }, 'link event'),
    onTask: (event, fields) => log.info({ dealer: event, ...fields }, `dealer task ${event}`),
  });
  log.info({ name: config.dealerName, listen: config.listen, port: service.port, parties: Object.keys(parsePeers(config.peers)) }, 'dealer ready');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info({ active: service.active }, 'dealer stopping');
  await service.close();
  await flushLogger(log);
  return 0;
}
