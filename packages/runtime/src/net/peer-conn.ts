// One authenticated TLS connection to one peer host: frame decoding, heartbeats, an idle timeout and a
// bound on unsent bytes. It knows nothing of tasks; the gateway binds it to one (hello/welcome).
import type { TLSSocket } from 'node:tls';
import { encodeControl, encodeData, FrameDecoder, FrameType, type WireMessage } from './wire.ts';
import type { EndpointId, Frame } from '../link.ts';

/** Buffers below this are gathered into one write (see #write). */
const COALESCE_BYTES = 64 * 1024;

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
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #writing = false;
  #ending = false;
  bytesSent = 0;
  bytesRecv = 0;

  constructor(
    socket: TLSSocket,
    /** The authenticated peer name (from its certificate). */
    readonly peer: string,
    readonly opts: PeerConnOptions,
    /** Set when the socket was made with `reader.onread` (reads land in the frame body directly). */
    reader?: DirectReader,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    if (reader) reader.attach(this.#decoder, (n, read) => this.#received(n, read));
    else socket.on('data', (chunk: Buffer) => this.#received(chunk.length, (out) => this.#decoder.push(chunk, out)));
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

  #received(n: number, read: (out: (m: WireMessage) => void) => void): void {
    this.#lastRecv = Date.now();
    this.bytesRecv += n;
    try {
      read((m) => {
        if (m.type === FrameType.Ping) return;
        if (this.#onMessage) this.#onMessage(m);
        else this.#held.push(m);
      });
    } catch (err) {
      this.destroy(`protocol error (${err instanceof Error ? err.message : 'bad frame'})`);
    }
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

  /**
   * Frames leave through this queue one socket write at a time. Node's TLS stream copies a multi-buffer
   * write (a corked header + payload, or every frame queued behind a busy socket) into one contiguous
   * buffer before encrypting it; handing it one buffer at a time makes the encryption read the payload
   * where it lies. Small buffers at the head of the queue are coalesced (their copy is cheap) so a
   * burst of control or small data frames is one write, not one per frame.
   */
  #write(bufs: Buffer[]): void {
    if (this.#closed) return;
    let n = 0;
    for (const b of bufs) n += b.length;
    if (this.#queued + this.#socket.writableLength + n > this.opts.maxBufferedBytes) {
      this.destroy(`more than ${this.opts.maxBufferedBytes} bytes unsent (peer not reading)`);
      return;
    }
    this.#lastSend = Date.now();
    this.bytesSent += n;
    this.#queue.push(...bufs);
    this.#queued += n;
    this.#pump();
  }

  #pump(): void {
    if (this.#writing || this.#queue.length === 0 || this.#socket.destroyed) return;
    let out = this.#queue.shift()!;
    if (out.length < COALESCE_BYTES) {
      const parts = [out];
      let n = out.length;
      while (this.#queue.length > 0 && n + this.#queue[0]!.length <= COALESCE_BYTES) {
        const b = this.#queue.shift()!;
        parts.push(b);
        n += b.length;
      }
      if (parts.length > 1) out = Buffer.concat(parts, n);
    }
    this.#queued -= out.length;
    this.#writing = true;
    this.#socket.write(out, () => {
      this.#writing = false;
      if (this.#queue.length > 0) this.#pump();
      else if (this.#ending) this.#socket.end();
    });
  }

  /** Graceful end: an END frame, then the TLS close after everything queued is written. */
  end(json: unknown = null): void {
    if (this.#closed) return;
    this.#write([encodeControl(FrameType.End, json)]);
    // The TLS close follows the last queued write (see #pump).
    this.#ending = true;
    if (!this.#writing && this.#queue.length === 0) this.#socket.end();
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

/**
 * Receive path for sockets this host dials (`tls.connect` takes an `onread` buffer provider; sockets
 * accepted by a TLS server do not): each read asks the decoder where to land, so the decrypted bytes
 * of a large frame go straight into the buffer that becomes its payload, with no copy and without the
 * stream machinery of 'data' events. Reads between bodies (prefixes, headers, small frames) use a
 * scratch buffer the decoder copies from. Bytes that arrive before the connection is attached (none
 * should: the acceptor speaks only after HELLO) are kept and replayed.
 */
export class DirectReader {
  readonly #scratch = Buffer.allocUnsafe(64 * 1024);
  #decoder: FrameDecoder | null = null;
  #sink: ((n: number, read: (out: (m: WireMessage) => void) => void) => void) | null = null;
  readonly #early: Buffer[] = [];
  #direct = false;

  readonly onread = {
    buffer: (): Uint8Array => {
      const target = this.#decoder?.readTarget() ?? null;
      this.#direct = target !== null;
      return target ?? this.#scratch;
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      const decoder = this.#decoder;
      if (decoder === null || this.#sink === null) {
        this.#early.push(Buffer.from(buf.subarray(0, n)));
        return true;
      }
      if (this.#direct) this.#sink(n, (out) => decoder.advance(n, out));
      else {
        const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
        this.#sink(n, (out) => decoder.push(chunk, out));
      }
      return true;
    },
  };

  attach(decoder: FrameDecoder, sink: (n: number, read: (out: (m: WireMessage) => void) => void) => void): void {
    this.#decoder = decoder;
    this.#sink = sink;
    for (const b of this.#early.splice(0)) sink(b.length, (out) => decoder.push(b, out));
  }
}
