import { add, mul, randomTensor, zeros, kernels, shl, lshr, mulScalar } from '@sfw/ring';
const n = 1 << 20;
const a = randomTensor('FM64', [n]), b = randomTensor('FM64', [n]), o = zeros('FM64', [n]);
console.log(kernels().name);
for (let r = 0; r < 5; r++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < 10; i++) add(a, b, o);
  const t1 = performance.now(); 
  for (let i = 0; i < 10; i++) mul(a, b, o);
  const t2 = performance.now();
  for (let i = 0; i < 10; i++) lshr(a, 5, o);
  const t3 = performance.now();
  for (let i = 0; i < 10; i++) add(a, b);
  const t4 = performance.now();
  const c = process.cpuUsage(c0);
  console.log('add', ((t1 - t0) / 10).toFixed(2), 'mul', ((t2 - t1) / 10).toFixed(2), 'lshr', ((t3 - t2) / 10).toFixed(2), 'add-fresh', ((t4 - t3) / 10).toFixed(2), 'cpu', ((c.user + c.system) / 40000).toFixed(2));
}
