// Embedding the runtime in a Node program: alice and bob learn the mean salary over both companies,
// neither learns the other's list. Run: node --import tsx packages/runtime/examples/secure-mean.ts
import { Cluster, deviceModuleUrl } from '@sfw/runtime';

const cluster = await Cluster.start({
  parties: ['alice', 'bob'],
  // FM128 with 26 fractional bits: 1/9 as a fixed-point constant is off by <= 2^-27, so the mean of
  // sums near 5.4e5 is off by <= ~0.005 (FM64/18 bits would give <= ~1).
  spu: { protocol: 'SEMI2K', field: 'FM128', fxpFractionBits: 26, beaverType: 'TTP' },
  modules: [deviceModuleUrl(import.meta.url, './secure-mean-device')],
});
try {
  await cluster.beginTask('secure-mean-1');
  const spu = cluster.spu();
  const alice = cluster.pyu('alice');
  const bob = cluster.pyu('bob');

  // Each list stays in its owner's thread; .to(spu) sends one additive share to each SPU rank.
  const a = alice.call<Float64Array>('payroll.salaries');
  const b = bob.call<Float64Array>('payroll.salaries');
  const [mean] = spu.run('payroll.pooledMean', [a.to(spu), b.to(spu)], { count: 9 });

  // Reveal to each party (only the named party reconstructs), then read alice's copy in the driver
  // for printing - in a real deployment the driver would not see it.
  const atAlice = mean!.reveal(alice);
  await mean!.reveal(bob).ready;
  const result = (await atAlice.get()).data[0]!;
  const plain = [52_000, 61_500, 48_250, 75_000, 58_900, 66_000, 49_800, 71_200, 57_300].reduce((x, y) => x + y) / 9;
  process.stdout.write(`secure mean ${result.toFixed(2)}  plaintext ${plain.toFixed(2)}  |diff| ${Math.abs(result - plain).toExponential(2)}\n`);
  await cluster.endTask();
} finally {
  await cluster.shutdown();
}
