// A TCP proxy that emulates a WAN link (this kernel has no netem qdisc): each direction
// of each connection is a serial link of `mbitPerSec` with `rttMs / 2` one-way delay. A chunk leaves
// when the link has finished sending the ones before it (bandwidth) and arrives `rttMs / 2` later
// (latency); the source is paused while more than one bandwidth-delay product (at least 1 MiB) is in
// flight, which gives the sender TCP-like backpressure. TLS passes through untouched.
//
// Run as a process (`node shaping-proxy.js <target host:port> <mbit/s> <rtt ms>`) it listens on a
// free port of 127.0.0.1 in its own network namespace, prints `{"port":N}` and serves until its stdin
// closes: the WAN bench places one in the dialling host's namespace, in front of the veth link.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LinkProfile {
  readonly name: string;
  readonly mbitPerSec: number;
  readonly rttMs: number;
}

class Direction {
  #busyUntil = 0;
  #inFlight = 0;
  readonly #queue: { at: number; chunk: Buffer }[] = [];
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  readonly #bytesPerMs: number;
  readonly #delayMs: number;
  readonly #limit: number;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    profile: LinkProfile,
  ) {
    this.#bytesPerMs = (profile.mbitPerSec * 1e6) / 8 / 1000;
    this.#delayMs = profile.rttMs / 2;
    this.#limit = Math.max(1 << 20, this.#bytesPerMs * profile.rttMs);
    src.on('data', (chunk: Buffer) => this.#push(chunk));
    src.on('end', () => this.#whenDrained(() => dst.end()));
  }

  #push(chunk: Buffer): void {
    const now = performance.now();
    const start = Math.max(now, this.#busyUntil);
    this.#busyUntil = start + chunk.length / this.#bytesPerMs;
    this.#queue.push({ at: this.#busyUntil + this.#delayMs, chunk });
    this.#inFlight += chunk.length;
    if (this.#inFlight > this.#limit) this.src.pause();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return;
    const wait = this.#queue[0]!.at - performance.now();
    const fire = (): void => {
      this.#timer = null;
      this.#flush();
    };
    // Timers fire at millisecond granularity at best: a sub-millisecond wait (the 0.2 ms RTT profile)
    // polls on the event loop instead of rounding every delay up to a whole millisecond.
    this.#timer = wait < 1 ? setImmediate(fire) : setTimeout(fire, wait);
  }

  #flush(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) {
      const { chunk } = this.#queue.shift()!;
      this.#inFlight -= chunk.length;
      if (!this.dst.destroyed) this.dst.write(chunk);
    }
    if (this.#inFlight <= this.#limit && this.src.isPaused()) this.src.resume();
    if (this.#queue.length === 0) this.#drained?.();
    this.#schedule();
  }

  #drained: (() => void) | null = null;
  #whenDrained(f: () => void): void {
    if (this.#queue.length === 0) f();
    else this.#drained = f;
  }
}

/** Listen on a free loopback port and forward every connection to `target` through the profile. */
export async function startShapingProxy(target: { host: string; port: number }, profile: LinkProfile): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  // Half-open on both sides: one direction ending (FIN) must not cut the other's delayed bytes.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    new Direction(client, upstream, profile);
    new Direction(upstream, client, profile);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [target = '', mbit = '', rtt = ''] = process.argv.slice(2);
  const i = target.lastIndexOf(':');
  const profile: LinkProfile = { name: 'cli', mbitPerSec: Number(mbit), rttMs: Number(rtt) };
  if (i <= 0 || !(profile.mbitPerSec > 0) || !(profile.rttMs >= 0)) {
    process.stderr.write('usage: shaping-proxy <target host:port> <mbit/s> <rtt ms>\n');
    process.exit(2);
  }
  const proxy = await startShapingProxy({ host: target.slice(0, i), port: Number(target.slice(i + 1)) }, profile);
  process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`);
  process.stdin.resume();
  process.stdin.on('close', () => void proxy.close().then(() => process.exit(0)));
}
