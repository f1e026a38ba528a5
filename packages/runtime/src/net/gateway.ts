// The network side of a host (party worker or dealer): one TLS server for inbound links, dialling
// for outbound ones, and per-task sessions. A session binds one authenticated connection per peer
// host to one task: the dialler sends HELLO {from, to, task}, the acceptor answers WELCOME once its
// own copy of the task has started (the rendezvous), and only then does task data flow.
//
// Who dials: parties dial the dealer; between two parties the one whose name sorts later dials.
import { connect, createServer, type ConnectionOptions, type Server, type TLSSocket } from 'node:tls';
import { DirectReader, PeerConn, type PeerConnOptions } from './peer-conn.ts';
import { certNames, TLS_BASE, type TlsMaterial } from './tls-config.ts';
import { FrameType, type WireData } from './wire.ts';

export interface GatewayOptions {
  /** This host's name; must be a name in its own certificate. */
  readonly self: string;
  readonly tls: TlsMaterial;
  /** Listen for inbound links here (parties that are dialled, the dealer). */
  readonly listen?: { readonly host: string; readonly port: number } | undefined;
  /** Peer host name -> `host:port` to dial. Only names listed here are accepted inbound. */
  readonly peers: Readonly<Record<string, string>>;
  /** Idle link timeout (heartbeats every quarter). Default 30 s. */
  readonly linkTimeoutMs?: number | undefined;
  /** How long a task waits for its peers to show up. Default 60 s. */
  readonly rendezvousTimeoutMs?: number | undefined;
  /** TLS handshake + HELLO must complete within this. Default 10 s. */
  readonly handshakeTimeoutMs?: number | undefined;
  /** Unsent bytes per link above which the link fails. Default 1 GiB. */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * An authenticated peer asked for a task this host has not opened (the dealer opens sessions on
   * demand; a party worker leaves it pending until its own copy of the task arrives).
   */
  readonly onHello?: ((hello: Hello) => void) | undefined;
  /** Connection-level events for the log (never data). */
  readonly onEvent?: ((event: string, fields: Record<string, unknown>) => void) | undefined;
}

export interface Hello {
  readonly v: 1;
  readonly from: string;
  readonly to: string;
  readonly task: string;
  /** Public task parameters the acceptor may need (the dealer: parties and SPU settings). */
  readonly info: unknown;
}

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly peer: string,
    message: string,
  ) {
    super(message);
  }
}

/** Does `self` dial `peer` (true) or wait for it (false)? `parties` are the task's parties. */
export function dials(self: string, peer: string, parties: readonly string[]): boolean {
  const selfParty = parties.includes(self);
  const peerParty = parties.includes(peer);
  if (selfParty && !peerParty) return true; // parties dial the dealer
  if (!selfParty) return false; // the dealer never dials
  return self > peer;
}

type DownHandler = (peer: string, reason: string, clean: boolean) => void;
type DataHandler = (peer: string, data: WireData) => void;

/**
 * One task's links. What arrives before the owner attaches its handlers (a peer that finished its
 * rendezvous first may already be sending) is queued, in order, and delivered on `attach`.
 */
export class Session {
  readonly conns = new Map<string, PeerConn>();
  readonly #down = new Set<string>();
  #closed = false;
  #onData: DataHandler | null = null;
  #onDown: DownHandler | null = null;
  readonly #early: (() => void)[] = [];

