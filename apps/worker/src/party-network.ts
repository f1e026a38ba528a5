// Party mode wiring: the worker's TLS gateway (its listen socket and its peers' addresses), built
// from the worker's own configuration at start-up. Tasks then only name the cluster; who this worker
// is, whom it trusts and where its peers are never come from a task message.
import { readFileSync } from 'node:fs';
import type { PartyIdentity } from '@sfw/executor';
import type { Logger } from '@sfw/log';
import type { Gateway, TlsMaterial } from '@sfw/runtime';
import type { WorkerConfig } from './config.ts';

export interface PartyNetwork {
  readonly identity: PartyIdentity;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export function readTls(config: Pick<WorkerConfig, 'tlsCert' | 'tlsKey' | 'tlsCa'>): TlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? 'error'}: ${path})`, { cause: err });
    }
  };
  return { cert: read(config.tlsCert, 'TLS certificate'), key: read(config.tlsKey, 'TLS key'), ca: read(config.tlsCa, 'TLS CA') };
}

export function parsePeers(peers: readonly string[]): Record<string, string> {
  return Object.fromEntries(peers.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export async function startPartyNetwork(config: WorkerConfig, log: Logger): Promise<PartyNetwork> {
  const { Gateway } = await import('@sfw/runtime');
  const peers = parsePeers(config.peers);
  const gateway = await Gateway.start({
    self: config.party,
    tls: readTls(config),
    listen: parseListen(config.listen),
    peers,
    linkTimeoutMs: config.linkTimeoutSec * 1000,
    rendezvousTimeoutMs: config.rendezvousTimeoutSec * 1000,
    onEvent: (event, fields) => log.warn({ link: event, ...fields }, 'link event'),
  });
  log.info({ party: config.party, listen: config.listen, peers: Object.keys(peers) }, 'party mode: links listening');
  return {
    identity: { self: config.party, peers: Object.keys(peers), dealer: config.dealerName },
    gateway,
    close: () => gateway.close(),
  };
}
