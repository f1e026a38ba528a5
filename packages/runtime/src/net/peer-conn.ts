// One authenticated TLS connection to one peer host: frame decoding, heartbeats, an idle timeout and a
// bound on unsent bytes. It knows nothing of tasks; the gateway binds it to one (hello/welcome).
import type { TLSSocket } from 'node:tls';
import { encodeControl, encodeData, FrameDecoder, FrameType, type WireMessage } from './wire.ts';
import type { EndpointId, Frame } from '../link.ts';

export interface PeerConnOptions {
  /** No byte from the peer for this long (heartbeats included) and the link is declared dead. */
  readonly linkTimeoutMs: number;
  /** Unsent bytes above this fail the link instead of growing without bound. */
  readonly maxBufferedBytes: number;
}

export class PeerConn {
  readonly #socket: TLSSocket;
  readonly #decoder = new FrameDecoder();
  readonly #timer: NodeJS.Timeout;
  #lastRecv = Date.now();
  #lastSend = Date.now();
  #closed = false;
  #onMessage: ((m: WireMessage) => void) | null = null;
  readonly #held: WireMessage[] = [];
  #onClose: (reason: string) => void = () => undefined;
  bytesSent = 0;
  bytesRecv = 0;

  constructor(
    socket: TLSSocket,
    /** The authenticated peer name (from its certificate). */
    readonly peer: string,
    readonly opts: PeerConnOptions,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#lastRecv = Date.now();
      this.bytesRecv += chunk.length;
      try {
        this.#decoder.push(chunk, (m) => {
          if (m.type === FrameType.Ping) return;
          if (this.#onMessage) this.#onMessage(m);
          else this.#held.push(m);
        });
      } catch (err) {
        this.destroy(`protocol error (${err instanceof Error ? err.message : 'bad frame'})`);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.#closeWith(`connection error (${err.code ?? err.message})`));
    socket.on('close', () => this.#closeWith('connection closed'));
    const tick = Math.max(50, Math.floor(opts.linkTimeoutMs / 4));
    let lastTick = Date.now();
    this.#timer = setInterval(() => {
      const now = Date.now();
      const stalled = now - lastTick > 2 * tick;
      lastTick = now;
      if (now - this.#lastSend >= tick) this.#write([encodeControl(FrameType.Ping)]);
      // After a stall of this process (CPU starvation, a long GC) timers run before the socket data
      // that arrived meanwhile is read: judge the peer only once the backlog has been read.
      if (stalled || now - this.#lastRecv <= opts.linkTimeoutMs) return;
      setImmediate(() => {
        if (!this.#closed && Date.now() - this.#lastRecv > opts.linkTimeoutMs) this.destroy(`no data for ${opts.linkTimeoutMs} ms (link timeout)`);
      });
    }, tick);
    this.#timer.unref();
  }

  /** The underlying socket (the gateway tracks its lifetime). */
  get socket(): TLSSocket {
    return this.#socket;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Set the consumer; messages that arrived while there was none are delivered first, in order. */
  onMessage(handler: (m: WireMessage) => void): void {
    this.#onMessage = handler;
    while (this.#held.length > 0 && this.#onMessage === handler) handler(this.#held.shift()!);
  }

  /** Queue incoming messages until the next `onMessage` (a connection changing hands). */
  hold(): void {
    this.#onMessage = null;
  }

  /** Called once, when the connection is gone for any reason (the reason names no data). */
  onClose(handler: (reason: string) => void): void {
    this.#onClose = handler;
  }

  sendControl(type: FrameType, json: unknown = null): void {
    this.#write([encodeControl(type, json)]);
  }

  sendData(from: EndpointId, to: EndpointId, frame: Frame): void {
    this.#write(encodeData(from, to, frame));
  }

  #write(bufs: Buffer[]): void {
    if (this.#closed) return;
    const s = this.#socket;
    if (s.writableLength > this.opts.maxBufferedBytes) {
      this.destroy(`more than ${this.opts.maxBufferedBytes} bytes unsent (peer not reading)`);
      return;
    }
    this.#lastSend = Date.now();
    if (bufs.length > 1) s.cork();
    for (const b of bufs) {
      this.bytesSent += b.length;
      s.write(b);
    }
    if (bufs.length > 1) s.uncork();
  }

  /** Graceful end: an END frame, then the TLS close after everything queued is written. */
  end(json: unknown = null): void {
    if (this.#closed) return;
    this.#write([encodeControl(FrameType.End, json)]);
    this.#socket.end();
    this.#closeWith('ended', false);
  }

  destroy(reason: string): void {
    this.#closeWith(reason);
    this.#socket.destroy();
  }

  #closeWith(reason: string, notify = true): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (notify) this.#onClose(reason);
  }
}