  constructor(
    readonly task: string,
    readonly peers: readonly string[],
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Set the consumers of this session's data and peer losses (delivers what came before). */
  attach(onData: DataHandler, onDown: DownHandler): void {
    this.#onData = onData;
    this.#onDown = onDown;
    for (const f of this.#early.splice(0)) f();
  }

  #emit(f: () => void): void {
    if (this.#onData) f();
    else this.#early.push(f);
  }

  /** @internal the gateway adopts a welcomed connection. */
  adopt(conn: PeerConn): void {
    this.conns.set(conn.peer, conn);
    conn.onMessage((m) => {
      if (this.#closed) return;
      if (m.type === FrameType.Data) this.#emit(() => this.#onData!(conn.peer, m.data));
      else if (m.type === FrameType.End) this.#emit(() => this.#lost(conn.peer, 'ended the task', true));
    });
    conn.onClose((reason) => this.#emit(() => this.#lost(conn.peer, reason, false)));
  }

  #lost(peer: string, reason: string, clean: boolean): void {
    if (this.#closed || this.#down.has(peer)) return;
    this.#down.add(peer);
    this.#onDown!(peer, reason, clean);
  }

  send(peer: string, data: WireData): void {
    if (this.#closed || this.#down.has(peer)) return;
    this.conns.get(peer)?.sendData(data.from, data.to, data.frame);
  }

  /** End every link of the task (graceful: queued frames are written first). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.conns.values()) c.end();
  }

  /** Abort every link (the task failed to start). */
  destroy(reason: string): void {
    this.#closed = true;
    for (const c of this.conns.values()) c.destroy(reason);
  }

  bytes(): { sent: number; recv: number } {
    let sent = 0;
    let recv = 0;
    for (const c of this.conns.values()) {
      sent += c.bytesSent;
      recv += c.bytesRecv;
    }
    return { sent, recv };
  }
}

interface Pending {
  readonly conn: PeerConn;
  readonly hello: Hello;
  readonly timer: NodeJS.Timeout;
}

const parseAddress = (a: string): { host: string; port: number } => {
  const i = a.lastIndexOf(':');
  const port = Number(a.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad address "${a}" (want host:port)`);
  return { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port };
};

export class Gateway {
  readonly opts: GatewayOptions;
  readonly #server: Server | null;
  readonly #pending = new Map<string, Pending>();
  readonly #waiting = new Map<string, (conn: PeerConn) => void>();
  readonly #connOpts: PeerConnOptions;
  /** Every connection made or accepted, so that `close` can end them all. */
  readonly #conns = new Set<PeerConn>();
  #port = 0;

  private constructor(opts: GatewayOptions) {
    this.opts = opts;
    this.#connOpts = { linkTimeoutMs: opts.linkTimeoutMs ?? 30_000, maxBufferedBytes: opts.maxBufferedBytes ?? 1024 ** 3 };
    this.#server = opts.listen
      ? createServer({ ...TLS_BASE, ...opts.tls, requestCert: true, rejectUnauthorized: true, handshakeTimeout: this.#handshakeMs }, (s) => this.#accepted(s))
      : null;
    this.#server?.on('tlsClientError', (err: NodeJS.ErrnoException) => this.#event('refused', { reason: err.code ?? 'tls error' }));
  }

  static async start(opts: GatewayOptions): Promise<Gateway> {
    for (const a of Object.values(opts.peers)) parseAddress(a);
    const g = new Gateway(opts);
    const server = g.#server;
    const listen = opts.listen;
    if (server && listen) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address();
      g.#port = typeof addr === 'object' && addr !== null ? addr.port : listen.port;
    }
    return g;
  }

  get self(): string {
    return this.opts.self;
  }

  /** The bound listen port (useful with port 0). */
  get port(): number {
    return this.#port;
  }

  get #handshakeMs(): number {
    return this.opts.handshakeTimeoutMs ?? 10_000;
  }

  #event(event: string, fields: Record<string, unknown>): void {
    this.opts.onEvent?.(event, fields);
  }

  /** Is an authenticated link from `peer` for `task` waiting for this host to open the task? */
  hasPending(task: string, peer: string): boolean {
    return this.#pending.has(`${task}\u0000${peer}`);
  }

  /** Every peer this gateway can reach or accept. */
  knows(peer: string): boolean {
    return Object.hasOwn(this.opts.peers, peer);
  }

  /**
   * Rendezvous for `task` with every host in `peers`: dial or accept each (see `dials`), bound to the
   * task by HELLO/WELCOME. Resolves when all are linked; rejects with a LinkError naming a missing peer
   * after the rendezvous timeout (the links already made are dropped).
   */
  async open(task: string, peers: readonly string[], parties: readonly string[], info: unknown): Promise<Session> {
    const session = new Session(task, peers);
    const deadline = Date.now() + (this.opts.rendezvousTimeoutMs ?? 60_000);
    const missing = new Set(peers);
    try {
      await Promise.all(peers.map(async (peer) => {
        if (!this.knows(peer)) throw new LinkError(peer, `no address configured for ${peer}`);
        const conn = dials(this.self, peer, parties) ? await this.#dial(peer, task, info, deadline) : await this.#accept(peer, task, deadline);
        missing.delete(peer);
        session.adopt(conn);
      }));
    } catch (err) {
      for (const p of missing) this.#waiting.delete(`${task}\u0000${p}`);
      session.destroy('rendezvous failed');
      throw err;
    }
    return session;
  }

  async #accept(peer: string, task: string, deadline: number): Promise<PeerConn> {
    const key = `${task}\u0000${peer}`;
    const ready = this.#pending.get(key);
    if (ready) {
      this.#pending.delete(key);
      clearTimeout(ready.timer);
      ready.conn.sendControl(FrameType.Welcome, { task });
      return ready.conn;
    }
    return await new Promise<PeerConn>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        reject(new LinkError(peer, `party ${peer} did not join task within the rendezvous timeout`));
      }, Math.max(0, deadline - Date.now()));
      this.#waiting.set(key, (conn) => {
        clearTimeout(timer);
        conn.sendControl(FrameType.Welcome, { task });
        resolve(conn);
      });
    });
  }

  #accepted(socket: TLSSocket): void {
    // rejectUnauthorized already refused chains from another CA; here the name must be a known peer.
    const names = certNames(socket.getPeerCertificate());
    const peer = names.find((n) => this.knows(n));
    if (!socket.authorized || peer === undefined) {
      this.#event('refused', { reason: 'unknown peer name' });
      socket.destroy();
      return;
    }
    const conn = this.#track(new PeerConn(socket, peer, this.#connOpts));
    const timer = setTimeout(() => conn.destroy('no hello'), this.#handshakeMs);
    conn.onClose(() => clearTimeout(timer));
    conn.onMessage((m) => {
      if (m.type !== FrameType.Hello) {
        conn.destroy('expected hello');
        return;
      }
      clearTimeout(timer);
      const h = m.json as Partial<Hello> | null;
      if (h === null || h.v !== 1 || h.from !== peer || h.to !== this.self || typeof h.task !== 'string' || h.task.length === 0 || h.task.length > 256) {
        this.#event('refused', { peer, reason: 'bad hello' });
        conn.sendControl(FrameType.Refuse, { reason: 'bad hello' });
        conn.end();
        return;
      }
      const hello = h as Hello;
      const key = `${hello.task}\u0000${peer}`;
      conn.hold();
      const waiter = this.#waiting.get(key);
      if (waiter) {
        this.#waiting.delete(key);
        waiter(conn);
        return;
      }
      if (this.#pending.has(key)) {
        conn.sendControl(FrameType.Refuse, { reason: 'duplicate link for this task' });
        conn.end();
        return;
      }
      const t = setTimeout(() => {
        this.#pending.delete(key);
        conn.destroy('task never started here');
      }, this.opts.rendezvousTimeoutMs ?? 60_000);
      t.unref();
      conn.onClose(() => {
        clearTimeout(t);
        if (this.#pending.get(key)?.conn === conn) this.#pending.delete(key);
      });
      this.#pending.set(key, { conn, hello, timer: t });
      this.opts.onHello?.(hello);
    });
  }

  async #dial(peer: string, task: string, info: unknown, deadline: number): Promise<PeerConn> {
    const { host, port } = parseAddress(this.opts.peers[peer]!);
    let last = 'not reachable';
    while (Date.now() < deadline) {
      const attempt = await new Promise<{ conn: PeerConn } | { retry: string } | { fatal: string }>((resolve) => {
        const reader = new DirectReader();
        const options: ConnectionOptions & { onread: DirectReader['onread'] } = {
          ...TLS_BASE,
          ...this.opts.tls,
          host,
          port,
          servername: /^[\d.:]+$/.test(host) ? undefined : host,
          rejectUnauthorized: true,
          // The peer must be the host we meant, whatever address it answers on.
          checkServerIdentity: (_h, cert) => (certNames(cert).includes(peer) ? undefined : new Error(`peer certificate does not name ${peer}`)),
          onread: reader.onread,
        };
        const socket = connect(options);
        const hs = setTimeout(() => {
          socket.destroy();
          resolve({ retry: 'handshake timeout' });
        }, this.#handshakeMs);
        socket.once('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(hs);
          const code = err.code ?? '';
          // Connection-level failures are retried until the deadline; authentication failures are not.
          if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') resolve({ retry: code });
          else resolve({ fatal: code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not name/.test(err.message) ? `certificate does not name ${peer}` : `TLS failure (${code || 'handshake'})` });
        });
        socket.once('secureConnect', () => {
          clearTimeout(hs);
          const conn = this.#track(new PeerConn(socket, peer, this.#connOpts, reader));
          conn.onClose((reason) => resolve({ retry: reason }));
          conn.onMessage((m) => {
            if (m.type === FrameType.Welcome) {
              conn.hold(); // frames right behind the welcome wait for the session
              resolve({ conn });
            }
            else if (m.type === FrameType.Refuse) {
              conn.destroy('refused');
              resolve({ fatal: `refused by ${peer}` });
            } else conn.destroy('expected welcome');
          });
          const hello: Hello = { v: 1, from: this.self, to: peer, task, info };
          conn.sendControl(FrameType.Hello, hello);
        });
      });
      if ('conn' in attempt) return attempt.conn;
      if ('fatal' in attempt) throw new LinkError(peer, `link to ${peer}: ${attempt.fatal}`);
      last = attempt.retry;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new LinkError(peer, `party ${peer} did not join task within the rendezvous timeout (${last})`);
  }

  #track(conn: PeerConn): PeerConn {
    this.#conns.add(conn);
    conn.socket.once('close', () => this.#conns.delete(conn));
    return conn;
  }

  async close(): Promise<void> {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    for (const c of this.#conns) c.destroy('shutting down');
    this.#conns.clear();
    const server = this.#server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
