// Ring kernels (@sfw/ring, built JS) against each other, against the BigInt reference backend,
// and against the same loop compiled natively with gcc -O2 in the same run ("native-c").
import {
  RingArena, add, decode, encode, jsKernels, kernels, matmul, mul, mulAdd, Prg, randomSeed, randomTensor, setKernels, shr, zeros,
  type FieldType,
} from '@sfw/ring';
import { summarize, timeIt, type BenchSuite } from '../suite.ts';
import { buildNativeLoop } from '../native.ts';

const FIELDS: FieldType[] = ['FM64', 'FM128'];

function repsFor(n: number, quick: boolean): number {
  if (quick) return 5;
  return n <= 1 << 14 ? 50 : n <= 1 << 18 ? 20 : 11;
}

const suite: BenchSuite = {
  name: 'ring',
  description: 'Z_2^64 / Z_2^128 kernels (WASM): add, mul, mul-add, shr, encode/decode, PRG, matmul; native C and BigInt baselines',
  async run({ quick, emit }) {
    const sizes = quick ? [1 << 10, 1 << 16] : [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20];
    const backend = kernels().name;
    const native = await buildNativeLoop();
    if (native === null) emit({ suite: 'ring', case: 'native-c', n: 0, median_ms: Number.NaN, reps: 0, note: 'gcc not found: native reference skipped' });
    try {
      for (const field of FIELDS) {
        for (const n of sizes) {
          const reps = repsFor(n, quick);
          const a = randomTensor(field, [n]), b = randomTensor(field, [n]), c = randomTensor(field, [n]), o = zeros(field, [n]);
          const x = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 20001) / 100 - 100);
          const enc = encode(x, field);
          const prg = new Prg(randomSeed());
          const cases: [string, () => unknown][] = [
            ['add', () => add(a, b, o)],
            ['mul', () => mul(a, b, o)],
            ['mul-add', () => mulAdd(a, b, c, o)],
            ['shr', () => shr(a, 18, o)],
            ['encode', () => encode(x, field)],
            ['decode', () => decode(enc)],
            ['prg-fill', () => prg.fillRing(field, n)],
          ];
          for (const [name, fn] of cases) {
            const t = await timeIt(fn, { reps, warmup: 3 });
            emit({ suite: 'ring', case: name, n, field, ...t, backend });
          }
          // Zero-copy path: operands and output allocated inside one RingArena (WASM memory).
          {
            const arena = new RingArena(4 * n * (field === 'FM64' ? 8 : 16) + 65536);
            const aa = arena.adopt(a), ab = arena.adopt(b), ac = arena.adopt(c), ao = arena.alloc(field, [n]);
            const t = await timeIt(() => mulAdd(aa, ab, ac, ao), { reps, warmup: 3 });
            emit({ suite: 'ring', case: 'mul-add.arena', n, field, ...t, backend: 'wasm-arena' });
            const tm = await timeIt(() => mul(aa, ab, ao), { reps, warmup: 3 });
            emit({ suite: 'ring', case: 'mul.arena', n, field, ...tm, backend: 'wasm-arena' });
          }
          // The representation baseline: BigInt elements in a BigUint64Array (no WASM).
          if (n <= (field === 'FM64' ? 1 << 16 : 1 << 14)) {
            const prev = kernels();
            setKernels(jsKernels);
            try {
              const t = await timeIt(() => mulAdd(a, b, c, o), { reps: Math.min(reps, 5), warmup: 2 });
              emit({ suite: 'ring', case: 'mul-add.js-bigint', n, field, ...t, backend: 'js-bigint' });
            } finally {
              setKernels(prev);
            }
          }
          if (native !== null) {
            const op = field === 'FM64' ? 'muladd64' : 'muladd128';
            const t = summarize(await native.time(op, n, Math.max(reps, 5)));
            emit({ suite: 'ring', case: 'mul-add.native-c', n, field, ...t, backend: native.compiler });
            if (field === 'FM64') {
              emit({ suite: 'ring', case: 'mul.native-c', n, field, ...summarize(await native.time('mul64', n, Math.max(reps, 5))), backend: native.compiler });
              emit({ suite: 'ring', case: 'add.native-c', n, field, ...summarize(await native.time('add64', n, Math.max(reps, 5))), backend: native.compiler });
            }
          }
        }
        for (const d of quick ? [128] : [256, 512, 1000]) {
          const a = randomTensor(field, [d, d]), b = randomTensor(field, [d, d]), o = zeros(field, [d, d]);
          const reps = quick ? 2 : d >= 1000 || (field === 'FM128' && d >= 512) ? 3 : 5;
          const t = await timeIt(() => matmul(a, b, o), { reps, warmup: 1 });
          emit({ suite: 'ring', case: 'matmul', n: d, field, ...t, backend, gmac_per_s: Math.round((d ** 3 / (t.median_ms * 1e6)) * 100) / 100 });
        }
      }
    } finally {
      await native?.close();
    }
  },
};

export default suite;
