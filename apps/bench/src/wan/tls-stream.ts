// The ceiling for the link throughput case: a plain Node TLS 1.3 stream with the same certificates,
// cipher and path (namespaces, shaping proxy) as the links, and none of the link's framing or
// threads. `serve <listen host:port> <self> <mib>`: accept one client, write `mib` MiB to it in 1 MiB
// writes from a ring of 64 distinct buffers (so the data is not cache-resident, as link payloads are
// not), print the sender's CPU-s. `fetch <host:port> <self> <peer>`: read to the end, print the bytes,
// wall ms and the receiver's CPU-s. Both print one JSON line; the first line of `serve` is `{port}`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type SecureContextOptions } from 'node:tls';

const [mode = '', address = '', self = '', arg = ''] = process.argv.slice(2);
const certDir = process.env['SFW_WAN_CERTS'] ?? '';
const tls: SecureContextOptions = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', cert: readFileSync(join(certDir, `${self}.pem`)), key: readFileSync(join(certDir, `${self}.key`)), ca: readFileSync(join(certDir, 'ca.pem')) };
const i = address.lastIndexOf(':');
const host = address.slice(0, i);
const port = Number(address.slice(i + 1));
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const cpuS = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;

if (mode === 'serve') {
  const mib = Number(arg);
  const ring = Array.from({ length: 64 }, (_, k) => Buffer.alloc(1 << 20, k));
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (s) => {
    const cpu0 = process.cpuUsage();
    let sent = 0;
    const pump = (): void => {
      while (sent < mib) {
        if (!s.write(ring[sent++ % ring.length]!)) return void s.once('drain', pump);
      }
      s.end(() => {
        out({ sender_cpu_s: cpuS(process.cpuUsage(cpu0)) });
        server.close();
      });
    };
    pump();
  });
  server.listen(port, host, () => {
    const a = server.address();
    out({ port: typeof a === 'object' && a !== null ? a.port : port });
  });
} else if (mode === 'fetch') {
  const s = connect({ ...tls, host, port, servername: arg, rejectUnauthorized: true, checkServerIdentity: () => undefined });
  let bytes = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  s.once('secureConnect', () => {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
  });
  s.on('data', (c: Buffer) => void (bytes += c.length));
  s.on('end', () => {
    out({ bytes, ms: performance.now() - t0, receiver_cpu_s: cpuS(process.cpuUsage(cpu0)) });
    s.end();
  });
} else {
  process.stderr.write('usage: tls-stream serve <host:port> <self> <mib> | fetch <host:port> <self> <peer>\n');
  process.exit(2);
}
