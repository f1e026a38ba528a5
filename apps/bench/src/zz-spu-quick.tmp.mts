import { LocalHub, createSpuContext, serveDealer, shareInputs } from '@sfw/spu';
const what = process.argv[2] ?? 'mul';
const field = (process.argv[4] ?? 'FM64') as 'FM64' | 'FM128';
const cfg = { protocol: 'SEMI2K', field, fxpFractionBits: 0, beaverType: 'TTP' } as const;
const n = Number(process.argv[3] ?? (what === 'mul' ? 1 << 20 : 1000));
const shape = what === 'mul' ? [n] : [n, n];
const size = shape.reduce((a, b) => a * b, 1);
const xs = Float64Array.from({ length: size }, (_, i) => ((i * 7919) % 2001) / 100 - 10);
const X = shareInputs(cfg, xs, shape, 2);
const hub = new LocalHub(2);
const dealer = serveDealer(cfg, hub.endpoint(2));
const ctxs = [0, 1].map((r) => createSpuContext(cfg, hub.endpoint(r)));
for (let r = 0; r < 6; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  await Promise.all(ctxs.map((c) => (what === 'mul' ? c.mul(X[c.rank]!, X[c.rank]!) : c.matmul(X[c.rank]!, X[c.rank]!))));
  const c1 = process.cpuUsage(c0);
  console.log(what, n, field, 'wall', (performance.now() - t0).toFixed(1), 'cpu', ((c1.user + c1.system) / 1000).toFixed(1), 'sys', (c1.system/1000).toFixed(1));
}
ctxs.forEach((c) => c.close()); dealer.stop(); await dealer.done;
